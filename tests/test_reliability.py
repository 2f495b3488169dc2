"""Reliability: who may change what, nothing lost, and a clear message for every kind of bad input.

The promises are tested where they live (test_store, test_viewstate, test_documents, test_access,
test_export, test_curation, tests/app); this file holds what those leave out: the command line
refusing bad arguments without a traceback, hostile link parameters and YAML generated at random,
folders linked from outside the data folder, concurrent saves, and static checks that no unsafe
YAML loader or raw HTML output creeps in. tests/app/test_reliability_app.py does the same for the
whole dashboard.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from positions import curation
from positions.documents import MAX_BYTES
from positions.schema import Demand, Document, Issue, Party
from positions.store import (
    DATA_ROOT,
    MAX_ERRORS_PER_FILE,
    StaleWriteError,
    atomic_write,
    file_hash,
    list_negotiations,
    load_folder,
    load_negotiation,
    negotiation_folder,
)
from positions.viewstate import KEYS, MAX_VALUE_CHARS, ViewState, from_query, to_query
from tests.test_curation import DOC, extraction
from tests.test_documents import minimal_pdf
from tests.test_store import DEMANDS, DOCS, HEAD
from tests.test_viewstate import CATALOG, RU_UA, default_state

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = DATA_ROOT / "russia-ukraine"

# ================================================================================ who may change what


def _sources(*parts: str) -> list[Path]:
    return [p for part in parts for p in sorted((ROOT / part).glob("**/*.py") if (ROOT / part).is_dir() else [ROOT / part])]


def test_yaml_is_only_ever_read_with_a_safe_loader() -> None:
    unsafe = re.compile(r"yaml\.(unsafe_load|full_load|load_all)\b|\b(Full|Unsafe)Loader\b|Loader=yaml\.Loader\b"
                        r"|yaml\.load\((?![^)]*Loader=(_LineLoader|yaml\.C?SafeLoader))")
    found = [f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
             for path in _sources("positions", "components", "app.py", "bench")
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
             if unsafe.search(line)]
    assert found == []


def test_the_app_never_renders_raw_html() -> None:
    # Streamlit shows Markdown safely (HTML escaped) unless told otherwise; nothing may tell it so.
    raw = re.compile(r"unsafe_allow_html|\bst\.html\(|components\.v1|\.html\(\s*f?[\"']")
    found = [f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
             for path in _sources("components", "app.py")
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
             if raw.search(line)]
    assert found == []


def _copy_negotiation(target: Path) -> Path:
    shutil.copytree(SHIPPED, target, ignore=shutil.ignore_patterns("embeddings"))
    return target


def test_a_linked_folder_leading_outside_the_data_folder_is_refused(tmp_path: Path) -> None:
    """Decision: the data folder is the boundary. A symbolic link under it that leads outside is
    neither listed nor loadable (the app skips it, the CLI says why); a deployment that keeps its
    data elsewhere points POSITIONS_DATA_ROOT there instead."""
    root = tmp_path / "negotiations"
    _copy_negotiation(root / "russia-ukraine")
    outside = _copy_negotiation(tmp_path / "elsewhere" / "private")
    (root / "private").symlink_to(outside, target_is_directory=True)

    assert list_negotiations(root) == ["russia-ukraine"]
    with pytest.raises(ValueError, match="'private' is a link to a folder outside the data folder"):
        negotiation_folder("private", root)
    with pytest.raises(ValueError, match="outside the data folder"):
        load_negotiation("private", root)
    assert negotiation_folder("russia-ukraine", root) == (root / "russia-ukraine").resolve()


def test_the_folder_name_is_the_negotiations_name(tmp_path: Path) -> None:
    # A slug that differs from its folder would send links to a negotiation the app cannot find.
    folder = _copy_negotiation(tmp_path / "negotiations" / "a-copy")
    result = load_folder(folder)
    assert result.negotiation is not None and result.negotiation.slug == "a-copy"
    line = next(n for n, text in enumerate((folder / "negotiation.yaml").read_text().splitlines(), 1)
                if text.startswith("slug:"))
    assert [str(e) for e in result.errors] == [
        f"{folder / 'negotiation.yaml'}:{line}: slug 'russia-ukraine' is not the folder's name 'a-copy'; "
        "the folder name is used"]


# ================================================================================ nothing lost


def _save_from(path: str, seen: str, number: int, start: Any, outcomes: Any) -> None:
    start.wait()
    try:
        atomic_write(Path(path), f"editor: {number}\n" + "x" * 200_000 + "\n", expected_hash=seen)
        outcomes.put(("saved", number))
    except StaleWriteError:
        outcomes.put(("refused", number))


def _race(target: Callable[..., None], args: Callable[[int], tuple[Any, ...]], writers: int) -> list[tuple[str, int]]:
    """Start `writers` processes that all act at the same instant; their outcomes."""
    context = multiprocessing.get_context("fork")
    start, outcomes = context.Barrier(writers), context.Queue()
    processes = [context.Process(target=target, args=(*args(n), start, outcomes)) for n in range(writers)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=60)
    return sorted(outcomes.get(timeout=5) for _ in processes)


@pytest.mark.parametrize("attempt", range(3))
def test_editors_saving_the_same_version_at_once_lose_nothing(tmp_path: Path, attempt: int) -> None:
    """Without a lock, several writers passed the stale check together and all but the last
    save vanished silently. Exactly one may win; the rest are told, and the file is the winner's."""
    path = tmp_path / "list.yaml"
    path.write_text("editor: nobody\n")
    seen = file_hash(path)
    outcomes = _race(_save_from, lambda n: (str(path), seen, n), writers=6)
    saved = [n for outcome, n in outcomes if outcome == "saved"]
    assert len(saved) == 1, outcomes
    assert path.read_text().startswith(f"editor: {saved[0]}\n")
    assert (tmp_path / "list.yaml.bak").read_text() == "editor: nobody\n"
    assert not list(tmp_path.glob(".*.tmp"))


