"""Score the extraction pipeline against the labelled development set (tests/devset/).

A predicted demand matches a gold one when their evidence spans overlap in the same document;
matching is one-to-one, preferring the same party, then the same issue, then the larger overlap.
Over the matches: party accuracy; issue accuracy; stance sign agreement (and |difference| <= 1)
where the party is right. Relations: for each case, the relation of its first two parties on each
labelled issue, computed by positions.compare from the extracted demands alone.

Discovered issues have machine-made ids and motions, so each is mapped to the gold `other:...`
issue it shares most matches with, and its stances are compared after orienting its motion
(a motion and its negation are the same issue; which way round the pipeline worded it is arbitrary).
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import yaml

from positions.compare import Selection, compare
from positions.documents import SourceText, read_path
from positions.embedding import Embedder
from positions.extract import Extraction, extract
from positions.schema import Demand, Negotiation, Party

DEVSET = Path(__file__).resolve().parent.parent / "tests" / "devset"


@dataclasses.dataclass(frozen=True)
class GoldDemand:
    document: str  # document id
    start: int
    end: int
    party: str
    issue: str
    stance: int
    condition: str | None


@dataclasses.dataclass(frozen=True)
class Case:
    name: str
    title: str
    parties: tuple[Party, ...]
    sources: tuple[SourceText, ...]
    authors: tuple[str | None, ...]
    genres: tuple[str | None, ...]
    gold: tuple[GoldDemand, ...]
    relations: dict[str, str]


@dataclasses.dataclass
class Scores:
    """Counts behind every metric, so cases add up into an overall figure."""

    predicted: int = 0
    gold: int = 0
    matched: int = 0
    party_right: int = 0
    issue_right: int = 0
    stance_sign: int = 0
    stance_exact: int = 0
    stance_near: int = 0
    stance_total: int = 0
    relations_right: int = 0
    relations_total: int = 0

    def add(self, other: Scores) -> None:
        for field in dataclasses.fields(self):
            setattr(self, field.name, getattr(self, field.name) + getattr(other, field.name))

    def metrics(self) -> dict[str, float | int | None]:
        def ratio(a: int, b: int) -> float | None:
            return round(a / b, 3) if b else None

        return {
            "precision": ratio(self.matched, self.predicted),
            "recall": ratio(self.matched, self.gold),
            "party_accuracy": ratio(self.party_right, self.matched),
            "issue_accuracy": ratio(self.issue_right, self.matched),
            "stance_accuracy": ratio(self.stance_sign, self.stance_total),
            "stance_exact": ratio(self.stance_exact, self.stance_total),
            # With whole stances of -2..+2 and no zeros, "within 1" equals sign agreement; kept
            # because it is the figure the issue asked for.
            "stance_within_1": ratio(self.stance_near, self.stance_total),
            "relation_accuracy": ratio(self.relations_right, self.relations_total),
            "predicted": self.predicted,
            "gold": self.gold,
            "matched": self.matched,
        }


@dataclasses.dataclass
class CaseResult:
    case: str
    scores: Scores
    relations: dict[str, tuple[str, str]]  # gold issue -> (expected, found)
    misses: list[GoldDemand]
    false_alarms: list[Demand]
    wrong: list[tuple[GoldDemand, Demand]]  # matched but party, issue or stance sign differ
    extraction: Extraction


def party_id(name: str) -> str:
    """Schema id for a party name ("Red Hills Liberation Front" -> "red-hills-liberation-front")."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "party"


def load_case(folder: Path) -> Case:
    """Read one case.yaml with its documents; gold evidence is located in the normalised text."""
    data = yaml.safe_load((folder / "case.yaml").read_text(encoding="utf-8"))
    parties = tuple(
        Party(id=party_id(p["name"]), name=p["name"], aliases=tuple(p.get("aliases", ()))) for p in data["parties"]
    )
    by_name = {p.name: p.id for p in parties}
    sources, authors, genres = [], [], []
    ids: dict[str, SourceText] = {}
    for entry in data["documents"]:
        source = read_path(folder / entry["file"])
        sources.append(source)
        ids[entry["file"]] = source
        authors.append(by_name.get(entry["author"]) if entry.get("author") else None)
        genres.append(entry.get("genre"))
    gold = []
    for item in data.get("demands", []):
        source = ids[item["document"]]
        span = locate(source.text, item["evidence"])
        if span is None:
            raise ValueError(f"{folder.name}: evidence not found in {item['document']}: {item['evidence'][:60]!r}")
        gold.append(GoldDemand(source.id, span[0], span[1], by_name[item["party"]], item["issue"],
                               int(item["stance"]), item.get("condition")))
    relations = {str(k): str(v) for k, v in (data.get("relations") or {}).items()}
    return Case(folder.name, data.get("title", folder.name), parties, tuple(sources), tuple(authors),
                tuple(genres), tuple(gold), relations)


