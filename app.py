"""Positions dashboard: the URL says what to show, the controls change it, the panels draw it.

Run: scripts/run.sh (or `streamlit run app.py`). Each run reads st.query_params into a
ViewState, lets the sidebar and the panel switch change it, draws one panel, and writes the
state back to the URL, so the address bar always reopens the current view.

Read-only by default: saving extracted lists and curating suggestions (the Extract view) need
POSITIONS_EDIT_PASSPHRASE (or `edit_passphrase` in .streamlit/secrets.toml) on the server and
the passphrase typed in the sidebar's Editing box; no link can turn editing on.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import streamlit as st

import components
from components import (
    briefing, controls, curation, data, demand_map, divergence, matrix, movement, overlap, scorecard, sources,
)
from components.text import md
from positions import viewstate
from positions.access import Access
from positions.compare import Comparison
from positions.embedding import ModelUnavailableError
from positions.store import LoadResult
from positions.viewstate import NegotiationInfo, ViewState

DEFAULT_BASE_URL = "http://localhost:8501/"
MAX_ERRORS_SHOWN = 20

st.set_page_config(page_title="Positions", page_icon=":material/balance:", layout="wide")

components.freeze_long_lived_objects()  # now that pandas, plotly and pydantic are in: see there


def main() -> None:
    results = data.load_all()
    usable = {s: r for s, r in results.items() if r.negotiation is not None and len(r.negotiation.parties) >= 2}
    for slug, result in results.items():
        if slug not in usable:
            _load_errors(f"Negotiation {slug} could not be loaded", result)
    if not usable:
        st.error("No negotiation to show: add one under data/negotiations/ (see README).")
        return
    negotiations = {s: r.negotiation for s, r in usable.items()}
    infos = {s: NegotiationInfo.of(r.negotiation, r.data_version) for s, r in usable.items()}

    asked, notices = viewstate.from_query(_query_params(), infos)
    state = controls.sidebar_controls(asked, negotiations, infos)
    access = curation.editing_box()  # read-only unless this session typed the passphrase
    result, info = usable[state.negotiation], infos[state.negotiation]
    negotiation = result.negotiation

    _header(negotiation.title, negotiation.summary)
    if notices:
        st.warning("Parts of this link were ignored:\n" + "\n".join(f"- {md(n)}" for n in notices))
    # Only for the negotiation the link named: after switching, the URL still holds the old one's version.
    if asked.data_version and asked.negotiation == state.negotiation and asked.data_version != info.data_version:
        st.warning(
            f"The data changed since this link was made (link: {asked.data_version}, now: {info.data_version}). "
            "The view below shows the current data."
        )
    if result.errors:
        _load_errors("Some of the data did not validate; what did is shown", result)

    comparison = data.comparison(state.negotiation, info.data_version, data.selection_view(state))
    status = st.container()  # above the panel switch, but filled once the switch says which panel
    state = dataclasses.replace(state, panel=controls.panel_controls(state))
    if state.panel != "extract":  # the extract view shows its own lists, not this comparison
        with status:
            _status(state, comparison)
    state = _panel(state, comparison, info, access)

    state = dataclasses.replace(state, data_version=info.data_version)
    query = viewstate.to_query(state)
    if _query_params() != {key: [value] for key, value in query.items()}:
        st.query_params.from_dict(query)
    stem = file_stem(state)
    briefing.show(comparison, viewstate.build_link(state, st.context.url or DEFAULT_BASE_URL), info.data_version, stem)


def file_stem(state: ViewState) -> str:
    """Download names that say what is inside: russia-ukraine_russia-ukraine_2025-06-04."""
    return "_".join([state.negotiation, "-".join(state.parties), state.as_of.isoformat() if state.as_of else "latest"])


def _query_params() -> dict[str, list[str]]:
    # get_all keeps repeated keys visible, so from_query can refuse them rather than pick one.
    return {key: st.query_params.get_all(key) for key in st.query_params.keys()}


def _header(title: str, summary: str) -> None:
    st.title(md(title))
    st.caption("Positions · what each party demands, side by side, every line sourced")
    if summary:
        st.markdown(md(summary))
    st.info(
        "**Stances decide agreement; similarity only matches topics.** Every demand is scored from −2 "
        "(strongly against) to +2 (strongly for) on one motion per issue: the same direction is an "
        "overlap, opposite directions a divergence. Text similarity only pairs statements about the "
        "same thing.",
        icon=":material/balance:",
    )


def _status(state: ViewState, comparison: Comparison) -> None:
    names = " · ".join(f"**{md(p.name)}**" for p in comparison.parties)
    when = f"as of **{state.as_of.isoformat()}**" if state.as_of else "**latest** positions"
    floor = f" (confidence ≥ {state.min_confidence:.2f})" if state.min_confidence else ""
    origin = {"curated": "curated demands", "extracted": f"model-extracted demands{floor}",
              "both": f"curated and model-extracted demands{floor}"}[state.origin]
    documents = len({d.document for d in comparison.demands})
    st.markdown(
        f"Comparing {names} — {when} — {origin} — {len(comparison.demands)} statements from {documents} documents"
    )


def _panel(state: ViewState, comparison: Comparison, info: NegotiationInfo, access: Access) -> ViewState:
    """Draw the chosen panel; panels with their own controls hand back the updated state."""
    slug, version, view = state.negotiation, info.data_version, data.selection_view(state)
    names = {p.id: p.name for p in comparison.parties}
    if state.panel in ("diverge", "matrix", "movement"):
        state = dataclasses.replace(state, pair=controls.pair_controls(state, names))
    pair = state.active_pair
    match state.panel:
        case "scorecard":
            scorecard.show(comparison, data.scorecard_figure(slug, version, view))
        case "overlap":
            overlap.show(comparison)
        case "diverge":
            issues = tuple(item.issue.id for item in divergence.diverging(comparison, pair))
            divergence.show(comparison, pair, data.stance_strips(slug, version, view, issues))
        case "matrix":
            _embedded(lambda: matrix.show(data.match_figure(slug, version, view, pair)))
        case "map":
            _embedded(lambda: demand_map.show(data.map_figure(slug, version, view)))
        case "movement":
            summary = data.movement_summary(slug, version, view, *pair)
            movement.show((names[pair[0]], names[pair[1]]), summary, *data.movement_figures(slug, version, view, pair))
        case "sources":
            state = dataclasses.replace(state, source_filter=controls.filter_controls(state))
            sources.show(data.sources(slug, version, view), state.source_filter, file_stem(state))
        case "extract":
            from components import extraction  # the editing and extraction page, only when asked for

            state = extraction.page(
                state, comparison.negotiation, data.folder(slug), access, embedder=data.embedder, new_folder=data.folder,
            )
    return state


def _embedded(draw: Callable[[], None]) -> None:
    """Draw a similarity panel, or say why not when the embedding model is unavailable."""
    try:
        draw()
    except ModelUnavailableError as exc:
        st.error(
            f"This view needs sentence embeddings, and the model is unavailable: {md(str(exc))}. "
            "Every other view works without it."
        )


def _load_errors(heading: str, result: LoadResult) -> None:
    lines = [f"- {md(str(error))}" for error in result.errors[:MAX_ERRORS_SHOWN]]
    if len(result.errors) > MAX_ERRORS_SHOWN:
        lines.append(f"- … and {len(result.errors) - MAX_ERRORS_SHOWN} more (run `python -m positions validate`)")
    st.error(f"{md(heading)}:\n" + "\n".join(lines))


main()