def _reject_in(folder: str, number: int, start: Any, outcomes: Any) -> None:
    change = curation.reject(curation.open_review(Path(folder), DOC), f"{DOC}-x{number + 1:03d}")
    start.wait()
    try:
        curation.apply(change)
        outcomes.put(("saved", number))
    except StaleWriteError:
        outcomes.put(("refused", number))


def test_curators_deciding_at_the_same_instant_lose_nothing(tmp_path: Path) -> None:
    folder = _copy_negotiation(tmp_path / "negotiations" / "russia-ukraine")
    curation.apply(curation.extraction_change(curation.take_snapshot(folder, curation.extraction_paths([DOC])),
                                              extraction(), add_issues=True))
    outcomes = _race(_reject_in, lambda n: (str(folder), n), writers=3)
    saved = [n for outcome, n in outcomes if outcome == "saved"]
    assert len(saved) == 1, outcomes
    left = {d.id for d in curation.open_review(folder, DOC).suggestions}
    assert f"{DOC}-x{saved[0] + 1:03d}" not in left and len(left) == 3
    assert load_folder(folder).ok


# ================================================================================ bad YAML


def _folder(tmp_path: Path, head: str = HEAD, docs: str = DOCS, demands: str = DEMANDS) -> Path:
    folder = tmp_path / "mini"
    (folder / "demands").mkdir(parents=True, exist_ok=True)
    (folder / "negotiation.yaml").write_text(head, encoding="utf-8")
    (folder / "documents.yaml").write_text(docs, encoding="utf-8")
    (folder / "demands" / "memo.yaml").write_text(demands, encoding="utf-8")
    return folder


