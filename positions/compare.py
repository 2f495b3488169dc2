"""Compare parties issue by issue: stances decide agreement, embeddings only decide matching.

Cosine similarity says two statements are about the same thing ("Ukraine barred from any
alliance" vs "Ukraine free to join NATO" score 0.66 with the bundled model); it cannot say the
parties agree. So relations here are computed from stances on each issue's motion, never from
vectors. Vectors are used only by `counterparts`, to show which statement answers which.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from collections.abc import Iterable, Sequence
from typing import Literal

import numpy as np

from positions.schema import Demand, Issue, Negotiation, Party

RelationKind = Literal["overlap", "partial", "divergence", "one_sided"]
# Display and sort order: what the parties share first, then what separates them.
RELATION_ORDER: tuple[RelationKind, ...] = ("overlap", "partial", "divergence", "one_sided")
# Stances on the same side whose gap is at least this far count as "partial", not "overlap".
PARTIAL_GAP = 1.0


@dataclasses.dataclass(frozen=True)
class Selection:
    """What to compare: parties, and which demands count (date, documents, origin, issues)."""

    parties: tuple[str, ...]
    as_of: dt.date | None = None
    documents: frozenset[str] | None = None
    origins: frozenset[str] = frozenset({"curated"})
    min_confidence: float = 0.0
    issues: frozenset[str] | None = None


@dataclasses.dataclass(frozen=True)
class Position:
    """A party's stance on one issue: its latest demands within the selection."""

    party: str
    issue: str
    stance: float
    demands: tuple[Demand, ...]
    date: dt.date

    @property
    def conditions(self) -> tuple[str, ...]:
        return tuple(d.condition for d in self.demands if d.condition)

    @property
    def direction(self) -> int:
        return int(np.sign(self.stance))


@dataclasses.dataclass(frozen=True)
class Relation:
    """How two parties relate on one issue, with how far apart their stances are (0..4)."""

    kind: RelationKind
    distance: float | None


@dataclasses.dataclass(frozen=True)
class IssueComparison:
    issue: Issue
    positions: dict[str, Position | None]
    pairs: dict[tuple[str, str], Relation]
    relation: Relation

    def stance(self, party: str) -> float | None:
        position = self.positions.get(party)
        return None if position is None else position.stance


@dataclasses.dataclass(frozen=True)
class Comparison:
    negotiation: Negotiation
    selection: Selection
    parties: tuple[Party, ...]
    issues: tuple[IssueComparison, ...]  # overlaps first, then partial, divergence, one-sided
    demands: tuple[Demand, ...]  # every demand that passed the selection, not only the latest

    def by_relation(self, kind: RelationKind) -> list[IssueComparison]:
        return [i for i in self.issues if i.relation.kind == kind]

    def stance_table(self) -> dict[str, dict[str, float | None]]:
        """Issue id -> party id -> stance (None where the party said nothing)."""
        return {i.issue.id: {p.id: i.stance(p.id) for p in self.parties} for i in self.issues}

    def to_json(self) -> dict[str, object]:
        """The `compare --format json` contract (DESIGN.md §5)."""
        documents = self.negotiation.documents_by_id()
        return {
            "negotiation": self.negotiation.slug,
            "as_of": self.selection.as_of.isoformat() if self.selection.as_of else None,
            "parties": [p.id for p in self.parties],
            "party_names": {p.id: p.name for p in self.parties},
            "issues": [
                {
                    "issue": item.issue.id,
                    "label": item.issue.label,
                    "motion": item.issue.motion,
                    "relation": item.relation.kind,
                    "distance": item.relation.distance,
                    "stances": {p: _round(item.stance(p)) for p in item.positions},
                    "conditions": {p: list(pos.conditions) for p, pos in item.positions.items() if pos and pos.conditions},
                    "dates": {p: pos.date.isoformat() for p, pos in item.positions.items() if pos},
                    "pairs": [
                        {"parties": list(pair), "relation": rel.kind, "distance": rel.distance}
                        for pair, rel in item.pairs.items()
                    ],
                    "demands": [d.id for pos in item.positions.values() if pos for d in pos.demands],
                }
                for item in self.issues
            ],
            "demands": [demand_json(d, documents.get(d.document)) for d in self.demands],
        }


