"""Extract: demand lists from a document, shown at once; saved and curated only with editing unlocked.

Anyone can run an extraction and read the result (a preview changes nothing). Saving it into
the negotiation's folder, and accepting or rejecting saved suggestions, need editing unlocked
(components/curation.py). The pipeline is imported only when an extraction runs, so the other
views never pay for it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import streamlit as st
from components import curation as curation_ui
from components.scorecard import scorecard_table
from components.text import md
from positions import curation
from positions.access import Access
from positions.compare import Comparison
from positions.embedding import Embedder, ModelUnavailableError
from positions.schema import Document, Negotiation, Party
from positions.viewstate import ViewState

if TYPE_CHECKING:
    from positions.documents import SourceText
    from positions.extract import Extraction

log = logging.getLogger(__name__)

UPLOAD_TYPES = ["txt", "md", "markdown", "html", "htm", "pdf"]
MODES = {"existing": "This negotiation's parties", "new": "A new negotiation"}
PASTED_NAME = "pasted-text"


@dataclasses.dataclass(frozen=True)
class Request:
    """What the controls ask to extract: from which documents, for which parties."""

    parties: tuple[Party, ...]
    uploads: tuple[tuple[str, bytes], ...]
    pasted: str
    pasted_name: str
    new: bool


@dataclasses.dataclass(frozen=True)
class Result:
    """An extraction kept across reruns, with the folder's files as they were when it ran."""

    extraction: Extraction
    parties: tuple[Party, ...]
    comparison: Comparison
    new: bool
    snapshot: curation.Snapshot | None  # None for a new negotiation: its files must not exist yet


def page(
    state: ViewState,
    negotiation: Negotiation,
    folder: Path,
    access: Access,
    embedder: Callable[[], Embedder],
    new_folder: Callable[[str], Path],
) -> ViewState:
    """The extract view: controls, progress, the lists, saving and the review of saved lists."""
    st.subheader("Extract demand lists from documents")
    st.caption(
        "The model reads the document, finds who demands what, scores each demand's stance on an issue's "
        "motion and says how sure it is. Check every line against its evidence: this is a suggestion, "
        "not a curated list. On real documents it was never tuned on, lines with confidence 0.7 or more had "
        "party, issue and direction right about half to two thirds of the time, lines under 0.4 fewer than "
        "one in five (tests/blind)." + ("" if access.can_edit else " Read-only: extracting changes nothing.")
    )
    key = f"extract:{negotiation.slug}"
    request = extraction_controls(negotiation, state)
    if request is not None:
        result = _run(request, negotiation, folder, embedder)
        if result is not None:
            st.session_state[f"{key}:result"] = result
            st.session_state.pop(f"{key}:pending", None)
    result = st.session_state.get(f"{key}:result")
    if result is not None:
        show_result(result)
        if access.can_edit:
            _save_controls(result, negotiation, folder, new_folder, key)
    curation_ui.show_flash("extract")
    st.divider()
    return _review_section(state, negotiation, folder, access)


def extraction_controls(negotiation: Negotiation, state: ViewState) -> Request | None:
    """Documents and parties; returns a request when "Extract" is clicked, else None."""
    mode = st.radio("Parties", list(MODES), format_func=MODES.get, horizontal=True, key="extract:mode")
    new = mode == "new"
    names = {p.id: p for p in negotiation.parties}
    if new:
        spec = st.text_area(
            "Parties, one a line: Name=alias, alias", key="extract:party-lines", height=100,
            placeholder="North=Northern government, Oduya\nSouth=Southern Alliance, Mbeki",
        )
    else:
        chosen = st.multiselect(
            "Whose demands to look for", list(names), key=_seed(f"{negotiation.slug}:extract:parties", list(state.parties)),
            format_func=lambda p: names[p].name, help="The first two are the principals that \"both sides\" means.",
        )
    uploads = st.file_uploader(
        "Documents (text, Markdown, HTML or PDF)", type=UPLOAD_TYPES, accept_multiple_files=True, key="extract:files",
    )
    pasted = st.text_area("…or paste text", key="extract:text", height=160)
    pasted_name = st.text_input("Name of the pasted document", key="extract:name", placeholder=PASTED_NAME,
                                help="Its id in the data; a date in it (2025-06-02) dates the document.")
    if not st.button("Extract demands", type="primary", key="extract:run", icon=":material/search:"):
        return None
    if new:
        try:
            parties = curation.parse_parties(spec)
        except ValueError as exc:
            st.error("Check the parties:\n" + "\n".join(f"- {md(line)}" for line in str(exc).splitlines()))
            return None
    else:
        parties = [names[p] for p in chosen]
        if len(parties) < 2:
            st.error("Pick at least two parties.")
            return None
    files = tuple((upload.name, upload.getvalue()) for upload in uploads or ())
    return Request(tuple(parties), files, pasted or "", (pasted_name or "").strip() or PASTED_NAME, new)


def _seed(key: str, value: Any) -> str:
    if key not in st.session_state:
        st.session_state[key] = value
    return key


