"""Curation writes: saved extractions, accepted and rejected suggestions, refused stale or breaking saves.

Everything here writes to a copy of the bundled negotiation in tmp_path.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
import yaml

from positions import curation
from positions.curation import Edit, InvalidChange, NewNegotiation
from positions.extract import Extraction
from positions.schema import Demand, Document, Issue, Party
from positions.store import DATA_ROOT, StaleWriteError, file_hash, load_folder

DOC = "geneva-talks-2026-03-03"
MODEL = "hashing-bow-384+extract-1"
GRAIN = Issue(id="other-grain-corridor", label="Grain corridor",
              motion="Ships carrying grain pass the Black Sea unhindered.")


def _suggestion(n: int, party: str, issue: str, stance: int, text: str, evidence: str, **extra: object) -> Demand:
    return Demand(
        id=f"{DOC}-x{n:03d}", party=party, document=DOC, issue=issue, stance=stance, text=text,
        origin="extracted", certainty="unverified", confidence=0.8, evidence=evidence, evidence_start=0,
        evidence_end=len(evidence), model=MODEL, **extra,
    )


def extraction(document_id: str = DOC) -> Extraction:
    """What the pipeline returns for a short report of a round of talks (fixed, so tests don't drift)."""
    document = Document(id=document_id, title="Geneva talks [report]", date=dt.date(2026, 3, 3), kind="news",
                        certainty="unverified", note="extracted from geneva.txt")
    demands = (
        _suggestion(1, "ukraine", "ceasefire", 2, "called for an immediate ceasefire",
                    "Ukraine called for an immediate ceasefire."),
        _suggestion(2, "russia", "ceasefire", -2, "rejected any ceasefire", "Russia rejected any ceasefire.",
                    condition="until Ukraine withdraws"),
        _suggestion(3, "russia", "prisoners", 2, "agreed to an all-for-all exchange of prisoners",
                    "Russia agreed to an all-for-all exchange of prisoners."),
        _suggestion(4, "ukraine", GRAIN.id, 2, "wants grain ships to pass unhindered",
                    "Ukraine wants grain ships to pass unhindered."),
    )
    if document_id != DOC:
        demands = tuple(d.model_copy(update={"id": d.id.replace(DOC, document_id), "document": document_id})
                        for d in demands)
    issues = tuple(i for i in load_folder(DATA_ROOT / "russia-ukraine").negotiation.issues
                   if i.id in ("ceasefire", "prisoners")) + (GRAIN,)
    return Extraction((document,), (), demands, issues, (GRAIN,), MODEL)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    target = tmp_path / "negotiations" / "russia-ukraine"
    shutil.copytree(DATA_ROOT / "russia-ukraine", target, ignore=shutil.ignore_patterns("embeddings"))
    return target


@pytest.fixture
def saved(folder: Path) -> Path:
    """The folder with the extraction saved under it, its discovered issue added."""
    snapshot = curation.take_snapshot(folder, curation.extraction_paths([DOC]))
    curation.apply(curation.extraction_change(snapshot, extraction(), add_issues=True))
    return folder


def _hashes(folder: Path) -> dict[str, str | None]:
    return {str(p.relative_to(folder)): file_hash(p) for p in sorted(folder.rglob("*.yaml"))}


def _valid(folder: Path) -> None:
    result = load_folder(folder)
    assert result.negotiation is not None
    assert result.errors == [], [str(e) for e in result.errors]


# ------------------------------------------------------------------------------ saving an extraction


def test_saving_an_extraction_files_it_with_its_document_and_issues(saved: Path) -> None:
    _valid(saved)
    negotiation = load_folder(saved).negotiation
    extracted = [d for d in negotiation.demands if d.origin == "extracted"]
    assert [d.id for d in extracted] == [f"{DOC}-x{n:03d}" for n in range(1, 5)]
    assert all(d.evidence and d.model == MODEL for d in extracted)
    # The document travels with its suggestions (as `extract --save` files it); the curated
    # sources in documents.yaml are left alone until a suggestion is accepted.
    assert negotiation.document(DOC).title == "Geneva talks [report]"
    assert negotiation.document(DOC).url is None
    assert (saved / "documents.yaml").read_bytes() == (DATA_ROOT / "russia-ukraine" / "documents.yaml").read_bytes()
    text = (saved / "extracted" / f"{DOC}.yaml").read_text(encoding="utf-8")
    assert text.startswith("# Model-extracted demands of Geneva talks [report]")
    assert yaml.safe_load(text)["document"]["id"] == DOC
    # The discovered issue was asked for, and came along; negotiation.yaml kept its comments.
    assert negotiation.issue(GRAIN.id).motion == GRAIN.motion
    head = (DATA_ROOT / "russia-ukraine" / "negotiation.yaml").read_text(encoding="utf-8")
    assert (saved / "negotiation.yaml").read_text(encoding="utf-8").startswith(head)


def test_demands_on_issues_the_negotiation_lacks_are_left_out_unless_asked(folder: Path) -> None:
    snapshot = curation.take_snapshot(folder, curation.extraction_paths([DOC]))
    change = curation.extraction_change(snapshot, extraction())
    assert any("1 suggestion(s) on issues the negotiation does not have left out" in line for line in change.summary)
    assert [f.path for f in change.files] == [f"extracted/{DOC}.yaml"]
    curation.apply(change)
    _valid(folder)
    negotiation = load_folder(folder).negotiation
    assert GRAIN.id not in {i.id for i in negotiation.issues}
    assert f"{DOC}-x004" not in {d.id for d in negotiation.demands}


def test_a_list_saved_by_the_cli_is_reviewed_and_accepted(folder: Path) -> None:
    # `extract --save` writes the document as a mapping and names it on every demand too.
    found = extraction()
    body = {
        "document": found.documents[0].model_dump(mode="json", exclude_none=True),
        "demands": [{k: v for k, v in d.model_dump(mode="json", exclude_none=True).items() if k != "origin"}
                    for d in found.demands if d.issue != GRAIN.id],
    }
    (folder / "extracted").mkdir()
    (folder / "extracted" / f"{DOC}.yaml").write_text(yaml.safe_dump(body, sort_keys=False), encoding="utf-8")
    _valid(folder)
    review = curation.open_review(folder, DOC)
    assert len(review.suggestions) == 3 and review.document.title == "Geneva talks [report]" and not review.indexed
    curation.apply(curation.accept(review, f"{DOC}-x001", url="https://example.org/geneva"))
    _valid(folder)
    assert load_folder(folder).negotiation.document(DOC).url == "https://example.org/geneva"


def test_saving_again_replaces_the_earlier_list(saved: Path) -> None:
    snapshot = curation.take_snapshot(saved, curation.extraction_paths([DOC]))
    change = curation.extraction_change(snapshot, extraction())
    assert any("replacing 4 saved earlier" in line for line in change.summary)
    assert [f.path for f in change.files] == [f"extracted/{DOC}.yaml"]  # the issue is known now
    curation.apply(change)
    _valid(saved)


def test_a_new_negotiation_is_created_from_an_extraction(tmp_path: Path) -> None:
    parties = curation.parse_parties("Russia=Moscow, Kremlin\nUkraine=Kyiv\n")
    target = tmp_path / "negotiations" / "geneva-2026"
    snapshot = curation.take_snapshot(target, curation.extraction_paths([DOC]))
    new = NewNegotiation("geneva-2026", "Geneva 2026", tuple(parties))
    curation.apply(curation.extraction_change(snapshot, extraction(), new=new))
    assert not (target / "documents.yaml").exists()  # the document is filed with its suggestions
    _valid(target)
    negotiation = load_folder(target).negotiation
    assert [p.id for p in negotiation.parties] == ["russia", "ukraine"]
    assert negotiation.party("Kremlin").id == "russia"
    assert {i.id for i in negotiation.issues} == {"ceasefire", "prisoners", GRAIN.id}
    assert len(negotiation.demands) == 4
    # Creating over an existing negotiation is refused.
    with pytest.raises(InvalidChange, match="already exists"):
        curation.extraction_change(curation.take_snapshot(target, curation.extraction_paths([DOC])),
                                   extraction(), new=new)


def test_party_lines_are_checked() -> None:
    with pytest.raises(ValueError, match="at least two"):
        curation.parse_parties("North=Oduya")
    with pytest.raises(ValueError, match="line 2: 'north' is the same party as line 1"):
        curation.parse_parties("North\nnorth=N\n")
    with pytest.raises(ValueError, match="line 1: give a name"):
        curation.parse_parties("=alias\nSouth\nEast")
    parties = curation.parse_parties("# comment\nRed Hills Front = RHF , the Front\n\nGovernment")
    assert parties[0] == Party(id="red-hills-front", name="Red Hills Front", aliases=("RHF", "the Front"),
                               colour=curation.PARTY_COLOURS[0])
    assert parties[1].id == "government" and parties[1].colour != parties[0].colour


# ------------------------------------------------------------------------------ accepting and rejecting


def test_accept_writes_a_valid_curated_demand_and_the_folder_still_validates(saved: Path) -> None:
    review = curation.open_review(saved, DOC)
    assert len(review.suggestions) == 4
    change = curation.accept(review, f"{DOC}-x002", url="https://example.org/geneva")
    curation.apply(change)
    _valid(saved)
    negotiation = load_folder(saved).negotiation
    accepted = next(d for d in negotiation.demands if d.id == f"{DOC}-c002")
    assert accepted.origin == "curated"
    assert (accepted.party, accepted.issue, accepted.stance) == ("russia", "ceasefire", -2)
    assert accepted.condition == "until Ukraine withdraws"
    assert accepted.quote == "Russia rejected any ceasefire."
    assert accepted.certainty == "partial"
    assert f"suggestion {DOC}-x002" in accepted.note and "edited" not in accepted.note
    # The suggestion left the extracted list, so "both" does not count it twice.
    assert f"{DOC}-x002" not in {d.id for d in negotiation.demands}
    # Its source joined the curated ones, with the url; documents.yaml kept its comments.
    assert negotiation.document(DOC).url == "https://example.org/geneva"
    original = (DATA_ROOT / "russia-ukraine" / "documents.yaml").read_text(encoding="utf-8")
    documents = (saved / "documents.yaml").read_text(encoding="utf-8")
    assert documents.startswith(original)
    assert yaml.safe_load(documents)["documents"][-1] == {
        "id": DOC, "title": "Geneva talks [report]", "date": dt.date(2026, 3, 3), "kind": "news",
        "url": "https://example.org/geneva", "certainty": "unverified", "note": "extracted from geneva.txt"}


def test_accept_with_the_curators_edits(saved: Path) -> None:
    review = curation.open_review(saved, DOC)
    edit = Edit(text="An all-for-all prisoner exchange.", stance=1, condition="", certainty="verified")
    curation.apply(curation.accept(review, f"{DOC}-x003", edit, url="https://example.org/geneva"))
    _valid(saved)
    accepted = next(d for d in load_folder(saved).negotiation.demands if d.id == f"{DOC}-c003")
    assert (accepted.text, accepted.stance, accepted.condition, accepted.certainty) == (
        "An all-for-all prisoner exchange.", 1, None, "verified")
    assert "edited by the curator" in accepted.note
    # The next accept appends to the same file, keeping the first.
    review = curation.open_review(saved, DOC)
    curation.apply(curation.accept(review, f"{DOC}-x001"))
    ids = [d["id"] for d in yaml.safe_load((saved / "demands" / f"{DOC}.yaml").read_text())["demands"]]
    assert ids == [f"{DOC}-c003", f"{DOC}-c001"]
    _valid(saved)


def test_a_curated_demand_without_a_document_url_is_refused(saved: Path) -> None:
    before = _hashes(saved)
    review = curation.open_review(saved, DOC)
    with pytest.raises(InvalidChange, match="needs its source"):
        curation.accept(review, f"{DOC}-x001")
    with pytest.raises(InvalidChange, match="http"):
        curation.accept(review, f"{DOC}-x001", url="javascript:alert(1)")
    assert _hashes(saved) == before


def test_a_change_that_would_break_the_data_is_refused_before_writing(saved: Path) -> None:
    before = _hashes(saved)
    review = curation.open_review(saved, DOC)
    change = curation.accept(review, f"{DOC}-x001", Edit(issue="no-such-issue"), url="https://example.org/g")
    with pytest.raises(InvalidChange) as refused:
        curation.apply(change)
    assert any("unknown issue 'no-such-issue'" in reason for reason in refused.value.reasons)
    assert all(str(saved) in reason for reason in refused.value.reasons)  # the real file, not the temp copy
    with pytest.raises(InvalidChange, match="stance"):
        curation.accept(review, f"{DOC}-x001", Edit(stance=3), url="https://example.org/g")
    with pytest.raises(InvalidChange, match="text"):
        curation.accept(review, f"{DOC}-x001", Edit(text="   "), url="https://example.org/g")
    assert _hashes(saved) == before


def test_reject_removes_the_suggestion(saved: Path) -> None:
    review = curation.open_review(saved, DOC)
    curation.apply(curation.reject(review, f"{DOC}-x004"))
    _valid(saved)
    left = [d.id for d in curation.open_review(saved, DOC).suggestions]
    assert left == [f"{DOC}-x001", f"{DOC}-x002", f"{DOC}-x003"]
    assert (saved / "extracted" / f"{DOC}.yaml.bak").is_file()  # the previous list is kept
    with pytest.raises(InvalidChange, match="no longer"):
        curation.reject(curation.open_review(saved, DOC), f"{DOC}-x004")


def test_a_stale_file_is_refused_and_the_pending_edit_is_kept(saved: Path) -> None:
    review = curation.open_review(saved, DOC)
    change = curation.accept(review, f"{DOC}-x003", Edit(text="My wording."), url="https://example.org/g")
    # Someone edits the extracted list by hand meanwhile.
    theirs = saved / "extracted" / f"{DOC}.yaml"
    theirs.write_text(theirs.read_text(encoding="utf-8") + "# checked by hand\n", encoding="utf-8")
    before = _hashes(saved)
    with pytest.raises(StaleWriteError, match="changed on disk"):
        curation.apply(change)
    assert _hashes(saved) == before  # nothing written, theirs untouched
    mine = {f.path: f.text for f in change.files}
    assert "My wording." in mine[f"demands/{DOC}.yaml"]  # the edit is still there to show or download
    # After reloading, the same decision goes through on top of their version.
    curation.apply(curation.accept(curation.open_review(saved, DOC), f"{DOC}-x003", Edit(text="My wording."),
                                   url="https://example.org/g"))
    _valid(saved)


def test_concurrent_editors_the_second_is_refused(saved: Path) -> None:
    first = curation.open_review(saved, DOC)
    second = curation.open_review(saved, DOC)
    curation.apply(curation.reject(first, f"{DOC}-x001"))
    after_first = _hashes(saved)
    with pytest.raises(StaleWriteError):
        curation.apply(curation.reject(second, f"{DOC}-x002"))
    with pytest.raises(StaleWriteError):
        curation.apply(curation.accept(second, f"{DOC}-x001", url="https://example.org/g"))
    assert _hashes(saved) == after_first  # the first editor's save survived both attempts
    again = curation.open_review(saved, DOC)
    assert f"{DOC}-x001" not in {d.id for d in again.suggestions}
    curation.apply(curation.reject(again, f"{DOC}-x002"))
    _valid(saved)


def test_re_extracting_does_not_suggest_what_was_accepted(saved: Path) -> None:
    curation.apply(curation.accept(curation.open_review(saved, DOC), f"{DOC}-x001", url="https://example.org/g"))
    snapshot = curation.take_snapshot(saved, curation.extraction_paths([DOC]))
    change = curation.extraction_change(snapshot, extraction())
    assert any("already accepted" in line for line in change.summary)
    curation.apply(change)
    _valid(saved)
    assert f"{DOC}-x001" not in {d.id for d in curation.open_review(saved, DOC).suggestions}


def test_the_pipeline_output_saves_into_a_valid_folder(folder: Path, fake_embedder) -> None:
    from positions.documents import read_bytes
    from positions.extract import extract

    negotiation = load_folder(folder).negotiation
    source = read_bytes(b"Talks in Geneva, 3 March 2026.\nUkraine called for an immediate ceasefire. "
                        b"Russia insists on lifting all sanctions. Both sides agreed to exchange all prisoners.",
                        "geneva-2026-03-03.txt")
    found = extract([source], [negotiation.party("russia"), negotiation.party("ukraine")],
                    issues=negotiation.issues, curated=negotiation.demands, embedder=fake_embedder)
    assert found.demands
    snapshot = curation.take_snapshot(folder, curation.extraction_paths([d.id for d in found.documents]))
    curation.apply(curation.extraction_change(snapshot, found))
    _valid(folder)


def test_highlight_finds_the_demand_in_its_evidence() -> None:
    evidence = "Russia  rejected any\nceasefire, officials said."
    assert curation.highlight(evidence, "rejected any ceasefire.") == (8, 30)
    assert curation.highlight(evidence, "something else") is None
    assert curation.highlight(evidence, "") is None


def test_files_of_the_same_name_get_different_document_ids() -> None:
    from positions.documents import read_bytes

    sources = [read_bytes(b"North demands a ceasefire.", "memo.txt"), read_bytes(b"South too.", "memo.md"),
               read_bytes(b"East as well.", "memo.txt")]
    assert [s.id for s in curation.unique_sources(sources)] == ["memo", "memo-2", "memo-3"]


def test_the_curators_document_details_are_checked() -> None:
    document = extraction().documents[0]
    edited = curation.edited_document(document, title="Geneva report", url="  ", publisher="Reuters")
    assert (edited.title, edited.url, edited.publisher, edited.date) == ("Geneva report", None, "Reuters", document.date)
    with pytest.raises(InvalidChange, match=f"{DOC}: url: url must start with http"):
        curation.edited_document(document, url="ftp://example.org/x")
    with pytest.raises(InvalidChange, match="title"):
        curation.edited_document(document, title="")


def test_a_known_document_without_url_gets_it_in_place(folder: Path) -> None:
    documents = folder / "documents.yaml"
    documents.write_text(documents.read_text(encoding="utf-8") + (
        f"\n  # --- added by hand, source still to find ---\n  - id: {DOC}\n    title: Geneva talks\n"
        "    date: 2026-03-03\n    kind: news\n    certainty: partial\n"), encoding="utf-8")
    _valid(folder)
    snapshot = curation.take_snapshot(folder, curation.extraction_paths([DOC]))
    change = curation.extraction_change(snapshot, extraction())
    assert any("under the known document" in line for line in change.summary)
    curation.apply(change)
    assert yaml.safe_load((folder / "extracted" / f"{DOC}.yaml").read_text())["document"] == DOC
    review = curation.open_review(folder, DOC)
    assert review.indexed and review.document.title == "Geneva talks"
    curation.apply(curation.accept(review, f"{DOC}-x001", url="https://example.org/geneva"))
    _valid(folder)
    text = documents.read_text(encoding="utf-8")
    assert f"  - id: {DOC}\n    url: https://example.org/geneva\n    title: Geneva talks\n" in text
    assert "# --- added by hand, source still to find ---" in text