def demand_json(demand: Demand, document: object | None = None) -> dict[str, object]:
    row: dict[str, object] = {
        "id": demand.id,
        "party": demand.party,
        "issue": demand.issue,
        "stance": demand.stance,
        "condition": demand.condition,
        "text": demand.text,
        "evidence": demand.evidence,
        "document": demand.document,
        "origin": demand.origin,
        "confidence": demand.confidence,
    }
    if document is not None:
        row["date"] = document.date.isoformat()  # type: ignore[attr-defined]
        row["url"] = document.url  # type: ignore[attr-defined]
    return row


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def resolve_parties(negotiation: Negotiation, refs: str | Iterable[str]) -> tuple[str, ...]:
    """Party ids from names, ids or aliases ("Russia,Ukraine"); KeyError names the unknown one."""
    if isinstance(refs, str):
        refs = [r for r in refs.split(",") if r.strip()]
    ids = tuple(dict.fromkeys(negotiation.party(r).id for r in refs))
    if len(ids) < 2:
        raise ValueError("compare needs at least two different parties")
    return ids


def select_demands(negotiation: Negotiation, selection: Selection) -> list[Demand]:
    """Demands of the selected parties that pass every filter of the selection."""
    documents = negotiation.documents_by_id()
    wanted = set(selection.parties)
    chosen = []
    for demand in negotiation.demands:
        document = documents.get(demand.document)
        if demand.party not in wanted or document is None or demand.origin not in selection.origins:
            continue
        if selection.as_of and document.date > selection.as_of:
            continue
        if selection.documents is not None and demand.document not in selection.documents:
            continue
        if selection.issues is not None and demand.issue not in selection.issues:
            continue
        if demand.origin == "extracted" and (demand.confidence or 0.0) < selection.min_confidence:
            continue
        chosen.append(demand)
    return chosen


def latest_positions(negotiation: Negotiation, demands: Iterable[Demand]) -> dict[tuple[str, str], Position]:
    """Each (party, issue)'s position from its most recently dated demands.

    Positions move over time (Ukraine accepted an army cap in late 2025 it refused in June), so
    only the latest date counts; several demands on that date are averaged, their conditions kept.
    """
    dates = {d.id: d.date for d in negotiation.documents}
    grouped: dict[tuple[str, str], list[Demand]] = {}
    for demand in demands:
        grouped.setdefault((demand.party, demand.issue), []).append(demand)
    positions = {}
    for key, group in grouped.items():
        latest = max(dates[d.document] for d in group)
        current = tuple(d for d in group if dates[d.document] == latest)
        stance = float(np.mean([d.stance for d in current]))
        positions[key] = Position(key[0], key[1], stance, current, latest)
    return positions


def relate(a: Position | None, b: Position | None) -> Relation:
    """Relation of two positions on the same motion; None means the party stated nothing."""
    if a is None or b is None:
        return Relation("one_sided", None)
    distance = round(abs(a.stance - b.stance), 2)
    if a.direction * b.direction < 0:
        return Relation("divergence", distance)
    if a.direction != b.direction:
        # One side neutral or undecided, the other not: they are not opposed, but not aligned.
        return Relation("partial", distance)
    if distance >= PARTIAL_GAP or a.conditions or b.conditions:
        return Relation("partial", distance)
    return Relation("overlap", distance)


def summarise(pairs: Sequence[Relation]) -> Relation:
    """One relation for an issue across all pairs: the most divided pair decides.

    Pairs where one side is silent only count when no pair has both sides speaking.
    """
    spoken = [r for r in pairs if r.kind != "one_sided"]
    if not spoken:
        return Relation("one_sided", None)
    worst = max(spoken, key=lambda r: (("overlap", "partial", "divergence").index(r.kind), r.distance or 0))
    return worst


