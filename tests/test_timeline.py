"""Movement over time replays compare's logic as of each date; it never computes relations its own way."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from positions.compare import Selection, compare
from positions.schema import Demand, Document, Issue, Negotiation, Party
from positions.store import load_negotiation
from positions.timeline import (
    GAP_COLUMNS,
    MOVEMENTS,
    TIMELINE_COLUMNS,
    gap_timeline,
    movement_summary,
    stance_timeline,
)

JUNE = dt.date(2025, 6, 2)
DECEMBER = dt.date(2025, 12, 1)


def _negotiation() -> Negotiation:
    """North and South: South drops its opposition to an army cap in December; talks sour."""
    documents = (
        Document(id="n-june", title="North memo", party="north", date=JUNE, kind="memorandum", url="https://example.org/n"),
        Document(id="s-june", title="South memo", party="south", date=JUNE, kind="memorandum", url="https://example.org/s"),
        Document(id="s-dec", title="South plan", party="south", date=DECEMBER, kind="plan", url="https://example.org/s2"),
    )
    demands = [
        ("n-army", "north", "n-june", "army", -2, "Caps on the South's army", None),
        ("s-army-june", "south", "s-june", "army", 2, "No limits on our army", None),
        ("s-army-dec", "south", "s-dec", "army", -1, "An army of at most 800,000", "only with guarantees"),
        ("n-pow", "north", "n-june", "prisoners", 2, "All-for-all exchange", None),
        ("s-pow", "south", "s-june", "prisoners", 2, "All-for-all exchange of prisoners of war", None),
        ("n-talks", "north", "n-june", "talks", 1, "Leaders may meet at the end", None),
        ("s-talks-june", "south", "s-june", "talks", 1, "Leaders meet later", None),
        ("s-talks-dec", "south", "s-dec", "talks", -2, "No meeting while strikes go on", None),
        ("s-energy", "south", "s-dec", "energy", 2, "The plant returns to the South", None),
    ]
    return Negotiation(
        slug="test",
        title="Test",
        parties=(Party(id="north", name="North", colour="#c0392b"), Party(id="south", name="South", colour="#0057b7")),
        issues=tuple(Issue(id=i, label=i.title(), motion=f"Motion on {i}.") for i in ("army", "prisoners", "talks", "energy")),
        documents=documents,
        demands=tuple(
            Demand(id=id, party=party, document=doc, issue=issue, stance=stance, text=text, condition=condition)
            for id, party, doc, issue, stance, text, condition in demands
        ),
    )


SELECTION = Selection(parties=("north", "south"))


def _rows(df, party: str, issue: str) -> list[tuple]:
    rows = df[(df["party"] == party) & (df["issue"] == issue)]
    return list(zip(rows["date"], rows["stance"], rows["stated"]))


def test_timeline_shows_a_party_that_moved() -> None:
    df = stance_timeline(_negotiation(), SELECTION)
    assert tuple(df.columns) == TIMELINE_COLUMNS
    assert _rows(df, "south", "army") == [(JUNE, 2.0, JUNE), (DECEMBER, -1.0, DECEMBER)]
    # North said nothing new in December: its June stance carries forward, marked as stated in June.
    assert _rows(df, "north", "army") == [(JUNE, -2.0, JUNE), (DECEMBER, -2.0, JUNE)]
    december = df[(df["party"] == "south") & (df["issue"] == "army") & (df["date"] == DECEMBER)].iloc[0]
    assert december["text"] == "An army of at most 800,000"
    assert december["condition"] == "only with guarantees"
    assert december["document"] == "s-dec"
    assert december["document_title"] == "South plan"


def test_timeline_has_no_rows_before_a_party_first_speaks() -> None:
    df = stance_timeline(_negotiation(), SELECTION)
    assert _rows(df, "south", "energy") == [(DECEMBER, 2.0, DECEMBER)]
    assert _rows(df, "north", "energy") == []


def test_timeline_respects_the_selection() -> None:
    negotiation = _negotiation()
    june_only = stance_timeline(negotiation, Selection(parties=("north", "south"), as_of=dt.date(2025, 7, 1)))
    assert set(june_only["date"]) == {JUNE}
    no_plan = stance_timeline(negotiation, Selection(parties=("north", "south"), documents=frozenset({"n-june", "s-june"})))
    assert set(no_plan["date"]) == {JUNE}
    empty = stance_timeline(negotiation, Selection(parties=("north", "south"), as_of=dt.date(2020, 1, 1)))
    assert empty.empty and tuple(empty.columns) == TIMELINE_COLUMNS


def test_gap_timeline_measures_the_distance_per_date() -> None:
    gaps = gap_timeline(stance_timeline(_negotiation(), SELECTION), "north", "south")
    assert tuple(gaps.columns) == GAP_COLUMNS
    army = gaps[gaps["issue"] == "army"]
    assert list(army["date"]) == [JUNE, DECEMBER]
    assert list(army["distance"]) == [4.0, 1.0]
    # The December stance carries a condition, so compare.relate says partial, not overlap.
    assert list(army["relation"]) == ["divergence", "partial"]
    energy = gaps[gaps["issue"] == "energy"].iloc[0]
    assert energy["relation"] == "one_sided" and math.isnan(energy["distance"])


def test_gap_timeline_agrees_with_compare_on_the_last_date() -> None:
    negotiation = _negotiation()
    gaps = gap_timeline(stance_timeline(negotiation, SELECTION), "north", "south")
    last = gaps.groupby("issue").tail(1).set_index("issue")["relation"].to_dict()
    assert last == {item.issue.id: item.relation.kind for item in compare(negotiation, SELECTION).issues}


def test_movement_summary_says_closer_further_or_unchanged() -> None:
    summary = {row["issue"]: row for row in movement_summary(_negotiation(), SELECTION, "North", "south")}
    assert summary["army"]["movement"] == "closer"
    assert (summary["army"]["from_distance"], summary["army"]["to_distance"]) == (4.0, 1.0)
    assert (summary["army"]["from_date"], summary["army"]["to_date"]) == (JUNE, DECEMBER)
    assert summary["talks"]["movement"] == "further apart"
    assert summary["talks"]["to_relation"] == "divergence"
    assert summary["prisoners"]["movement"] == "unchanged"
    # Only South ever spoke on energy: there is no movement of the pair to report.
    assert "energy" not in summary


def test_movement_summary_rejects_an_unknown_party() -> None:
    with pytest.raises(KeyError):
        movement_summary(_negotiation(), SELECTION, "north", "atlantis")


def test_shipped_timeline_agrees_with_compare() -> None:
    result = load_negotiation("russia-ukraine")
    if not result.negotiation or not result.negotiation.demands:
        pytest.skip("the curated Russia–Ukraine demands are not in this checkout")
    assert result.ok, [str(e) for e in result.errors]
    selection = Selection(parties=("russia", "ukraine"))
    df = stance_timeline(result.negotiation, selection)
    gaps = gap_timeline(df, "russia", "ukraine")
    last = gaps.groupby("issue").tail(1).set_index("issue")["relation"].to_dict()
    assert last == {item.issue.id: item.relation.kind for item in compare(result.negotiation, selection).issues}
    summary = movement_summary(result.negotiation, selection, "russia", "ukraine")
    assert summary and {row["movement"] for row in summary} <= set(MOVEMENTS)
