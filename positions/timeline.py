"""Movement over time: each party's stance as of every dated document, and the gaps between parties.

Positions move (a party may refuse in June what it accepts in December), so a single "latest"
view hides history. Here the comparison logic of `positions.compare` is replayed as of
each date; nothing about stances or relations is computed differently.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd

from positions.compare import Position, Selection, latest_positions, relate, select_demands
from positions.schema import Document, Negotiation

TIMELINE_COLUMNS = (
    "party", "issue", "date", "stance", "document", "text", "condition",
    "stated", "document_title", "position",
)
GAP_COLUMNS = ("issue", "date", "distance", "relation", "stance_a", "stance_b")
MOVEMENTS = ("closer", "further apart", "unchanged")


def stance_timeline(negotiation: Negotiation, selection: Selection) -> pd.DataFrame:
    """One row per (party, issue, date): the party's latest stance as of each dated document.

    Dates are those of the documents behind the selected demands. A row exists from the first
    date a party spoke on an issue onwards; `stated` is the date of the document the stance comes
    from, so `stated < date` means the position was carried forward. `document`, `text` and
    `condition` join several demands of the same date with ", ", newlines and "; ".
    `position` holds the `compare.Position`, so relations can be computed by `compare.relate`.
    """
    documents = negotiation.documents_by_id()
    demands = select_demands(negotiation, selection)
    dates = sorted({documents[d.document].date for d in demands})
    as_of: dict[dt.date, dict[tuple[str, str], Position]] = {
        date: latest_positions(negotiation, [d for d in demands if documents[d.document].date <= date])
        for date in dates
    }
    rows = [
        _row(position, date, documents)
        for issue in negotiation.issues
        for party in selection.parties
        for date in dates
        if (position := as_of[date].get((party, issue.id))) is not None
    ]
    return pd.DataFrame(rows, columns=list(TIMELINE_COLUMNS))


def _row(position: Position, date: dt.date, documents: dict[str, Document]) -> dict[str, object]:
    sources = list(dict.fromkeys(d.document for d in position.demands))
    return {
        "party": position.party,
        "issue": position.issue,
        "date": date,
        "stance": position.stance,
        "document": ", ".join(sources),
        "text": "\n".join(d.text for d in position.demands),
        "condition": "; ".join(position.conditions) or None,
        "stated": position.date,
        "document_title": "; ".join(documents[s].title for s in sources),
        "position": position,
    }


def gap_timeline(df: pd.DataFrame, a: str, b: str) -> pd.DataFrame:
    """Per (issue, date) where a or b has a position: their distance and relation (compare.relate).

    Dates where only one of them has spoken are kept as `one_sided` with no distance, so the
    reader can tell "not yet stated" from "no change".
    """
    issue_order = {issue: n for n, issue in enumerate(dict.fromkeys(df["issue"]))}
    rows = []
    for (issue, date), group in df[df["party"].isin([a, b])].groupby(["issue", "date"], sort=False):
        by_party = dict(zip(group["party"], group["position"]))
        relation = relate(by_party.get(a), by_party.get(b))
        rows.append({
            "issue": issue,
            "date": date,
            "distance": float("nan") if relation.distance is None else relation.distance,
            "relation": relation.kind,
            "stance_a": _stance(by_party.get(a)),
            "stance_b": _stance(by_party.get(b)),
        })
    # Keep the timeline's issue order, and dates ascending within an issue whichever party spoke first.
    rows.sort(key=lambda row: (issue_order[row["issue"]], row["date"]))
    return pd.DataFrame(rows, columns=list(GAP_COLUMNS))


def _stance(position: Position | None) -> float:
    return float("nan") if position is None else position.stance


def movement_summary(negotiation: Negotiation, selection: Selection, a: str, b: str) -> list[dict[str, object]]:
    """Per issue on which both parties have spoken: did they move closer, further apart or stay?

    Compares the first and the last date on which both had a position (issues where they never
    both spoke are left out). `a` and `b` may be ids, names or aliases.
    """
    a_id, b_id = negotiation.party(a).id, negotiation.party(b).id
    pair_selection = dataclasses.replace(selection, parties=(a_id, b_id))
    gaps = gap_timeline(stance_timeline(negotiation, pair_selection), a_id, b_id)
    both = gaps[gaps["relation"] != "one_sided"]
    summary = []
    for issue in negotiation.issues:
        rows = both[both["issue"] == issue.id]
        if rows.empty:
            continue
        first, last = rows.iloc[0], rows.iloc[-1]
        summary.append({
            "issue": issue.id,
            "label": issue.label,
            "movement": _movement(first["distance"], last["distance"]),
            "from_date": first["date"],
            "to_date": last["date"],
            "from_distance": first["distance"],
            "to_distance": last["distance"],
            "from_relation": first["relation"],
            "to_relation": last["relation"],
        })
    return summary


def _movement(before: float, after: float) -> str:
    if after < before:
        return "closer"
    if after > before:
        return "further apart"
    return "unchanged"