def _run(request: Request, negotiation: Negotiation, folder: Path, embedder: Callable[[], Embedder]) -> Result | None:
    """Read, extract and compare, with a progress bar per stage; None (and the reason shown) on failure."""
    from positions.documents import UnreadableDocument, read_bytes
    from positions.extract import extract

    progress = st.progress(0.0, text="Reading the documents…")
    sources: list[SourceText] = []
    inputs = list(request.uploads)
    if request.pasted.strip():
        name = request.pasted_name if "." in request.pasted_name else request.pasted_name + ".txt"
        inputs.append((name, request.pasted.encode("utf-8")))
    for number, (name, data) in enumerate(inputs, start=1):
        try:
            sources.append(read_bytes(data, name))
        except UnreadableDocument as exc:
            st.error(f"Refused {md(name)}: {md(exc)}", icon=":material/block:")
        progress.progress(0.3 * number / max(len(inputs), 1), text=f"Read {number} of {len(inputs)} document(s)…")
    if not sources:
        progress.empty()
        if not inputs:
            st.warning("Nothing to extract from: upload a document or paste some text.")
        return None
    sources = curation.unique_sources(sources)

    progress.progress(0.35, text=f"Finding the demands in {len(sources)} document(s) (loads the model on first use)…")
    curated = [d for d in negotiation.demands if d.origin == "curated"]

    def stage(text: str, done: float) -> None:
        # The pipeline's own stages fill the bar between reading (0.35) and comparing (0.9).
        progress.progress(0.35 + 0.55 * done, text=f"{text}…")

    try:
        extraction = extract(
            sources, request.parties, embedder=embedder(),
            issues=None if request.new else negotiation.issues, curated=() if request.new else curated,
            progress=stage,
        )
    except ModelUnavailableError as exc:
        progress.empty()
        st.error(f"extraction is unavailable: {md(exc)}. Every other view still works.")
        return None
    except Exception as exc:  # noqa: BLE001 - a pipeline bug must not take the dashboard down
        log.exception("extraction failed")
        progress.empty()
        st.error(f"The extraction failed: {md(type(exc).__name__)}: {md(exc)}")
        return None

    progress.progress(0.9, text="Comparing the parties…")
    comparison = curation.preview_comparison(extraction, request.parties)
    snapshot = None if request.new else curation.take_snapshot(folder, curation.extraction_paths(
        [d.id for d in extraction.documents]))
    progress.progress(1.0, text=f"Done: {len(extraction.demands)} demand(s) in {len(sources)} document(s).")
    return Result(extraction, request.parties, comparison, request.new, snapshot)


def show_result(result: Result) -> None:
    """Each party's list with its evidence, then the relations at once."""
    extraction = result.extraction
    labels = {i.id: i.label for i in extraction.issues}
    st.markdown(
        f"**{len(extraction.demands)} demand(s)** in {len(extraction.documents)} document(s) · "
        f"model {md(extraction.model)}"
    )
    for party in result.parties:
        demands = [d for d in extraction.demands if d.party == party.id]
        st.markdown(f"#### {md(party.name)} · {len(demands)}")
        if not demands:
            st.caption("No demand of this party was found.")
        for demand in demands:
            with st.container(border=True):
                st.markdown(curation_ui.demand_lines(demand, labels.get(demand.issue, demand.issue)))
                st.caption(f"{md(demand.document)} · {md(demand.id)}")
    if extraction.discovered:
        st.markdown("**Issues found in the document** (no curated motion: the first firm demand serves as one)\n"
                    + "\n".join(f"- **{md(i.label)}**: {md(i.motion)}" for i in extraction.discovered))

    st.markdown("#### Compare at once")
    comparison = result.comparison
    if comparison.issues:
        st.table(scorecard_table(comparison), hide_index=True, border="horizontal")
        st.caption("Relations from the extracted stances alone, on each issue's motion (−2 against … +2 for).")
    else:
        st.info("No issue on which any of these parties takes a position.")
    st.download_button(
        "Download the lists and relations (JSON)", key="extract:download",
        data=json.dumps(comparison.to_json(), ensure_ascii=False, indent=2, default=str),
        file_name="extracted-positions.json", mime="application/json", on_click="ignore",
        icon=":material/download:",
    )