@pytest.mark.parametrize(("head", "reason"), [
    (HEAD.replace("parties:\n", "parties: 5\nx:\n"), "negotiation.yaml:3: 'parties' must be a list"),
    (HEAD.replace("issues:\n", "issues: just text\nx:\n"), "negotiation.yaml:8: 'issues' must be a list"),
    ("- a list\n- not a mapping\n", "negotiation.yaml:1: expected a mapping with 'parties:' at the top"),
    ("", "negotiation.yaml:1: the file is empty"),
    ("# nothing but a comment\n", "negotiation.yaml:1: the file is empty"),
    ("slug: [1]\n" + HEAD.split("\n", 1)[1], "is not the folder's name 'mini'"),
    ("base: &b {id: a, name: Alpha}\nparties:\n  - <<: *b\n", "merge keys (<<) are not supported"),
    ("parties:\n  - id: a\n    name: Alpha\n  - id: a\n    name: Again\nissues: []\n", "negotiation.yaml:4: duplicate party id 'a'"),
    ("parties:\n\t- id: a\n", "YAML syntax error"),
    ("\ufeffparties: [{id: a, name: A}, {id: b, name: B}]\nissues: {}\n", "'issues' must be a list"),
])
def test_a_negotiation_file_of_the_wrong_shape_is_reported_not_raised(tmp_path: Path, head: str, reason: str) -> None:
    errors = [str(e) for e in load_folder(_folder(tmp_path, head=head)).errors]
    assert any(reason in e for e in errors), errors
    assert all(re.match(r".+\.yaml:\d+: ", e) for e in errors), errors


def test_a_file_full_of_errors_is_cut_short(tmp_path: Path) -> None:
    demands = "document: memo\ndemands:\n" + "  - just text\n" * 5000 + "  - {id: d1, party: zed, issue: talks, stance: 2, text: t}\n" * 300
    result = load_folder(_folder(tmp_path, demands=demands))
    mine = [e for e in result.errors if e.file.endswith("memo.yaml")]
    assert len(mine) == MAX_ERRORS_PER_FILE + 1
    assert mine[-1].line == 3 + MAX_ERRORS_PER_FILE
    assert mine[-1].reason == f"the rest of the file from line {3 + MAX_ERRORS_PER_FILE} was not checked"


def test_cross_checks_are_capped_too(tmp_path: Path) -> None:
    demands = "document: memo\ndemands:\n" + "  - {id: d1, party: a, issue: talks, stance: 2, text: t}\n" * 400
    mine = [str(e) for e in load_folder(_folder(tmp_path, demands=demands)).errors]
    assert len(mine) == MAX_ERRORS_PER_FILE + 1
    assert mine[-1].endswith(f"memo.yaml:{4 + MAX_ERRORS_PER_FILE}: {399 - MAX_ERRORS_PER_FILE} more error(s) not listed")


def test_a_billion_laughs_in_a_field_stays_bounded(tmp_path: Path) -> None:
    levels = "".join(f"x{i + 1}: &x{i + 1} [" + ",".join([f"*x{i}"] * 10) + "]\n" for i in range(8))
    bomb = "x0: &x0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + levels  # 10^9 leaves when expanded
    head = bomb + HEAD.replace("    name: Alpha\n", "    name: Alpha\n    aliases: *x8\n")
    errors = [str(e) for e in load_folder(_folder(tmp_path, head=head)).errors if "negotiation.yaml" in e.file]
    assert len(errors) == 10 and all("aliases" in e and "valid string" in e for e in errors), errors


def test_a_missing_folder_or_a_file_is_named_as_such(tmp_path: Path) -> None:
    (tmp_path / "file.txt").write_text("hello")
    assert [str(e) for e in load_folder(tmp_path / "absent").errors] == [f"{tmp_path / 'absent'}:1: no such folder"]
    assert "not a folder" in str(load_folder(tmp_path / "file.txt").errors[0])


_FIELDS = sorted({*Party.model_fields, *Issue.model_fields, *Document.model_fields, *Demand.model_fields,
                  "slug", "title", "summary", "parties", "issues", "documents", "demands", "document"})
_LEAVES = (st.none() | st.booleans() | st.integers(-3, 3) | st.floats(allow_nan=True) | st.text(max_size=12)
           | st.sampled_from(["a", "b", "talks", "memo", "d1", "2025-06-02", "https://example.org/x", "memorandum",
                              "extracted", "curated", "verified", "#123456", "2025-13-01"]))