def locate(text: str, evidence: str) -> tuple[int, int] | None:
    """Span of the evidence in the text: verbatim, else with any run of whitespace matching any other."""
    found = text.find(evidence)
    if found >= 0:
        return found, found + len(evidence)
    pattern = r"\s+".join(re.escape(part) for part in evidence.split())
    match = re.search(pattern, text)
    return match.span() if match else None


def load_devset(root: Path = DEVSET) -> list[Case]:
    return [load_case(folder) for folder in sorted(Path(root).iterdir()) if (folder / "case.yaml").is_file()]


def evaluate_case(case: Case, embedder: Embedder, *, use_authors: bool = True, **options: object) -> CaseResult:
    """Run the pipeline on one case and score it."""
    extraction = extract(case.sources, case.parties, authors=case.authors if use_authors else None,
                         genres=case.genres, embedder=embedder, **options)  # type: ignore[arg-type]
    predicted = list(extraction.demands)
    gold = list(case.gold)
    pairs = _match(predicted, gold)
    mapping = _map_discovered(pairs, predicted, gold)
    orientation = _orientation(pairs, predicted, gold, mapping)
    scores = Scores(predicted=len(predicted), gold=len(gold), matched=len(pairs))
    wrong = []
    for p, g in pairs:
        demand, label = predicted[p], gold[g]
        issue = mapping.get(demand.issue, demand.issue)
        party_ok = demand.party == label.party
        issue_ok = issue == label.issue
        scores.party_right += party_ok
        scores.issue_right += issue_ok
        sign_ok = True
        if party_ok:
            stance = demand.stance * orientation.get(demand.issue, 1)
            scores.stance_total += 1
            sign_ok = (stance > 0) == (label.stance > 0)
            scores.stance_sign += sign_ok
            scores.stance_exact += stance == label.stance
            scores.stance_near += abs(stance - label.stance) <= 1
        if not (party_ok and issue_ok and sign_ok):
            wrong.append((label, demand))
    matched_p = {p for p, _ in pairs}
    matched_g = {g for _, g in pairs}

    relations = _relations(case, extraction, mapping)
    scores.relations_total = len(relations)
    scores.relations_right = sum(expected == found for expected, found in relations.values())
    return CaseResult(
        case.name, scores, relations,
        [g for i, g in enumerate(gold) if i not in matched_g],
        [d for i, d in enumerate(predicted) if i not in matched_p],
        wrong, extraction,
    )


def evaluate(cases: Sequence[Case], embedder: Embedder, **options: object) -> tuple[list[CaseResult], Scores]:
    """Every case, and the overall counts."""
    results = [evaluate_case(case, embedder, **options) for case in cases]
    overall = Scores()
    for result in results:
        overall.add(result.scores)
    return results, overall


def _match(predicted: list[Demand], gold: list[GoldDemand]) -> list[tuple[int, int]]:
    """One-to-one pairs of overlapping evidence, best pairs first (same party, same issue, overlap)."""
    options = []
    for p, demand in enumerate(predicted):
        for g, label in enumerate(gold):
            if demand.document != label.document or demand.evidence_start is None or demand.evidence_end is None:
                continue
            overlap = min(demand.evidence_end, label.end) - max(demand.evidence_start, label.start)
            if overlap > 0:
                same_issue = demand.issue == label.issue or (
                    _open_issue(demand.issue) and label.issue.startswith("other:"))
                options.append(((demand.party == label.party, same_issue, overlap), p, g))
    options.sort(key=lambda option: option[0], reverse=True)
    pairs, used_p, used_g = [], set(), set()
    for _, p, g in options:
        if p not in used_p and g not in used_g:
            pairs.append((p, g))
            used_p.add(p)
            used_g.add(g)
    return pairs


