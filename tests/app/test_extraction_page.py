"""The extract view: lists from a pasted or uploaded document, refusals, and who gets editing controls.

Everything that could write works on a copy of the bundled data (POSITIONS_DATA_ROOT). The whole
app is opened from links where the URL matters; the page function is run on its own, with the
torch-free HashingEmbedder, where only the page matters.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from positions import curation
from positions.access import PASSPHRASE_ENV
from positions.store import DATA_ROOT, load_folder
from tests.app.conftest import REPO_ROOT, run_app, texts
from tests.test_curation import DOC, extraction

TIMEOUT_S = 60
SECRET = "open sesame, curators only"
EDIT_LABELS = ("Accept", "Reject", "Save these lists", "Save as a new negotiation")
REPORT = (
    "Talks in Geneva, 3 March 2026.\n\n"
    "Russia demanded that Ukraine withdraw its troops from Donetsk. Ukraine called for an immediate "
    "ceasefire. Both sides agreed to an all-for-all exchange of prisoners. Russia insists on lifting all "
    "sanctions."
)


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the data the app reads, with one extraction saved under it."""
    root = tmp_path / "negotiations"
    shutil.copytree(DATA_ROOT / "russia-ukraine", root / "russia-ukraine", ignore=shutil.ignore_patterns("embeddings"))
    folder = root / "russia-ukraine"
    snapshot = curation.take_snapshot(folder, curation.extraction_paths([DOC]))
    curation.apply(curation.extraction_change(snapshot, extraction(), add_issues=True))
    monkeypatch.setenv("POSITIONS_DATA_ROOT", str(root))
    monkeypatch.delenv(PASSPHRASE_ENV, raising=False)
    return root


def _page(root, embedder_kind):
    # Runs as a script of its own (AppTest.from_function): imports inside, no annotations.
    from pathlib import Path

    from components import curation, extraction
    from positions.embedding import HashingEmbedder, ModelUnavailableError
    from positions.store import load_folder
    from positions.viewstate import ViewState

    class Unavailable:
        model_id = "missing-model"
        dim = 384

        def embed(self, texts):
            raise ModelUnavailableError("the model files are not installed")

    folder = Path(root) / "russia-ukraine"
    access = curation.editing_box()
    state = ViewState("russia-ukraine", ("russia", "ukraine"), panel="extract")
    embedder = HashingEmbedder if embedder_kind == "hashing" else Unavailable
    extraction.page(state, load_folder(folder).negotiation, folder, access, embedder=embedder,
                    new_folder=lambda slug: Path(root) / slug)


def open_page(root: Path, embedder: str = "hashing") -> AppTest:
    at = AppTest.from_function(_page, args=(str(root), embedder), default_timeout=TIMEOUT_S)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def paste(at: AppTest, text: str = REPORT, name: str = "geneva-2026-03-03") -> AppTest:
    at.text_area(key="extract:text").set_value(text)
    at.text_input(key="extract:name").set_value(name)
    at.button(key="extract:run").click()
    return run(at)


def unlock(at: AppTest, passphrase: str = SECRET) -> AppTest:
    at.sidebar.text_input(key="edit-passphrase").set_value(passphrase)
    next(b for b in at.sidebar.button if b.label == "Unlock editing").click()
    return run(at)


def editing_buttons(at: AppTest) -> list[str]:
    return [b.label for b in at.button if b.label in EDIT_LABELS]


# ------------------------------------------------------------------------------ extracting


@pytest.fixture(scope="module")
def warm_model() -> None:
    """Load the bundled model once, so the page's first extraction does not pay for it."""
    from positions.embedding import get_embedder

    get_embedder().embed(["warm up the bundled model before the extraction page test"])


