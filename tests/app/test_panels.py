"""What a person sees: each panel on the bundled data, and the whole app opened from a link."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest

from components.text import md, md_link
from positions.compare import Comparison, Selection, compare
from positions.schema import Demand, Document, Issue, Negotiation, Party
from positions.store import load_negotiation
from positions.viewstate import PANELS
from tests.app.conftest import REPO_ROOT, run_app, run_panel, texts

# --- panels, each drawn on its own ------------------------------------------------------------


# Functions handed to AppTest.from_function run as scripts of their own: they import what they
# use, and carry no annotations (a script has no `from __future__ import annotations`).


def _scorecard(comparison):
    from components import scorecard
    from positions.figures import scorecard_figure

    scorecard.show(comparison, scorecard_figure(comparison))


def _row(table, label: str) -> dict[str, str]:
    frame = table.value
    matches = frame[frame["Issue"].str.contains(label, regex=False)]
    assert len(matches) == 1, f"no single row for {label!r} in {list(frame['Issue'])}"
    return matches.iloc[0].to_dict()


def test_scorecard_shows_overlap_and_divergence_at_a_glance(first_round: Comparison) -> None:
    at = run_panel(_scorecard, first_round)
    table = at.table[0]
    assert list(table.value.columns) == ["Issue", "Relation", "Russia", "Ukraine", "Distance"]
    assert "overlap" in _row(table, "Prisoners")["Relation"]
    for label in ("Ceasefire", "Alliances", "Sanctions", "Territory"):
        assert "divergence" in _row(table, label)["Relation"], label
    # Shared ground is listed first, then what separates them.
    relations = [r.split("[")[1].rstrip("]") for r in table.value["Relation"]]
    assert relations.index("overlap") < relations.index("divergence")
    assert {m.label: m.value for m in at.metric}["Diverge"] == str(len(first_round.by_relation("divergence")))
    assert len(at.get("plotly_chart")) == 1


def test_scorecard_names_each_stance(first_round: Comparison) -> None:
    at = run_panel(_scorecard, first_round)
    ceasefire = _row(at.table[0], "Ceasefire")
    assert "strongly for" in ceasefire["Ukraine"]
    assert "against" in ceasefire["Russia"]


def _overlap(comparison):
    from components import overlap

    overlap.show(comparison)


def test_overlap_puts_both_wordings_side_by_side_with_sources(first_round: Comparison) -> None:
    at = run_panel(_overlap, first_round)
    shown = "\n".join(texts(at))
    assert "Prisoners" in shown
    assert "Alliances" not in shown  # a divergence, not shared ground
    sources = [c.value for c in at.caption if c.value.startswith("Source:")]
    assert sources and all("](https://" in s for s in sources)
    assert len(at.columns) >= 2


def _divergence(comparison, pair):
    from components import divergence
    from positions.figures import stance_strip

    items = divergence.diverging(comparison, pair)
    divergence.show(comparison, pair, {i.issue.id: stance_strip(i, comparison.parties) for i in items})


def test_divergence_shows_opposing_demands_and_strips(first_round: Comparison) -> None:
    at = run_panel(_divergence, first_round, ("russia", "ukraine"))
    headings = [m.value for m in at.markdown if m.value.startswith("#### ")]
    for label in ("Ceasefire", "Alliances and neutrality", "Sanctions", "Territory"):
        assert f"#### {md(label)}" in headings
    assert not any("Prisoners" in h for h in headings)
    assert len(at.get("plotly_chart")) == len(headings)
    assert any("Condition:" in m.value for m in at.markdown)  # Russia's ceasefire conditions


def _matrix(comparison):
    import numpy as np

    from components import data, matrix
    from positions import embedding
    from positions.compare import similarity_matrix
    from positions.figures import match_matrix

    ids, vectors = embedding.vectors_for(comparison.negotiation)
    by_id = dict(zip(ids, vectors))
    a = data.current_demands(comparison, "russia")
    b = data.current_demands(comparison, "ukraine")
    similarity = similarity_matrix(np.stack([by_id[d.id] for d in a]), np.stack([by_id[d.id] for d in b]))
    relations = {i.issue.id: data.pair_relation(i, "russia", "ukraine").kind for i in comparison.issues}
    matrix.show(match_matrix(a, b, similarity, relations, *comparison.parties))


def test_matrix_draws_from_the_shipped_cache_and_says_similarity_is_not_agreement(first_round: Comparison) -> None:
    at = run_panel(_matrix, first_round)
    assert "never that the parties agree" in at.info[0].value
    assert len(at.get("plotly_chart")) == 1


def _map_and_movement(comparison):
    import numpy as np

    from components import demand_map, movement
    from positions import embedding, figures, timeline

    negotiation = comparison.negotiation
    ids, vectors = embedding.vectors_for(negotiation)
    coords = dict(zip(ids, figures.project_2d(vectors)))
    demands = [d for d in comparison.demands if d.id in coords]
    demand_map.show(figures.demand_map(demands, np.stack([coords[d.id] for d in demands]), comparison.parties,
                                       negotiation.documents_by_id()))
    frame = timeline.stance_timeline(negotiation, comparison.selection)
    summary = timeline.movement_summary(negotiation, comparison.selection, "russia", "ukraine")
    labels = {i.id: i.label for i in negotiation.issues}
    movement.show(("Russia", "Ukraine"), summary, figures.gap_figure(frame, comparison.parties[:2], labels),
                  figures.movement_figure(frame, comparison.parties, labels))


def test_map_and_movement_draw(negotiation: Negotiation) -> None:
    latest = compare(negotiation, Selection(parties=("russia", "ukraine")))
    at = run_panel(_map_and_movement, latest)
    assert len(at.get("plotly_chart")) == 3
    assert any(m.value.startswith("##### Did Russia and Ukraine move closer") for m in at.markdown)
    assert any(":green[closer]" in m.value or ":red[further apart]" in m.value or "unchanged" in m.value
               for m in at.markdown)


def _sources(comparison, filter_text):
    from components import sources
    from positions.export import sources_table

    sources.show(sources_table(comparison), filter_text, "test")


def test_sources_table_has_rows_links_and_a_csv_download(first_round: Comparison) -> None:
    at = run_panel(_sources, first_round, "")
    frame = at.dataframe[0].value
    assert len(frame) == len(first_round.demands) > 0
    assert frame["url"].str.startswith("https://").all()
    assert len(at.get("download_button")) == 1
    narrowed = run_panel(_sources, first_round, "ceasefire").dataframe[0].value
    assert 0 < len(narrowed) < len(frame)


def _briefing(comparison):
    from components import briefing

    briefing.show(comparison, "http://localhost:8501/?negotiation=russia-ukraine&parties=russia,ukraine",
                  "0123456789ab", "test")


def test_briefing_offers_the_link_and_both_downloads(first_round: Comparison) -> None:
    at = run_panel(_briefing, first_round)
    assert at.sidebar.code[0].value.startswith("http://localhost:8501/?negotiation=russia-ukraine")
    labels = [b.proto.label for b in at.sidebar.get("download_button")]
    assert labels == ["Briefing (Markdown)", "Briefing (HTML, opens offline)"]


# --- data text is shown literally, never as Markdown or HTML ----------------------------------

HOSTILE_TEXT = "<img src=x onerror=alert(1)> **bold** [click](javascript:alert(1)) :red[red] $x$"


@pytest.fixture(scope="module")
def hostile() -> Comparison:
    negotiation = Negotiation(
        slug="hostile",
        title="<b>Hostile</b>",
        parties=(Party(id="a", name="<script>alert(1)</script>"), Party(id="b", name="**B**")),
        issues=(Issue(id="i", label="[Issue](javascript:x)", motion=HOSTILE_TEXT),),
        documents=(Document(id="d", title=HOSTILE_TEXT, date=dt.date(2025, 1, 1), kind="statement",
                            publisher="`pub`", url="https://example.org/x)"),),
        demands=(
            Demand(id="a1", party="a", document="d", issue="i", stance=2, text=HOSTILE_TEXT),
            Demand(id="b1", party="b", document="d", issue="i", stance=1, text=HOSTILE_TEXT, condition=HOSTILE_TEXT),
        ),
    )
    return compare(negotiation, Selection(parties=("a", "b")))


def _hostile_panels(comparison):
    from components import overlap, scorecard
    from positions.figures import scorecard_figure

    scorecard.show(comparison, scorecard_figure(comparison))
    overlap.show(comparison)


def test_hostile_data_text_is_escaped_everywhere(hostile: Comparison) -> None:
    at = run_panel(_hostile_panels, hostile)
    shown = texts(at)
    assert any(md(HOSTILE_TEXT) in t for t in shown)  # the demand text itself is there, escaped
    for text in shown:
        unescaped = text.replace("\\<", "").replace("\\*", "").replace("\\[", "").replace("\\$", "")
        assert "<img" not in unescaped and "<script" not in unescaped, text
        assert "](javascript" not in text, text
        assert "**bold**" not in text and ":red[red]" not in text, text
    # The document's URL contains ")" and would end the link early: it is shown as text, not linked.
    assert not any("](https://example.org/x)" in t for t in shown)


def test_md_escapes_markdown_and_html() -> None:
    assert md("<img src=x>") == r"\<img src\=x\>"
    assert md("**bold** _it_") == r"\*\*bold\*\* \_it\_"
    assert md("a\n\n# title") == r"a \# title"
    assert md("x" * 50, limit=10) == "x" * 9 + "…"
    assert md_link("T [1]", "https://example.org/a") == r"[T \[1\]](https://example.org/a)"
    assert md_link("T", "javascript:alert(1)") == "T"
    assert md_link("T", None) == "T"


# --- the whole app, opened from a link ----------------------------------------------------------


def test_an_empty_link_opens_the_scorecard_and_writes_the_full_url() -> None:
    at = run_app()
    assert at.segmented_control[0].value == "scorecard"
    assert len(at.table) == 1
    assert at.query_params["negotiation"] == "russia-ukraine"
    assert at.query_params["parties"] == "russia,ukraine"
    assert len(at.query_params["version"]) == 12
    assert not at.warning and not at.error


def test_the_shared_first_round_link_reopens_that_view() -> None:
    at = run_app(parties="russia,ukraine", as_of="2025-06-04", view="diverge")
    assert at.segmented_control[0].value == "diverge"
    assert at.sidebar.multiselect[0].value == ["russia", "ukraine"]
    assert at.sidebar.toggle[0].value is False
    assert at.sidebar.date_input[0].value == dt.date(2025, 6, 4)
    assert any("as of **2025-06-04**" in m.value for m in at.markdown)
    assert any(m.value == "#### Ceasefire" for m in at.markdown)
    assert "Stances decide agreement; similarity only matches topics." in at.info[0].value


@pytest.mark.parametrize("panel", PANELS)
def test_every_panel_opens_from_a_link_with_four_parties(panel: str) -> None:
    at = run_app(parties="russia,ukraine,united-states,e3", view=panel, pair="e3,russia")
    assert at.segmented_control[0].value == panel
    assert not at.error, [e.value for e in at.error]
    assert at.query_params.get("view", "scorecard") == panel
    if panel in ("diverge", "matrix", "movement"):
        assert at.selectbox(key="russia-ukraine:pair").value == ("e3", "russia")
    assert at.query_params["pair"] == "e3,russia"


def test_a_bad_parameter_shows_a_notice_and_the_rest_of_the_link_still_works() -> None:
    at = run_app(parties="russia,atlantis,ukraine", view="matrix", colour="red")
    notice = at.warning[0].value
    assert notice.startswith("Parts of this link were ignored")
    assert "atlantis" in notice and "colour" in notice
    assert at.segmented_control[0].value == "matrix"
    assert "colour" not in at.query_params  # the URL is cleaned up


def test_repeated_and_traversal_parameters_are_refused() -> None:
    at = run_app(negotiation="../../etc", parties=["russia,e3", "ukraine,russia"])
    notice = at.warning[0].value
    assert "Unknown negotiation" in notice and "appears 2 times" in notice
    assert at.query_params["negotiation"] == "russia-ukraine"
    assert at.query_params["parties"] == "russia,ukraine"


def test_an_old_link_says_the_data_changed() -> None:
    at = run_app(parties="russia,ukraine", version="000000000000")
    current = load_negotiation("russia-ukraine").data_version
    assert any(
        w.value.startswith(f"The data changed since this link was made (link: 000000000000, now: {current})")
        for w in at.warning
    )
    assert at.query_params["version"] == current


def test_changing_controls_rewrites_the_url() -> None:
    at = run_app(parties="russia,ukraine", as_of="2025-06-04")
    at.segmented_control[0].set_value("sources").run()
    assert at.query_params["view"] == "sources"
    at.text_input[0].set_value("ceasefire").run()
    assert at.query_params["filter"] == "ceasefire"
    assert 0 < len(at.dataframe[0].value)
    at.sidebar.toggle[0].set_value(True).run()
    assert "as_of" not in at.query_params
    at.sidebar.multiselect[0].set_value(["ukraine", "united-states"]).run()
    assert at.query_params["parties"] == "ukraine,united-states"
    at.sidebar.radio[0].set_value("both").run()
    at.sidebar.slider[0].set_value(0.6).run()
    assert (at.query_params["origin"], at.query_params["min_confidence"]) == ("both", "0.6")
    assert not at.exception
    link = at.sidebar.code[0].value
    assert "view=sources" in link and "filter=ceasefire" in link and "origin=both" in link


def test_one_party_left_keeps_the_last_comparison() -> None:
    at = run_app(parties="russia,ukraine")
    at.sidebar.multiselect[0].set_value(["russia"]).run()
    assert "Pick at least two parties" in at.sidebar.warning[0].value
    assert at.query_params["parties"] == "russia,ukraine"


def test_the_sources_view_offers_csv_and_briefings() -> None:
    at = run_app(parties="russia,ukraine", view="sources")
    labels = [b.proto.label for b in at.get("download_button")]
    assert "Download these rows (CSV)" in labels
    assert "Briefing (Markdown)" in labels and "Briefing (HTML, opens offline)" in labels


def test_the_curated_view_does_not_import_torch() -> None:
    # A fresh interpreter: this test session may have loaded torch for other tests.
    script = (
        "import sys\n"
        f"sys.path.insert(0, {str(REPO_ROOT)!r})\n"
        "from streamlit.testing.v1 import AppTest\n"
        f"at = AppTest.from_file({str(REPO_ROOT / 'app.py')!r}, default_timeout=60)\n"
        "at.query_params['parties'] = 'russia,ukraine'\n"
        "at.run()\n"
        "assert not at.exception, at.exception\n"
        "assert len(at.table) == 1\n"
        "print(*(m in sys.modules for m in sys.argv[1:]))\n"
    )
    # Neither the model, nor the extraction stack, nor what only a click needs (the briefing, the
    # extraction page): each would cost start-up time before the first scorecard.
    unwanted = ["torch", "sentence_transformers", "pysbd", "bs4", "pypdf", "positions.brief", "components.extraction"]
    done = subprocess.run([sys.executable, "-c", script, *unwanted], capture_output=True, text=True, timeout=120,
                          cwd=REPO_ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    assert dict(zip(unwanted, done.stdout.split())) == dict.fromkeys(unwanted, "False")


def test_state_survives_a_panel_round_trip() -> None:
    at = run_app(parties="russia,ukraine,e3", issues="ceasefire,prisoners")
    before = dict(at.query_params)
    at.segmented_control[0].set_value("movement").run()
    at.segmented_control[0].set_value("scorecard").run()
    assert dict(at.query_params) == before
    issues_shown = {row.split("**")[1] for row in at.table[0].value["Issue"]}
    assert issues_shown == {md("Ceasefire"), md("Prisoners, civilians and the fallen")}


def test_every_panel_has_a_label_and_the_default_comes_first() -> None:
    from components.controls import PANEL_LABELS
    from positions.viewstate import ViewState

    assert tuple(PANEL_LABELS) == PANELS
    assert ViewState("russia-ukraine", ("russia", "ukraine")).panel == PANELS[0]
