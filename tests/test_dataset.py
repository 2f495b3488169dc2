"""The shipped Russia–Ukraine dataset: it validates, it is sourced, and broken copies fail precisely.

The corruption tests break a copy of the folder one way at a time and check that the loader names the
file, the line and the reason, while every intact file still loads.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from positions.store import DATA_ROOT, load_folder

FOLDER = DATA_ROOT / "russia-ukraine"

# Issues on which only one party states a position, with the reason. Empty: every issue has at least two.
ONE_SIDED: dict[str, str] = {}

# Pro-Kremlin aggregators the fact base says never to cite.
BANNED_HOSTS = ("news-pravda.com", "topcor.ru")


@pytest.fixture(scope="module")
def shipped():
    return load_folder(FOLDER)


def _demand_files() -> list[Path]:
    return sorted((FOLDER / "demands").glob("*.yaml"))


def _sign(value: float) -> int:
    return (value > 0) - (value < 0)


def latest_stances(negotiation, as_of: dt.date) -> dict[tuple[str, str], float]:
    """Mean stance per (party, issue) in the latest-dated document on or before as_of."""
    dates = {d.id: d.date for d in negotiation.documents}
    grouped: dict[tuple[str, str], list] = defaultdict(list)
    for demand in negotiation.demands:
        if dates[demand.document] <= as_of:
            grouped[(demand.party, demand.issue)].append(demand)
    stances = {}
    for key, demands in grouped.items():
        newest = max(dates[d.document] for d in demands)
        chosen = [d.stance for d in demands if dates[d.document] == newest]
        stances[key] = sum(chosen) / len(chosen)
    return stances


# --- the shipped data -----------------------------------------------------------------------------

def test_shipped_folder_validates(shipped):
    assert [str(e) for e in shipped.errors] == []
    assert shipped.ok


def test_enough_documents_and_demands(shipped):
    assert len(shipped.negotiation.documents) >= 12
    assert len(shipped.negotiation.demands) >= 150


def test_every_curated_demand_is_sourced(shipped):
    documents = shipped.negotiation.documents_by_id()
    for demand in shipped.negotiation.demands:
        assert demand.origin == "curated"
        document = documents[demand.document]
        assert isinstance(document.date, dt.date), demand.id
        assert document.url and document.url.startswith(("http://", "https://")), demand.id


def test_no_aggregator_sources(shipped):
    for document in shipped.negotiation.documents:
        assert not any(host in (document.url or "") for host in BANNED_HOSTS), document.id


def test_one_file_per_document():
    listed = {d["id"] for d in yaml.safe_load((FOLDER / "documents.yaml").read_text())["documents"]}
    named = {}
    for path in _demand_files():
        node = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert node["document"] == path.stem, path.name
        named[path.stem] = node
    assert set(named) == listed


def test_every_issue_has_two_parties_or_is_documented_one_sided(shipped):
    parties = defaultdict(set)
    for demand in shipped.negotiation.demands:
        parties[demand.issue].add(demand.party)
    for issue in shipped.negotiation.issues:
        if issue.id in ONE_SIDED:
            assert len(parties[issue.id]) == 1, f"{issue.id} is no longer one-sided; update ONE_SIDED"
        else:
            assert len(parties[issue.id]) >= 2, f"{issue.id}: only {sorted(parties[issue.id])}"


def test_demand_ids_unique_across_files():
    # Read the raw files too: the loader reports duplicates, but this names both places.
    seen: dict[str, str] = {}
    for path in _demand_files():
        for item in yaml.safe_load(path.read_text(encoding="utf-8"))["demands"] or []:
            assert item["id"] not in seen, f"{item['id']} in {path.name} and {seen[item['id']]}"
            seen[item["id"]] = path.name
    assert len(seen) >= 150


def test_doubt_is_visible(shipped):
    for document in shipped.negotiation.documents:
        if document.certainty != "verified":
            assert document.note, document.id
    for demand in shipped.negotiation.demands:
        if demand.certainty != "verified":
            assert demand.note, demand.id


def test_stances_as_of_second_istanbul_round(shipped):
    """By 4 June 2025 the parties overlap on prisoners and diverge on the four core issues."""
    stances = latest_stances(shipped.negotiation, dt.date(2025, 6, 4))
    assert stances[("russia", "prisoners")] > 0 and stances[("ukraine", "prisoners")] > 0
    for issue in ("ceasefire", "alliances", "sanctions", "territory"):
        russia, ukraine = stances[("russia", issue)], stances[("ukraine", issue)]
        assert _sign(russia) * _sign(ukraine) == -1, (issue, russia, ukraine)


def test_comparison_engine_agrees(shipped):
    """The same picture through the real comparison engine: prisoners overlap, the core four diverge."""
    from positions.compare import Selection, compare

    result = compare(shipped.negotiation, Selection(parties=("russia", "ukraine"), as_of=dt.date(2025, 6, 4)))
    relation = {item.issue.id: item.relation.kind for item in result.issues}
    assert relation["prisoners"] == "overlap"
    for issue in ("ceasefire", "alliances", "sanctions", "territory"):
        assert relation[issue] == "divergence", issue


def test_positions_move_over_time(shipped):
    before = latest_stances(shipped.negotiation, dt.date(2025, 6, 4))
    after = latest_stances(shipped.negotiation, dt.date(2026, 2, 1))
    assert before[("ukraine", "armed_forces")] == 2 and after[("ukraine", "armed_forces")] == -1
    assert after[("russia", "territory")] < before[("russia", "territory")]
    assert after[("united-states", "sanctions")] > 0  # lifting in stages


# --- broken copies --------------------------------------------------------------------------------

TARGET = "istanbul-round2-2025-06-02.yaml"


def _line_after(text: str, anchor: str, needle: str) -> int:
    """1-based number of the first line equal to `needle` (stripped) after the line containing `anchor`."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if anchor in line)
    return next(i for i in range(start, len(lines)) if lines[i].strip() == needle) + 1