@pytest.mark.model
def test_pasted_text_shows_each_partys_list_with_the_real_model(root: Path, warm_model: None) -> None:
    at = run_app(parties="russia,ukraine", view="extract")
    at = paste(at)
    shown = "\n".join(texts(at))
    assert "#### Russia" in shown and "#### Ukraine" in shown
    assert "all\\-MiniLM\\-L6\\-v2" in shown  # the model that produced the lists is named
    lists = [m.value for m in at.markdown if ":orange-background[" in m.value]
    assert lists, "no demand with its evidence highlighted"
    assert any("confidence" in m for m in lists)
    assert any("Ceasefire" in m for m in lists)
    assert len(at.table) == 1  # compare at once: the relations of the extracted stances
    assert not at.error, [e.value for e in at.error]
    assert editing_buttons(at) == []  # a preview changes nothing; saving needs editing unlocked
    assert [b.proto.label for b in at.get("download_button")][0] == "Download the lists and relations (JSON)"


def test_document_text_is_escaped(root: Path) -> None:
    at = paste(open_page(root), "Ukraine called for an immediate ceasefire <img src=x onerror=alert(1)> [x](javascript:alert(1)) **now**.")
    shown = next(m.value for m in at.markdown if "ceasefire" in m.value and "“" in m.value)
    evidence = shown.split("“", 1)[1].replace(":orange-background[", "", 1)
    closing = evidence.rindex("]")  # the highlight's end, the one bracket that is markup
    assert evidence[closing - 1] != "\\"
    evidence = evidence[:closing] + evidence[closing + 1:]
    assert re.findall(r"(?<!\\)[<>*()\[\]]", evidence) == [], evidence  # every other one is escaped
    assert "\\<img" in evidence and "\\*\\*now\\*\\*" in evidence


def test_an_unreadable_upload_is_refused_with_the_reason(root: Path) -> None:
    at = open_page(root)
    at.file_uploader[0].set_value([
        ("memo.pdf", b"this is not a PDF at all", "application/pdf"),
        ("notes.txt", b"\x00\x01binary\x00data" * 10, "text/plain"),
    ])
    at.button(key="extract:run").click()
    at = run(at)
    errors = [e.value for e in at.error]
    assert any("Refused memo\\.pdf" in e and "not a PDF" in e for e in errors), errors
    assert any("Refused notes\\.txt" in e and "NUL bytes" in e for e in errors), errors
    assert not any(m.value.startswith("#### Russia") for m in at.markdown)  # nothing was extracted


def test_a_readable_upload_is_extracted_next_to_a_refused_one(root: Path) -> None:
    at = open_page(root)
    at.file_uploader[0].set_value([
        ("broken.pdf", b"%PDF-1.4 truncated", "application/pdf"),
        ("geneva-2026-03-03.md", REPORT.encode(), "text/markdown"),
    ])
    at.button(key="extract:run").click()
    at = run(at)
    assert any("Refused broken\\.pdf" in e.value for e in at.error)
    assert any(m.value.startswith("#### Russia") for m in at.markdown)


def test_an_unavailable_model_is_an_error_and_the_page_keeps_working(root: Path) -> None:
    at = paste(open_page(root, embedder="unavailable"))
    errors = [e.value for e in at.error]
    assert any(e.startswith("extraction is unavailable: the model files are not installed") for e in errors), errors
    assert any(s.value == "Saved suggestions" for s in at.subheader)


def test_nothing_to_extract_says_so(root: Path) -> None:
    at = open_page(root)
    at.button(key="extract:run").click()
    assert "Nothing to extract from" in run(at).warning[0].value


def test_parties_of_a_new_negotiation(root: Path) -> None:
    at = open_page(root)
    at.radio(key="extract:mode").set_value("new")
    at = run(at)
    at.text_area(key="extract:party-lines").set_value("North=Oduya\nSouth=Mbeki")
    at = paste(at, "North demanded an immediate ceasefire. South rejected calls for a ceasefire.", "north-south")
    assert any(m.value.startswith("#### North") for m in at.markdown)
    assert any(m.value.startswith("#### South") for m in at.markdown)
    at.text_area(key="extract:party-lines").set_value("North")
    at.button(key="extract:run").click()
    assert any("at least two parties" in e.value for e in run(at).error)