_VALUES = st.recursive(_LEAVES, lambda inner: st.lists(inner, max_size=4)
                       | st.dictionaries(st.sampled_from(_FIELDS) | st.integers(0, 3), inner, max_size=6),
                       max_leaves=30)
_FILE = st.none() | st.dictionaries(st.sampled_from(_FIELDS), _VALUES, max_size=6) | _VALUES


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(head=_FILE, docs=_FILE, demands=_FILE)
def test_loader_never_raises_on_schema_shaped_nonsense(tmp_path: Path, head: object, docs: object, demands: object) -> None:
    """Keys the loader looks for, holding values of every type, in all three kinds of file
    (test_store fuzzes only the demands file, with keys that rarely mean anything)."""
    def dump(value: object, default: str) -> str:
        return default if value is None else yaml.safe_dump(value, sort_keys=False)

    folder = _folder(tmp_path, dump(head, HEAD), dump(docs, DOCS), dump(demands, DEMANDS))
    result = load_folder(folder)
    for error in result.errors:
        assert error.line >= 1 and error.file.endswith(".yaml"), error
        assert "_Seq" not in error.reason and "_Node" not in error.reason, error  # the loader's own class names
    per_file: dict[str, int] = {}
    for error in result.errors:
        per_file[error.file] = per_file.get(error.file, 0) + 1
    assert max(per_file.values(), default=0) <= MAX_ERRORS_PER_FILE + 1


# ================================================================================ bad links


_KNOWN = st.sampled_from([*RU_UA.parties, *RU_UA.documents, *RU_UA.issues, "atlantis", "RUSSIA", " e3 ", ""])
_HOSTILE = st.sampled_from([
    "..", "../../etc", "%2e%2e%2f", "/etc/passwd", "\x00", "russia-ukraine\x00", "russia‐ukraine", "nan", "inf",
    "-0", "1e-400", "0.999", "2025-13-01", "２０２５-06-04", "20250604", "latest", "scorecard", "extract", "both",
    "e3,russia", "russia,russia", "\u202e", "\ud800".encode("utf-8", "surrogatepass").decode("utf-8", "replace"),
    "x" * (MAX_VALUE_CHARS + 1), "0123456789ab", "ru-memo-2025-06-02",
])
_VALUE = _HOSTILE | st.text(max_size=60) | st.lists(_KNOWN, max_size=5).map(",".join)
_PARAMS = st.dictionaries(
    st.sampled_from(KEYS) | st.text(max_size=20),
    _VALUE | st.lists(_VALUE, max_size=3),
    max_size=15,
)


@settings(max_examples=300, deadline=None)
@given(_PARAMS)
def test_any_link_gives_a_valid_view_and_short_notices(params: dict[str, str | list[str]]) -> None:
    state, notices = from_query(params, CATALOG)
    assert isinstance(state, ViewState)  # built, so every field passed ViewState's own checks
    info = CATALOG[state.negotiation]
    assert set(state.parties) <= set(info.parties)
    assert set(state.documents or ()) <= set(info.documents) and set(state.issues or ()) <= set(info.issues)
    # Short, and printable: a hostile value is quoted with repr(), so no control character reaches the page.
    assert all(isinstance(n, str) and 0 < len(n) <= 450 and n.isprintable() for n in notices), notices
    assert from_query(to_query(state), CATALOG) == (state, [])  # what the app writes back is a clean link


def test_ten_thousand_parameters() -> None:
    params = {f"p{i}": str(i) for i in range(10_000)} | {"view": "matrix"}
    state, notices = from_query(params, CATALOG)
    assert state == default_state()  # only the first 50 keys are read; `view` came after them
    assert notices[0] == "The link has 10001 parameters; only the first 50 were read."
    assert "and 45 more" in notices[1]