def _replace_line(text: str, number: int, new: str) -> str:
    lines = text.splitlines(keepends=True)
    lines[number - 1] = new + "\n"
    return "".join(lines)


def _insert_after(text: str, number: int, new: str) -> str:
    lines = text.splitlines(keepends=True)
    lines.insert(number, new + "\n")
    return "".join(lines)


def _bad_yaml(text: str) -> tuple[str, int, str]:
    line = _line_after(text, "id: r2-ru-local-truce", "stance: -1")
    return _replace_line(text, line, "    stance: -1: oops"), line, "YAML syntax error"


def _unknown_party(text: str) -> tuple[str, int, str]:
    line = _line_after(text, "id: r2-ua-children-list", "party: ukraine")
    return _replace_line(text, line, "    party: belarus"), line, "unknown party 'belarus'"


def _stance_out_of_range(text: str) -> tuple[str, int, str]:
    line = _line_after(text, "id: r2-ru-bodies-unilateral", "stance: 1")
    return _replace_line(text, line, "    stance: 5"), line, "less than or equal to 2"


def _missing_document(text: str) -> tuple[str, int, str]:
    line = _line_after(text, "id: r2-ua-leaders-meeting", "party: ukraine") + 1
    return _insert_after(text, line - 1, "    document: no-such-document"), line, "unknown document 'no-such-document'"


def _duplicate_key(text: str) -> tuple[str, int, str]:
    stance = _line_after(text, "id: r2-ua-rejects-local-truce", "stance: 2")
    return _insert_after(text, stance, "    stance: 1"), stance + 1, "duplicate key 'stance'"


@pytest.mark.parametrize(
    "corrupt",
    [_bad_yaml, _unknown_party, _stance_out_of_range, _missing_document, _duplicate_key],
    ids=["bad-yaml", "unknown-party", "stance-5", "missing-document", "duplicate-key"],
)
def test_corruption_is_reported_at_file_and_line(tmp_path, corrupt):
    folder = tmp_path / "russia-ukraine"
    shutil.copytree(FOLDER, folder)
    target = folder / "demands" / TARGET
    text, line, reason = corrupt(target.read_text(encoding="utf-8"))
    target.write_text(text, encoding="utf-8")

    result = load_folder(folder)

    hits = [e for e in result.errors if Path(e.file).name == TARGET and e.line == line and reason in e.reason]
    assert hits, f"expected {TARGET}:{line}: …{reason}…, got {[str(e) for e in result.errors]}"
    assert all(Path(e.file).name == TARGET for e in result.errors), [str(e) for e in result.errors]
    assert not result.ok
    # The intact files still loaded.
    assert result.negotiation is not None
    assert len(result.negotiation.demands) >= 140
    loaded = {d.id for d in result.negotiation.demands}
    assert {"ru-memo-territory-recognition", "ua-memo-all-for-all", "us28-all-for-all"} <= loaded