# The generic issues the labels were written against (tests/devset/README.md). A demand on an issue the
# pipeline knows beyond these (a later generic issue such as `disarmament`, or a discovered one) is
# right when its issue corresponds to the gold `other:...` issue, exactly as for a discovered issue.
LABEL_SCHEME = frozenset({"ceasefire", "territory", "alliances", "sanctions", "prisoners", "process",
                          "security_guarantees", "nuclear", "trade", "governance_elections", "reparations",
                          "humanitarian", "labour"})


def _open_issue(issue: str) -> bool:
    """An issue outside the labelling scheme: it can only be scored against a gold other:... issue."""
    return issue.startswith("other-") or issue not in LABEL_SCHEME


def _map_discovered(pairs: list[tuple[int, int]], predicted: list[Demand], gold: list[GoldDemand]) -> dict[str, str]:
    """Discovered (or out-of-scheme) issue id -> the gold other:... issue most of its matched demands carry."""
    votes: dict[str, Counter[str]] = {}
    for p, g in pairs:
        if _open_issue(predicted[p].issue) and gold[g].issue.startswith("other:"):
            votes.setdefault(predicted[p].issue, Counter())[gold[g].issue] += 1
    # Greedy one-to-one over (issue, label) pairs, most shared matches first; on a tie, the pair whose
    # names share a word ("disarmament" and "other:disarmament") before an arbitrary one.
    options = sorted(((count, _shared_words(issue, label), issue, label)
                      for issue, counter in votes.items() for label, count in counter.items()), reverse=True)
    mapping: dict[str, str] = {}
    for _, _, issue, label in options:
        if issue not in mapping and label not in mapping.values():
            mapping[issue] = label
    return mapping


def _shared_words(issue: str, label: str) -> int:
    def words(name: str) -> set[str]:
        return {w[:6] for w in re.split(r"[^a-z]+", name.lower()) if len(w) > 3 and w != "other"}
    return len(words(issue) & words(label))


def _orientation(pairs: list[tuple[int, int]], predicted: list[Demand], gold: list[GoldDemand],
                 mapping: dict[str, str]) -> dict[str, int]:
    """+1 or -1 per discovered issue: whichever way round agrees with more gold stances."""
    totals: Counter[str] = Counter()
    for p, g in pairs:
        issue = predicted[p].issue
        if issue in mapping and mapping[issue] == gold[g].issue and predicted[p].party == gold[g].party:
            totals[issue] += predicted[p].stance * gold[g].stance
    return {issue: (-1 if totals[issue] < 0 else 1) for issue in mapping}


def _relations(case: Case, extraction: Extraction, mapping: dict[str, str]) -> dict[str, tuple[str, str]]:
    """Gold issue -> (expected relation, relation computed from the extracted demands)."""
    if len(case.parties) < 2 or not case.relations:
        return {}
    negotiation = Negotiation(
        slug=re.sub(r"[^a-z0-9-]+", "-", case.name.lower()) or "case", title=case.title,
        parties=case.parties, issues=extraction.issues, documents=extraction.documents, demands=extraction.demands,
    )
    comparison = compare(negotiation, Selection(parties=tuple(p.id for p in case.parties[:2]),
                                                origins=frozenset({"extracted"})))
    found = {mapping.get(item.issue.id, item.issue.id): item.relation.kind for item in comparison.issues}
    return {issue: (expected, found.get(issue, "absent")) for issue, expected in case.relations.items()}


def calibration(results: Sequence[CaseResult], bins: Sequence[float] = (0.0, 0.4, 0.55, 0.7, 1.01)) -> list[dict[str, object]]:
    """Share of predicted demands that are right (matched, same party, issue and stance sign), by confidence band."""
    rows = []
    for low, high in zip(bins, bins[1:]):
        total = right = 0
        for result in results:
            wrong_ids = {id(d) for _, d in result.wrong}
            alarms = {id(d) for d in result.false_alarms}
            for demand in result.extraction.demands:
                confidence = demand.confidence or 0.0
                if low <= confidence < high:
                    total += 1
                    right += id(demand) not in alarms and id(demand) not in wrong_ids
        rows.append({"confidence": f"{low:.2f}-{min(high, 1.0):.2f}", "demands": total,
                     "correct": round(right / total, 3) if total else None})
    return rows