def test_a_megabyte_of_query_string() -> None:
    huge = "a" * 1_000_000
    state, notices = from_query({"filter": huge, huge: "1", "parties": "russia," * 150_000 + "ukraine"}, CATALOG)
    assert state == default_state()
    assert notices[0] == "Ignored 'filter': its value is 1000000 characters long (limit 500)."
    assert "limit 500" in notices[1] and len(notices[2]) < 400  # the unknown key is quoted shortened


@pytest.mark.parametrize(("params", "notice"), [
    ({"negotiation": "russia-ukraine\x00"}, "Unknown negotiation 'russia-ukraine\\x00'"),
    ({"view": "map\x00"}, "Ignored view 'map\\x00'"),
    ({"\x00": "1"}, "Ignored unknown parameter(s) '\\x00'"),
    ({"filter": "cease\x00fire"}, "Ignored the sources filter: it contains control characters."),
    ({"issues": "переговоры"}, "Ignored issue 'переговоры': not in this negotiation."),
    ({"negotiation": "russia‐ukraine"}, "Unknown negotiation 'russia‐ukraine'"),  # U+2010, not a hyphen
    ({"negotiation": "%2e%2e%2fetc"}, "Unknown negotiation '%2e%2e%2fetc'"),
    ({"negotiation": "/etc/passwd"}, "Unknown negotiation '/etc/passwd'"),
    ({"as_of": "2025-13-01"}, "Ignored as_of '2025-13-01': not a date like 2025-06-04"),
    ({"min_confidence": "nan"}, "Ignored min_confidence 'nan': use a number from 0 to 1."),
])
def test_null_bytes_unicode_and_paths_are_dropped_with_a_notice(params: dict[str, str], notice: str) -> None:
    state, notices = from_query(params, CATALOG)
    assert state == default_state()
    assert len(notices) == 1 and notices[0].startswith(notice), notices


def test_unicode_text_that_is_valid_is_kept() -> None:
    state, notices = from_query({"filter": "переговоры 日本 ü ✓", "parties": " UKRAINE , Russia "}, CATALOG)
    assert notices == []
    assert state.source_filter == "переговоры 日本 ü ✓" and state.parties == ("ukraine", "russia")


# ================================================================================ the command line


def _documents(folder: Path) -> dict[str, Path]:
    """Every kind of document the reader must refuse, written once per test session."""
    files = {
        "empty": b"",
        "binary": b"PK\x03\x04\x00\x00\x08\x00 zipped bytes \x00\x01",
        "latin-1": "Déclaration de Kyiv: cessez-le-feu immédiat.".encode("latin-1"),
        "scan.pdf": minimal_pdf(drawing_only=True),
        "broken.pdf": b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 9 0 R >> endobj\ntrailer << /Root 1 0 R >>\n",
        "fake.pdf": b"just some text",
        "fine.txt": b"Russia demanded an immediate ceasefire. Ukraine rejected it.\n",
    }
    paths = {}
    for name, data in files.items():
        paths[name] = folder / (name if "." in name else name + ".txt")
        paths[name].write_bytes(data)
    paths["huge"] = folder / "huge.txt"
    with paths["huge"].open("wb") as handle:
        handle.truncate(MAX_BYTES + 1)  # sparse: no 10 MB written, yet stat() says it is too large
    paths["folder"] = folder / "a-folder.txt"
    paths["folder"].mkdir()
    return paths


