"""Relations come from stances on motions; embeddings only pick counterparts."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from positions.compare import (
    Selection,
    compare,
    counterparts,
    latest_positions,
    relate,
    resolve_parties,
    select_demands,
    top_counterparts,
)
from positions.schema import Demand, Document, Issue, Negotiation, Party

ROOT = Path(__file__).resolve().parent.parent


def _negotiation(demands: list[dict]) -> Negotiation:
    issues = (
        Issue(id="prisoners", label="Prisoners", motion="All prisoners are exchanged, all for all."),
        Issue(id="alliances", label="Alliances", motion="Ukraine remains free to join military alliances, including NATO."),
        Issue(id="sanctions", label="Sanctions", motion="All sanctions on Russia are lifted as part of the settlement."),
        Issue(id="ceasefire", label="Ceasefire", motion="An immediate ceasefire takes effect."),
    )
    documents = (
        Document(id="june-a", title="A's memo", party="a", date=dt.date(2025, 6, 2), kind="memorandum", url="https://example.org/a"),
        Document(id="june-b", title="B's memo", party="b", date=dt.date(2025, 6, 2), kind="memorandum", url="https://example.org/b"),
        Document(id="dec-b", title="B's plan", party="b", date=dt.date(2025, 12, 24), kind="plan", url="https://example.org/b2"),
    )
    return Negotiation(
        slug="test",
        title="Test",
        parties=(
            Party(id="a", name="Alpha", aliases=("Alphan",)),
            Party(id="b", name="Beta"),
            Party(id="m", name="Mediator", role="mediator"),
        ),
        issues=issues,
        documents=documents,
        demands=tuple(Demand(**d) for d in demands),
    )


def _d(id: str, party: str, issue: str, stance: int, document: str = "june-a", text: str | None = None, **kw) -> dict:
    return dict(id=id, party=party, issue=issue, stance=stance, document=document, text=text or f"{party} on {issue}", **kw)


TRAP = [
    _d("a-nato", "a", "alliances", -2, text="Ukraine barred from any military alliance"),
    _d("b-nato", "b", "alliances", 2, "june-b", text="Ukraine free to join NATO"),
    _d("a-pow", "a", "prisoners", 2, text="all-for-all prisoner exchange"),
    _d("b-pow", "b", "prisoners", 2, "june-b", text="all-for-all prisoner exchange"),
    _d("a-san", "a", "sanctions", 2, text="lift all sanctions on Russia"),
    _d("b-san", "b", "sanctions", -1, "june-b", text="sanctions eased only gradually, with snapback",
       condition="only gradually and partly, with snapback"),
    _d("a-cf", "a", "ceasefire", -2, text="no ceasefire until withdrawal", condition="only after withdrawal"),
]


def test_relations_follow_stances_not_wording() -> None:
    result = compare(_negotiation(TRAP), Selection(parties=("a", "b")))
    kinds = {i.issue.id: i.relation.kind for i in result.issues}
    assert kinds == {"prisoners": "overlap", "alliances": "divergence", "sanctions": "divergence", "ceasefire": "one_sided"}
    alliances = next(i for i in result.issues if i.issue.id == "alliances")
    assert alliances.relation.distance == 4.0


def test_scorecard_order_puts_overlaps_first() -> None:
    result = compare(_negotiation(TRAP), Selection(parties=("a", "b")))
    assert [i.relation.kind for i in result.issues] == ["overlap", "divergence", "divergence", "one_sided"]


@pytest.mark.parametrize(
    ("a", "b", "cond", "expected"),
    [
        (2, 2, None, "overlap"),
        (2, 1, None, "partial"),  # same side, different strength
        (2, 2, "only after withdrawal", "partial"),  # a condition on one side
        (1, -1, None, "divergence"),
        (-2, -2, None, "overlap"),
        (0, 2, None, "partial"),  # neutral vs for: not opposed, not aligned
    ],
)
def test_relate(a: int, b: int, cond: str | None, expected: str) -> None:
    neg = _negotiation([_d("x", "a", "prisoners", a, condition=cond), _d("y", "b", "prisoners", b, "june-b")])
    positions = latest_positions(neg, neg.demands)
    relation = relate(positions[("a", "prisoners")], positions[("b", "prisoners")])
    assert relation.kind == expected
    assert relation.distance == abs(a - b)


def test_relate_one_side_silent() -> None:
    neg = _negotiation([_d("x", "a", "prisoners", 2)])
    position = latest_positions(neg, neg.demands)[("a", "prisoners")]
    assert relate(position, None).kind == "one_sided"
    assert relate(None, position).distance is None


def test_latest_position_and_as_of() -> None:
    demands = [
        _d("b-army-june", "b", "ceasefire", 2, "june-b"),
        _d("b-army-dec", "b", "ceasefire", -1, "dec-b", condition="only with guarantees"),
        _d("a-cf", "a", "ceasefire", -2),
    ]
    neg = _negotiation(demands)
    latest = compare(neg, Selection(parties=("a", "b")))
    then = compare(neg, Selection(parties=("a", "b"), as_of=dt.date(2025, 6, 4)))
    assert latest.issues[0].stance("b") == -1.0
    assert latest.issues[0].positions["b"].conditions == ("only with guarantees",)
    assert latest.issues[0].relation.kind == "partial"  # both against now, but b attaches a condition
    assert then.issues[0].stance("b") == 2.0
    assert then.issues[0].relation.kind == "divergence"


def test_demands_on_the_latest_date_are_averaged_with_conditions_kept() -> None:
    neg = _negotiation([
        _d("b1", "b", "sanctions", -2, "june-b"),
        _d("b2", "b", "sanctions", -1, "june-b", condition="snapback"),
    ])
    position = latest_positions(neg, neg.demands)[("b", "sanctions")]
    assert position.stance == -1.5
    assert position.conditions == ("snapback",)


def test_selection_filters_documents_origin_and_confidence() -> None:
    extracted = dict(origin="extracted", confidence=0.4, evidence="sentence", model="m")
    neg = _negotiation([
        _d("a1", "a", "prisoners", 2),
        _d("b1", "b", "prisoners", 2, "june-b"),
        _d("b2", "b", "prisoners", -2, "dec-b", **extracted),
    ])
    ids = lambda sel: {d.id for d in select_demands(neg, sel)}  # noqa: E731
    assert ids(Selection(parties=("a", "b"))) == {"a1", "b1"}
    assert ids(Selection(parties=("a", "b"), origins=frozenset({"curated", "extracted"}))) == {"a1", "b1", "b2"}
    assert ids(Selection(parties=("a", "b"), origins=frozenset({"curated", "extracted"}), min_confidence=0.5)) == {"a1", "b1"}
    assert ids(Selection(parties=("a", "b"), documents=frozenset({"june-b"}))) == {"b1"}


def test_n_parties_every_pair_and_summary() -> None:
    neg = _negotiation([
        _d("a1", "a", "alliances", -2),
        _d("b1", "b", "alliances", 2, "june-b"),
        _d("m1", "m", "alliances", -1, "dec-b"),
    ])
    result = compare(neg, Selection(parties=("a", "b", "m")))
    item = result.issues[0]
    assert {k: r.kind for k, r in item.pairs.items()} == {
        ("a", "b"): "divergence", ("a", "m"): "partial", ("b", "m"): "divergence"}
    assert item.relation.kind == "divergence"
    assert result.stance_table() == {"alliances": {"a": -2.0, "b": 2.0, "m": -1.0}}


def test_resolve_parties_by_alias_and_errors() -> None:
    neg = _negotiation(TRAP)
    assert resolve_parties(neg, "alphan, Beta") == ("a", "b")
    with pytest.raises(KeyError, match="unknown party 'Gamma'"):
        resolve_parties(neg, "Alpha,Gamma")
    with pytest.raises(ValueError, match="two different parties"):
        resolve_parties(neg, "Alpha,a")


def test_json_contract_shape() -> None:
    payload = compare(_negotiation(TRAP), Selection(parties=("a", "b"))).to_json()
    assert payload["parties"] == ["a", "b"]
    issue = payload["issues"][0]
    assert set(issue) >= {"issue", "label", "motion", "relation", "stances", "demands"}
    assert issue["relation"] in {"overlap", "divergence", "partial", "one_sided"}
    demand = payload["demands"][0]
    assert set(demand) >= {"id", "party", "issue", "stance", "condition", "text", "evidence", "document", "origin", "confidence"}
    json.dumps(payload)  # serialisable as is


def test_top_counterparts_matches_brute_force() -> None:
    rng = np.random.default_rng(7)
    a = rng.normal(size=(300, 16)).astype(np.float32)
    b = rng.normal(size=(200, 16)).astype(np.float32)
    a /= np.linalg.norm(a, axis=1, keepdims=True)
    b /= np.linalg.norm(b, axis=1, keepdims=True)
    issues_a, issues_b = rng.integers(0, 4, 300), rng.integers(0, 4, 200)
    idx, cos = top_counterparts(a, b, issues_a=issues_a, issues_b=issues_b, k=5, same_issue_bonus=0.1, chunk_rows=64)
    full = a @ b.T
    ranked = full + 0.1 * (issues_a[:, None] == issues_b[None, :])
    expected = np.argsort(-ranked, axis=1, kind="stable")[:, :5]
    assert np.array_equal(idx, expected)
    assert np.allclose(cos, np.take_along_axis(full, expected, axis=1), atol=1e-6)


def test_counterparts_favour_the_same_issue() -> None:
    neg = _negotiation(TRAP)
    a = [d for d in neg.demands if d.party == "a"]
    b = [d for d in neg.demands if d.party == "b"]
    # Hand-made vectors: a's NATO demand is nearest to b's sanctions text, but the issue bonus wins.
    vectors = {
        "a-nato": np.array([1.0, 0.0]), "a-pow": np.array([0.0, 1.0]), "a-san": np.array([0.6, 0.8]),
        "a-cf": np.array([0.8, 0.6]),
        "b-nato": np.array([0.9, 0.436]), "b-san": np.array([0.95, 0.312]), "b-pow": np.array([0.0, 1.0]),
    }
    found = {(c.demand, c.counterpart): c for c in counterparts(a, b, vectors, k=1, same_issue_bonus=0.1)}
    assert ("a-nato", "b-nato") in found and found[("a-nato", "b-nato")].same_issue
    assert ("a-pow", "b-pow") in found


@pytest.mark.model
def test_trap_pairs_with_the_real_model(real_embedder) -> None:
    """The bundled model calls the NATO pair similar; the stances still make it a divergence."""
    neg = _negotiation(TRAP)
    texts = [d.text for d in neg.demands]
    vectors = dict(zip((d.id for d in neg.demands), real_embedder.embed(texts)))
    assert float(vectors["a-nato"] @ vectors["b-nato"]) > 0.5  # "about the same thing"
    assert float(vectors["a-pow"] @ vectors["b-pow"]) > 0.9
    kinds = {i.issue.id: i.relation.kind for i in compare(neg, Selection(parties=("a", "b"))).issues}
    assert kinds["alliances"] == "divergence"
    assert kinds["prisoners"] == "overlap"
    a = [d for d in neg.demands if d.party == "a"]
    b = [d for d in neg.demands if d.party == "b"]
    best = {c.demand: c.counterpart for c in counterparts(a, b, vectors, k=1)}
    assert best["a-nato"] == "b-nato" and best["a-pow"] == "b-pow"


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "positions", *args], capture_output=True, text=True, cwd=ROOT, timeout=120)


def test_cli_first_case_as_of_istanbul_round_two() -> None:
    """The acceptance check of the comparison issue, on the shipped data, through the CLI."""
    done = _cli("compare", "--negotiation", "russia-ukraine", "--parties", "Russia,Ukraine",
                "--as-of", "2025-06-04", "--format", "json")
    assert done.returncode == 0, done.stderr
    relations = {i["issue"]: i["relation"] for i in json.loads(done.stdout)["issues"]}
    assert relations["prisoners"] == "overlap"
    for issue in ("ceasefire", "alliances", "sanctions", "territory"):
        assert relations[issue] == "divergence", issue


def test_cli_reports_unknown_party_without_traceback() -> None:
    done = _cli("compare", "--negotiation", "russia-ukraine", "--parties", "Russia,Atlantis")
    assert done.returncode == 2
    assert "unknown party 'Atlantis'" in done.stderr and "Traceback" not in done.stderr


def test_cli_refuses_path_like_negotiation() -> None:
    done = _cli("compare", "--negotiation", "../../etc", "--parties", "a,b")
    assert done.returncode == 2 and "not a negotiation name" in done.stderr