# ------------------------------------------------------------------------------ who may change what


@pytest.mark.parametrize("configured", [False, True])
def test_a_link_cannot_unlock_editing(root: Path, monkeypatch: pytest.MonkeyPatch, configured: bool) -> None:
    if configured:
        monkeypatch.setenv(PASSPHRASE_ENV, SECRET)
    at = run_app(parties="russia,ukraine", view="extract", review=DOC, edit="1", unlocked="true",
                  passphrase=SECRET, edit_passphrase=SECRET, can_edit="1", mode="edit")
    assert at.selectbox(key="russia-ukraine:review").value == DOC
    shown = "\n".join(texts(at))
    assert "Russia :orange-background[rejected any ceasefire]" in shown  # saved suggestions: shown to all
    assert editing_buttons(at) == []
    assert "edit" not in at.query_params and "passphrase" not in at.query_params
    assert "Ignored unknown parameter" in at.warning[0].value


def test_without_a_configured_passphrase_there_is_nothing_to_unlock(root: Path) -> None:
    at = run_app(parties="russia,ukraine", view="extract", review=DOC)
    assert any("Read-only" in c.value for c in at.sidebar.caption)
    assert len(at.sidebar.text_input) == 0


def test_a_wrong_passphrase_stays_locked(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSPHRASE_ENV, SECRET)
    at = unlock(run_app(parties="russia,ukraine", view="extract", review=DOC), "guess")
    assert "Wrong passphrase" in at.sidebar.error[0].value
    assert editing_buttons(at) == []


def test_unlocked_editing_shows_accept_and_reject_and_they_write(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSPHRASE_ENV, SECRET)
    at = unlock(run_app(parties="russia,ukraine", view="extract", review=DOC))
    labels = editing_buttons(at)
    assert labels.count("Accept") == 4 and labels.count("Reject") == 4
    assert "passphrase" not in "".join(at.query_params)  # the unlock never reaches the URL
    next(b for b in at.button if b.key == f"review:russia-ukraine:{DOC}:{DOC}-x004:reject").click()
    at = run(at)
    assert any("Rejected" in s.value for s in at.success)
    assert editing_buttons(at).count("Reject") == 3
    folder = root / "russia-ukraine"
    assert f"{DOC}-x004" not in (folder / "extracted" / f"{DOC}.yaml").read_text(encoding="utf-8")
    assert load_folder(folder).errors == []
    # Accepting asks for the document's url once, then writes a curated demand.
    at.text_input(key=f"review:russia-ukraine:{DOC}:{DOC}-x001:url").set_value("https://example.org/geneva")
    next(b for b in at.button if b.label == "Accept").click()
    at = run(at)
    assert any("Accepted" in s.value for s in at.success), [e.value for e in at.error]
    assert load_folder(folder).errors == []
    assert f"{DOC}-c001" in {d.id for d in load_folder(folder).negotiation.demands}


def test_a_stale_save_is_refused_and_the_edit_kept_for_download(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSPHRASE_ENV, SECRET)
    at = unlock(run_app(parties="russia,ukraine", view="extract", review=DOC))
    theirs = root / "russia-ukraine" / "extracted" / f"{DOC}.yaml"
    theirs.write_text(theirs.read_text(encoding="utf-8") + "# another curator was here\n", encoding="utf-8")
    next(b for b in at.button if b.key == f"review:russia-ukraine:{DOC}:{DOC}-x002:reject").click()
    at = run(at)
    assert any("changed on disk" in e.value for e in at.error), [e.value for e in at.error]
    assert "another curator was here" in theirs.read_text(encoding="utf-8")  # theirs is not overwritten
    downloads = [b.proto.label for b in at.get("download_button")]
    assert f"Download your version of extracted/{DOC}.yaml" in downloads
    assert editing_buttons(at) == []  # no save over a stale list: reload first
    next(b for b in at.button if b.label.startswith("Reload from disk")).click()
    at = run(at)
    assert editing_buttons(at).count("Reject") == 4


