"""Loading never crashes on bad content, and saving never leaves a half-written file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from positions.store import (
    MAX_YAML_BYTES,
    StaleWriteError,
    atomic_write,
    file_hash,
    load_folder,
    negotiation_folder,
    parse_yaml,
)

HEAD = textwrap.dedent("""\
    slug: mini
    title: Mini
    parties:
      - id: a
        name: Alpha
      - id: b
        name: Beta
    issues:
      - id: talks
        label: Talks
        motion: Talks continue.
    """)
DOCS = textwrap.dedent("""\
    documents:
      - id: memo
        title: Memo
        party: a
        date: 2025-06-02
        kind: memorandum
        url: https://example.org/memo
    """)
DEMANDS = textwrap.dedent("""\
    document: memo
    demands:
      - id: d1
        party: a
        issue: talks
        stance: 2
        text: Alpha wants more talks.
    """)


def _folder(tmp_path: Path, head: str = HEAD, docs: str = DOCS, demands: str = DEMANDS) -> Path:
    folder = tmp_path / "mini"
    (folder / "demands").mkdir(parents=True)
    (folder / "negotiation.yaml").write_text(head)
    (folder / "documents.yaml").write_text(docs)
    (folder / "demands" / "memo.yaml").write_text(demands)
    return folder


def test_minimal_folder_loads(tmp_path: Path) -> None:
    result = load_folder(_folder(tmp_path))
    assert result.ok, result.errors
    assert len(result.negotiation.demands) == 1
    assert len(result.data_version) == 12


def test_data_version_changes_with_content(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    before = load_folder(folder).data_version
    (folder / "demands" / "memo.yaml").write_text(DEMANDS.replace("more talks", "many talks"))
    assert load_folder(folder).data_version != before


def test_duplicate_key_named_with_line(tmp_path: Path) -> None:
    folder = _folder(tmp_path, demands=DEMANDS + "    stance: 1\n")
    errors = [str(e) for e in load_folder(folder).errors]
    assert any(e.endswith("memo.yaml:8: YAML syntax error: duplicate key 'stance'") for e in errors), errors


def test_wrong_types_are_reported_not_raised(tmp_path: Path) -> None:
    folder = _folder(tmp_path, demands="document: memo\ndemands:\n  - just a string\n  - id: d2\n    party: [a]\n")
    errors = [str(e) for e in load_folder(folder).errors]
    assert any("memo.yaml:3: demand must be a mapping" in e for e in errors), errors
    assert any("memo.yaml:5:" in e and "party" in e for e in errors), errors


def test_unknown_key_is_a_typo_not_silence(tmp_path: Path) -> None:
    folder = _folder(tmp_path, demands=DEMANDS.replace("stance: 2", "stnace: 2"))
    errors = [str(e) for e in load_folder(folder).errors]
    assert any("memo.yaml:6:" in e and "stnace" in e for e in errors), errors


def test_enormous_file_refused(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    (folder / "demands" / "huge.yaml").write_text("# " + "x" * (MAX_YAML_BYTES + 10))
    errors = [str(e) for e in load_folder(folder).errors]
    assert any("huge.yaml:1: file is" in e and "the limit" in e for e in errors)


def test_not_utf8_refused(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    (folder / "demands" / "latin.yaml").write_bytes("text: caf\xe9".encode("latin-1"))
    errors = [str(e) for e in load_folder(folder).errors]
    assert any("latin.yaml:1: not UTF-8" in e for e in errors)


def test_yaml_tags_that_run_code_are_refused() -> None:
    node, errors = parse_yaml("x: !!python/object/apply:os.system ['echo pwned']", "evil.yaml")
    assert node is None and errors and errors[0].file == "evil.yaml"


def test_billion_laughs_is_bounded() -> None:
    # Aliases are shared objects in PyYAML, so expansion does not explode memory; it must stay quick.
    bomb = "a: &a ['x','x','x','x','x','x','x','x','x']\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)}]\n" for i in range(8))
    start = time.perf_counter()
    parse_yaml(bomb, "bomb.yaml")
    assert time.perf_counter() - start < 2


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=400))
def test_loader_never_raises_on_generated_text(tmp_path: Path, text: str) -> None:
    folder = tmp_path / "gen"
    (folder / "demands").mkdir(parents=True, exist_ok=True)
    (folder / "negotiation.yaml").write_text(HEAD)
    (folder / "documents.yaml").write_text(DOCS)
    (folder / "demands" / "memo.yaml").write_text(text)
    result = load_folder(folder)
    for error in result.errors:
        assert error.line >= 1 and error.file.endswith(".yaml")


@given(st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_loader_never_raises_on_generated_structures(tmp_path: Path, value: object) -> None:
    import yaml

    folder = tmp_path / "gen2"
    (folder / "demands").mkdir(parents=True, exist_ok=True)
    (folder / "negotiation.yaml").write_text(HEAD)
    (folder / "documents.yaml").write_text(DOCS)
    (folder / "demands" / "memo.yaml").write_text(yaml.safe_dump({"document": "memo", "demands": value}))
    load_folder(folder)  # must return, whatever the shape


@pytest.mark.parametrize("slug", ["../../etc", "..", "a/b", "/etc", "", ".hidden", "x" * 200, "Russia Ukraine"])
def test_slugs_cannot_leave_the_data_folder(slug: str) -> None:
    with pytest.raises(ValueError, match="not a negotiation name"):
        negotiation_folder(slug)


def test_atomic_write_keeps_backup_and_refuses_stale(tmp_path: Path) -> None:
    path = tmp_path / "list.yaml"
    atomic_write(path, "v1\n", expected_hash=None)
    seen = file_hash(path)
    atomic_write(path, "v2\n", expected_hash=seen)
    assert path.read_text() == "v2\n"
    assert (tmp_path / "list.yaml.bak").read_text() == "v1\n"
    with pytest.raises(StaleWriteError, match="changed on disk"):
        atomic_write(path, "v3 from a stale editor\n", expected_hash=seen)
    assert path.read_text() == "v2\n"  # the other editor's save is not overwritten
    assert not list(tmp_path.glob(".*.tmp"))


def test_kill_during_saves_leaves_old_or_new_file(tmp_path: Path) -> None:
    """SIGKILL a process in the middle of large saves: the file is always one complete version."""
    path = tmp_path / "big.yaml"
    versions = {n: (f"version: {n}\n" + "x" * 2_000_000 + "\nend\n") for n in range(2)}
    atomic_write(path, versions[0])
    writer = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(Path(__file__).resolve().parent.parent)!r})
        from pathlib import Path
        from positions.store import atomic_write
        n = 0
        while True:
            n = 1 - n
            atomic_write(Path({str(path)!r}), f"version: {{n}}\\n" + "x" * 2_000_000 + "\\nend\\n")
    """)
    for delay in (0.05, 0.13, 0.31, 0.57):
        proc = subprocess.Popen([sys.executable, "-c", writer])
        time.sleep(delay)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        assert path.read_text() in versions.values()


def test_list_as_mapping_key_is_an_error_not_a_crash(tmp_path: Path) -> None:
    folder = _folder(tmp_path, demands="document: memo\ndemands:\n  - {[1]: 2}\n")
    errors = [str(e) for e in load_folder(folder).errors]
    assert any("memo.yaml:3:" in e and "mapping keys must be plain values" in e for e in errors), errors


def test_duplicate_demand_across_files_points_at_the_right_file(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    (folder / "demands" / "zz-later.yaml").write_text(DEMANDS.replace("party: a", "party: zed"))
    errors = [str(e) for e in load_folder(folder).errors]
    assert any(e.endswith("zz-later.yaml:3: duplicate demand id 'd1'") for e in errors), errors
    assert any("zz-later.yaml:4: demand 'd1': unknown party 'zed'" in e for e in errors), errors
    assert not any("memo.yaml" in e for e in errors), errors