def _save_controls(result: Result, negotiation: Negotiation, folder: Path, new_folder: Callable[[str], Path],
                   key: str) -> None:
    """Editing only: file the lists under this negotiation, or create a new one from them."""
    st.markdown("#### Save")
    if curation_ui.pending(f"{key}:pending"):
        if st.button("Reload the files and try again", key=f"{key}:reload", icon=":material/refresh:"):
            st.session_state.pop(f"{key}:pending", None)
            if result.snapshot is not None:
                st.session_state[f"{key}:result"] = dataclasses.replace(result, snapshot=curation.take_snapshot(
                    folder, list(result.snapshot.files)))
            st.rerun()
        return
    extraction = result.extraction
    indexed = curation.indexed_documents(result.snapshot) if result.snapshot else {}
    # A document saved before with its suggestions keeps what the curator gave it then.
    earlier = {} if result.new else negotiation.documents_by_id()
    bases = {d.id: earlier.get(d.id, d) for d in extraction.documents}
    with st.form(f"{key}:save"):
        if result.new:
            st.caption("Creates a negotiation folder with these parties, the issues their demands refer to, "
                       "the documents and the extracted lists.")
            slug = st.text_input("Folder name (lower-case letters, digits, '-')", key=f"{key}:slug")
            title = st.text_input("Title", key=f"{key}:title")
        else:
            st.caption(f"Files the lists under {md(negotiation.title)} as extracted/<document>.yaml, the "
                       "document with them, so Demands: Extracted or Both shows them. documents.yaml is "
                       "left alone until a suggestion is accepted.")
        fields: dict[str, dict[str, Any]] = {}
        for document in bases.values():
            if document.id in indexed:
                st.caption(f"**{md(document.id)}** is already a source of this negotiation: filed under it.")
                continue
            st.markdown(f"**{md(document.id)}**")
            left, right = st.columns(2)
            fields[document.id] = {
                "title": left.text_input("Title", value=document.title, key=f"{key}:{document.id}:title"),
                "date": right.date_input("Date", value=document.date, key=f"{key}:{document.id}:date",
                                         min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)),
                "url": left.text_input("Source url (needed before accepting)", value=document.url or "",
                                       key=f"{key}:{document.id}:url", placeholder="https://…"),
                "publisher": right.text_input("Publisher", value=document.publisher,
                                              key=f"{key}:{document.id}:publisher"),
            }
        missing = [] if result.new else curation.missing_issues(extraction, negotiation)
        add_issues = False
        if missing:
            left_out = sum(1 for d in extraction.demands if d.issue in {i.id for i in missing})
            add_issues = st.checkbox(
                f"Also add the issue(s) found in the document to {md(negotiation.title)} (else their "
                f"{left_out} demand(s) are left out): " + "; ".join(md(i.label) for i in missing),
                key=f"{key}:add-issues", help="Each becomes an issue with the first firm demand as its motion.",
            )
        label = "Save as a new negotiation" if result.new else "Save these lists"
        submitted = st.form_submit_button(label, type="primary", icon=":material/save:")
    if not submitted:
        return
    problems: list[str] = []
    documents: dict[str, Document] = {}
    for document in bases.values():
        if document.id in fields:
            try:
                documents[document.id] = curation.edited_document(document, **fields[document.id])
            except curation.InvalidChange as exc:
                problems += exc.reasons
    try:
        if result.new:
            target = new_folder(slug.strip())
            snapshot = curation.take_snapshot(target, curation.extraction_paths([d.id for d in extraction.documents]))
            new = curation.NewNegotiation(slug.strip(), title.strip() or slug.strip(), result.parties)
        else:
            snapshot, new = result.snapshot, None
        if problems:
            raise curation.InvalidChange(problems)
        assert snapshot is not None  # an existing negotiation's result always carries one
        change = curation.extraction_change(snapshot, extraction, documents, new, add_issues=add_issues)
    except (ValueError, curation.InvalidChange) as exc:
        reasons = exc.reasons if isinstance(exc, curation.InvalidChange) else [str(exc)]
        st.error("Not saved:\n" + "\n".join(f"- {md(r)}" for r in reasons))
        return
    if curation_ui.save(change, f"{key}:pending"):
        where = f"the new negotiation {new.title!r} (pick it in the sidebar)" if new else negotiation.title
        curation_ui.flash(f"Saved to {where}: " + "; ".join(change.summary) + ".", "extract")
        if result.snapshot is not None:
            st.session_state[f"{key}:result"] = dataclasses.replace(
                result, snapshot=curation.take_snapshot(folder, list(result.snapshot.files)))
        st.rerun()
    if f"{key}:pending" in st.session_state:
        st.rerun()


def _review_section(state: ViewState, negotiation: Negotiation, folder: Path, access: Access) -> ViewState:
    """The saved suggestions of one document, picked here and kept in the URL (?review=)."""
    st.subheader("Saved suggestions")
    saved = curation.extracted_documents(folder)
    if not saved:
        st.caption("No extracted list is saved for this negotiation yet."
                   + (" Extract one above and save it." if access.can_edit else ""))
        return dataclasses.replace(state, review=None)
    key = f"{negotiation.slug}:review"
    if st.session_state.get(key) not in (None, *saved):
        st.session_state.pop(key)  # its file was removed since
    titles = {d.id: f"{d.date.isoformat()} · {d.title}" for d in negotiation.documents}
    picked = st.selectbox(
        "Document", saved, key=_seed(key, state.review if state.review in saved else None),
        format_func=lambda d: titles.get(d, d), placeholder="Pick a document to review its suggestions",
    )
    if picked is None:
        return dataclasses.replace(state, review=None)
    if access.can_edit:
        st.caption("Accept a suggestion (edited if need be) to make it a curated demand, or reject it.")
    curation_ui.review_panel(folder, negotiation, picked, access.can_edit)
    return dataclasses.replace(state, review=picked)