NEG = ("--negotiation", "russia-ukraine")
RU_UA_PARTIES = ("--party", "Russia=Moscow", "--party", "Ukraine=Kyiv")
# (id, arguments with {name} for a document path, extra environment, fragment of the one error line)
CLI_CASES: list[tuple[str, tuple[str, ...], dict[str, str], str]] = [
    ("no-command", (), {}, "the following arguments are required: COMMAND"),
    ("unknown-command", ("frobnicate",), {}, "invalid choice: 'frobnicate'"),
    ("validate-missing", ("validate", "/no/such/folder"), {}, "/no/such/folder:1: no such folder"),
    ("validate-file", ("validate", "{fine.txt}"), {}, "not a folder"),
    ("validate-format", ("validate", str(SHIPPED), "--format", "nonsense"), {}, "invalid choice: 'nonsense'"),
    ("compare-bad-date", ("compare", *NEG, "--parties", "Russia,Ukraine", "--as-of", "2025-13-01"), {},
     "invalid fromisoformat value: '2025-13-01'"),
    ("compare-unknown-party", ("compare", *NEG, "--parties", "Russia,Atlantis"), {}, "unknown party 'Atlantis'"),
    ("compare-unknown-document", ("compare", *NEG, "--parties", "Russia,Ukraine", "--documents", "nope"), {},
     "unknown document(s): nope"),
    ("compare-unknown-negotiation", ("compare", "--negotiation", "atlantis", "--parties", "a,b"), {},
     "the negotiation does not validate"),
    ("compare-path-negotiation", ("compare", "--negotiation", "../../etc", "--parties", "a,b"), {},
     "not a negotiation name: '../../etc'"),
    ("compare-format", ("compare", *NEG, "--parties", "Russia,Ukraine", "--format", "nonsense"), {},
     "invalid choice: 'nonsense'"),
    ("compare-no-parties", ("compare", *NEG), {}, "compare needs --negotiation SLUG --parties A,B"),
    ("compare-bad-number", ("compare", *NEG, "--parties", "Russia,Ukraine", "--min-confidence", "high"), {},
     "invalid float value: 'high'"),
    ("compare-doc-missing", ("compare", "--doc", "/no/such/file.txt", *RU_UA_PARTIES), {},
     "No such file or directory: '/no/such/file.txt'"),
    ("compare-doc-folder", ("compare", "--doc", "{folder}", *RU_UA_PARTIES), {}, "a-folder.txt"),
    ("extract-missing", ("extract", "/no/such/file.txt", *RU_UA_PARTIES), {}, "No such file or directory"),
    ("extract-folder", ("extract", "{folder}", *RU_UA_PARTIES), {}, "a-folder.txt"),
    ("extract-format", ("extract", "{fine.txt}", *RU_UA_PARTIES, "--format", "nonsense"), {}, "invalid choice: 'nonsense'"),
    ("extract-unknown-party", ("extract", "{fine.txt}", *NEG, "--party", "Atlantis"), {}, "unknown party 'Atlantis'"),
    ("extract-no-parties", ("extract", "{fine.txt}"), {}, "name the parties: --party"),
    ("extract-save-without-negotiation", ("extract", "{fine.txt}", *RU_UA_PARTIES, "--save"), {},
     "--save needs --negotiation SLUG"),
    ("extract-empty", ("extract", "{empty}", *RU_UA_PARTIES), {}, "empty.txt: the document is empty"),
    ("extract-binary", ("extract", "{binary}", *RU_UA_PARTIES), {}, "contains NUL bytes, so it is a binary file"),
    ("extract-not-utf8", ("extract", "{latin-1}", *RU_UA_PARTIES), {}, "not UTF-8"),
    ("extract-huge", ("extract", "{huge}", *RU_UA_PARTIES), {}, "the limit is 10 MB"),
    ("extract-scan-pdf", ("extract", "{scan.pdf}", *RU_UA_PARTIES), {}, "no text layer"),
    ("extract-broken-pdf", ("extract", "{broken.pdf}", *RU_UA_PARTIES), {}, "could not be parsed"),
    ("extract-fake-pdf", ("extract", "{fake.pdf}", *RU_UA_PARTIES), {}, "not a PDF"),
    ("extract-missing-model", ("extract", "{fine.txt}", *RU_UA_PARTIES), {"POSITIONS_MODEL": "/no/such/model"},
     "/no/such/model"),
    ("brief-bad-date", ("brief", *NEG, "--parties", "Russia,Ukraine", "--as-of", "2025-13-01"), {},
     "invalid fromisoformat value"),
    ("brief-unknown-party", ("brief", *NEG, "--parties", "Russia,Atlantis"), {}, "unknown party 'Atlantis'"),
    ("brief-unknown-document", ("brief", *NEG, "--parties", "Russia,Ukraine", "--documents", "nope"), {},
     "unknown document(s): nope"),
    ("brief-format", ("brief", *NEG, "--parties", "Russia,Ukraine", "--format", "pdf"), {}, "invalid choice: 'pdf'"),
    ("brief-output-folder", ("brief", *NEG, "--parties", "Russia,Ukraine", "--output", "{folder}"), {}, "a-folder.txt"),
    ("embed-unknown-negotiation", ("embed", "--negotiation", "atlantis", "--check"), {}, "no such folder"),
    ("embed-path-negotiation", ("embed", "--negotiation", "../etc", "--check"), {}, "not a negotiation name"),
    ("evaluate-missing-devset", ("evaluate", "--devset", "/no/such/devset"), {}, "no development set at /no/such/devset"),
    ("evaluate-format", ("evaluate", "--format", "nonsense"), {}, "invalid choice: 'nonsense'"),
]