def compare(negotiation: Negotiation, selection: Selection) -> Comparison:
    """Per-issue positions and relations for every pair of the selected parties."""
    parties = tuple(negotiation.party(p) for p in selection.parties)
    demands = select_demands(negotiation, selection)
    positions = latest_positions(negotiation, demands)
    items = []
    for issue in negotiation.issues:
        if selection.issues is not None and issue.id not in selection.issues:
            continue
        by_party = {p.id: positions.get((p.id, issue.id)) for p in parties}
        if all(pos is None for pos in by_party.values()):
            continue
        pairs = {(a, b): relate(by_party[a], by_party[b]) for a, b in itertools.combinations(by_party, 2)}
        items.append(IssueComparison(issue, by_party, pairs, summarise(list(pairs.values()))))
    order = {issue.id: n for n, issue in enumerate(negotiation.issues)}
    items.sort(key=lambda i: (RELATION_ORDER.index(i.relation.kind), order[i.issue.id]))
    return Comparison(negotiation, selection, parties, tuple(items), tuple(demands))


# --- Counterparts: which statement of party B answers which statement of party A -------------


@dataclasses.dataclass(frozen=True)
class Counterpart:
    demand: str
    counterpart: str
    score: float  # raw cosine similarity, shown to the user
    same_issue: bool


def top_counterparts(
    vectors_a: np.ndarray,
    vectors_b: np.ndarray,
    *,
    issues_a: np.ndarray | None = None,
    issues_b: np.ndarray | None = None,
    k: int = 3,
    same_issue_bonus: float = 0.1,
    chunk_rows: int = 1024,
) -> tuple[np.ndarray, np.ndarray]:
    """Top-k rows of B for every row of A, by cosine plus a bonus for the same issue.

    Works in chunks of A so memory stays at chunk_rows × len(B) floats, never the full A×B
    matrix. Returns (indices, cosines), each shaped (len(A), k'), best first, with k' = min(k, len(B)).
    Vectors must be L2-normalised.
    """
    n_a, n_b = len(vectors_a), len(vectors_b)
    k = min(k, n_b)
    indices = np.zeros((n_a, k), dtype=np.int64)
    scores = np.zeros((n_a, k), dtype=np.float32)
    if n_a == 0 or k == 0:
        return indices, scores
    b_t = np.ascontiguousarray(vectors_b, dtype=np.float32).T
    for start in range(0, n_a, chunk_rows):
        stop = min(start + chunk_rows, n_a)
        cosine = np.asarray(vectors_a[start:stop], dtype=np.float32) @ b_t
        ranked = cosine
        if issues_a is not None and issues_b is not None and same_issue_bonus:
            ranked = cosine + same_issue_bonus * (issues_a[start:stop, None] == issues_b[None, :])
        if k < n_b:
            top = np.argpartition(-ranked, k - 1, axis=1)[:, :k]
        else:
            top = np.broadcast_to(np.arange(n_b), (stop - start, n_b)).copy()
        order = np.argsort(-np.take_along_axis(ranked, top, axis=1), axis=1, kind="stable")
        top = np.take_along_axis(top, order, axis=1)
        indices[start:stop] = top
        scores[start:stop] = np.take_along_axis(cosine, top, axis=1)
    return indices, scores


def counterparts(
    demands_a: Sequence[Demand],
    demands_b: Sequence[Demand],
    vectors: dict[str, np.ndarray],
    *,
    k: int = 3,
    same_issue_bonus: float = 0.1,
) -> list[Counterpart]:
    """For each demand of A, its k closest demands of B (favouring the same issue)."""
    if not demands_a or not demands_b:
        return []
    issue_codes: dict[str, int] = {}
    code = np.vectorize(lambda issue: issue_codes.setdefault(issue, len(issue_codes)), otypes=[np.int64])
    vec_a = np.stack([vectors[d.id] for d in demands_a])
    vec_b = np.stack([vectors[d.id] for d in demands_b])
    idx, cos = top_counterparts(
        vec_a, vec_b,
        issues_a=code([d.issue for d in demands_a]), issues_b=code([d.issue for d in demands_b]),
        k=k, same_issue_bonus=same_issue_bonus,
    )
    found = []
    for row, demand in enumerate(demands_a):
        for col, score in zip(idx[row], cos[row]):
            other = demands_b[int(col)]
            found.append(Counterpart(demand.id, other.id, round(float(score), 4), other.issue == demand.issue))
    return found


def similarity_matrix(vectors_a: np.ndarray, vectors_b: np.ndarray) -> np.ndarray:
    """Full cosine matrix, for views that show every cell (the match heatmap of two short lists)."""
    return np.asarray(vectors_a, dtype=np.float32) @ np.asarray(vectors_b, dtype=np.float32).T