def test_unlocked_extraction_can_be_saved(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSPHRASE_ENV, SECRET)
    at = paste(unlock(open_page(root)))
    assert "Save these lists" in editing_buttons(at)
    at.text_input(key="extract:russia-ukraine:geneva-2026-03-03:url").set_value("https://example.org/g")
    next(b for b in at.button if b.label == "Save these lists").click()
    at = run(at)
    assert any(s.value.startswith("Saved to") for s in at.success), [e.value for e in at.error]
    folder = root / "russia-ukraine"
    assert (folder / "extracted" / "geneva-2026-03-03.yaml").is_file()
    result = load_folder(folder)
    assert result.errors == []
    assert result.negotiation.document("geneva-2026-03-03").url == "https://example.org/g"


def test_unlocked_extraction_can_found_a_new_negotiation(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSPHRASE_ENV, SECRET)
    at = unlock(open_page(root))
    at.radio(key="extract:mode").set_value("new")
    at = run(at)
    at.text_area(key="extract:party-lines").set_value("North=Oduya\nSouth=Mbeki")
    at = paste(at, "North demanded an immediate ceasefire. South rejected calls for a ceasefire.", "north-south")
    at.text_input(key="extract:russia-ukraine:slug").set_value("north-south-talks")
    at.text_input(key="extract:russia-ukraine:title").set_value("North–South talks")
    next(b for b in at.button if b.label == "Save as a new negotiation").click()
    at = run(at)
    assert any(s.value.startswith("Saved to") for s in at.success), [e.value for e in at.error]
    result = load_folder(root / "north-south-talks")
    assert result.errors == [] and [p.name for p in result.negotiation.parties] == ["North", "South"]


def test_the_passphrase_may_come_from_secrets(root: Path) -> None:
    at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=TIMEOUT_S)
    at.secrets["edit_passphrase"] = SECRET
    at.query_params["view"] = "extract"
    at.query_params["review"] = DOC
    at = unlock(run(at))
    assert editing_buttons(at).count("Accept") == 4


def test_saved_lists_show_in_a_shared_link_with_extracted_demands(root: Path) -> None:
    at = run_app(parties="russia,ukraine", view="sources", origin="extracted")
    table = at.dataframe[0].value
    assert set(table["origin"]) == {"extracted"}
    assert {f"{DOC}-x001", f"{DOC}-x002", f"{DOC}-x003"} <= set(table["demand_id"])


def test_saving_over_a_list_saved_meanwhile_is_refused_until_reloaded(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSPHRASE_ENV, SECRET)
    at = paste(unlock(open_page(root)))
    theirs = root / "russia-ukraine" / "extracted" / "geneva-2026-03-03.yaml"
    theirs.write_text("# saved by another curator\ndocument: geneva-2026-03-03\ndemands: []\n", encoding="utf-8")
    next(b for b in at.button if b.label == "Save these lists").click()
    at = run(at)
    assert any("changed on disk" in e.value for e in at.error), [e.value for e in at.error]
    assert theirs.read_text(encoding="utf-8").startswith("# saved by another curator")
    assert "Download your version of extracted/geneva-2026-03-03.yaml" in [
        b.proto.label for b in at.get("download_button")]
    assert "Save these lists" not in editing_buttons(at)
    next(b for b in at.button if b.label == "Reload the files and try again").click()
    at = run(at)
    next(b for b in at.button if b.label == "Save these lists").click()
    at = run(at)
    assert any("replacing 0 saved earlier" in s.value for s in at.success), [e.value for e in at.error]
    assert load_folder(root / "russia-ukraine").errors == []