@pytest.fixture(scope="module")
def cli_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, subprocess.CompletedProcess[str]]:
    """Every case run once, four at a time (each is a fresh interpreter, most under a second)."""
    documents = {name: str(path) for name, path in _documents(tmp_path_factory.mktemp("documents")).items()}

    def run(case: tuple[str, tuple[str, ...], dict[str, str], str]) -> subprocess.CompletedProcess[str]:
        _, args, env, _ = case
        argv = [documents[arg[1:-1]] if arg.startswith("{") and arg.endswith("}") else arg for arg in args]
        return subprocess.run([sys.executable, "-m", "positions", *argv], capture_output=True, text=True, cwd=ROOT,
                              timeout=120, env={**os.environ, "HF_HUB_OFFLINE": "1", **env})

    with ThreadPoolExecutor(max_workers=4) as pool:
        return dict(zip((case[0] for case in CLI_CASES), pool.map(run, CLI_CASES)))


@pytest.mark.parametrize(("case", "fragment"), [
    pytest.param(name, fragment, id=name) for name, _, _, fragment in CLI_CASES
])
def test_bad_arguments_get_one_clear_line_and_no_traceback(cli_runs: dict[str, Any], case: str, fragment: str) -> None:
    done = cli_runs[case]
    lines = done.stderr.strip().splitlines()
    assert done.returncode != 0, done.stdout[-500:]
    assert "Traceback" not in done.stderr, done.stderr[-1500:]
    assert lines and fragment in lines[-1], done.stderr
    # argparse prints its usage before the error line; everything else says one thing, once.
    if lines[-1].startswith("usage: ") or re.match(r"python -m positions( \w+)?: error: ", lines[-1]):
        assert lines[0].startswith("usage: ") and all(line.startswith(("usage: ", " ")) for line in lines[:-1]), lines
    else:
        assert len(lines) == 1, lines


def test_the_cli_cases_cover_every_command() -> None:
    from positions.__main__ import COMMANDS

    assert {case[1][0] for case in CLI_CASES if case[1]} >= set(COMMANDS)


def test_a_good_call_still_succeeds_next_to_the_bad_ones(cli_runs: dict[str, Any]) -> None:
    done = subprocess.run([sys.executable, "-m", "positions", "compare", *NEG, "--parties", "Russia,Ukraine",
                           "--as-of", str(dt.date(2025, 6, 4))], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    assert "divergence" in done.stdout


def test_validate_names_file_and_line_of_each_problem(tmp_path: Path) -> None:
    folder = _folder(tmp_path, demands=DEMANDS.replace("stance: 2", "stance: [2]") + "  - oops\n")
    done = subprocess.run([sys.executable, "-m", "positions", "validate", str(folder)], capture_output=True,
                          text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.splitlines() == [
        f"{folder / 'demands' / 'memo.yaml'}:6: demand 'd1': stance: Input should be a valid integer",
        f"{folder / 'demands' / 'memo.yaml'}:8: demand must be a mapping, got text",
    ]
