"""Compare two synthetic demand lists of 1k, 3k and 10k demands each (pre-embedded, 384 dims).

Prints wall time and peak memory of the whole comparison (building the negotiation's positions,
relations for every issue, top-3 counterparts for every demand) and, as a baseline in the same
run, the naive way to find counterparts: the full N×M cosine matrix, sorted row by row.
Target at 10k: under 2 s and under 1 GB, cost growing about linearly with the number of demands.

    .venv/bin/python bench/compare_bench.py
"""

from __future__ import annotations

import datetime as dt
import gc
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from positions.compare import Selection, compare, counterparts  # noqa: E402
from positions.schema import Demand, Document, Issue, Negotiation, Party  # noqa: E402

DIM = 384
N_ISSUES = 40
N_DOCUMENTS = 50


def synthetic(n: int, seed: int = 0) -> tuple[Negotiation, dict[str, np.ndarray]]:
    """Two parties with n demands each, spread over issues and dated documents, with unit vectors."""
    rng = np.random.default_rng(seed)
    issues = tuple(Issue(id=f"issue-{i}", label=f"Issue {i}", motion=f"Motion {i}.") for i in range(N_ISSUES))
    documents = tuple(
        Document(id=f"doc-{d}", title=f"Document {d}", date=dt.date(2020, 1, 1) + dt.timedelta(days=7 * d),
                 kind="statement", url=f"https://example.org/{d}")
        for d in range(N_DOCUMENTS)
    )
    demands = []
    for party in ("a", "b"):
        stances = rng.integers(-2, 3, n)
        issue_ids = rng.integers(0, N_ISSUES, n)
        doc_ids = rng.integers(0, N_DOCUMENTS, n)
        demands += [
            Demand.model_construct(
                id=f"{party}-{k}", party=party, document=f"doc-{doc_ids[k]}", issue=f"issue-{issue_ids[k]}",
                stance=int(stances[k]), condition=None, text=f"demand {k} of {party}", origin="curated",
                confidence=None,
            )
            for k in range(n)
        ]
    vectors = rng.normal(size=(2 * n, DIM)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    negotiation = Negotiation.model_construct(
        slug="synthetic", title="Synthetic", summary="",
        parties=(Party(id="a", name="A"), Party(id="b", name="B")),
        issues=issues, documents=documents, demands=tuple(demands),
    )
    return negotiation, {d.id: vectors[i] for i, d in enumerate(demands)}


def measure(fn) -> tuple[float, float]:
    """Wall seconds of one call, and peak traced memory (MB) of a second call.

    Two calls, because tracing every allocation slows Python code severalfold.
    """
    gc.collect()
    start = time.perf_counter()
    fn()
    seconds = time.perf_counter() - start
    gc.collect()
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return seconds, peak / 1e6


def ours(negotiation: Negotiation, vectors: dict[str, np.ndarray]) -> None:
    result = compare(negotiation, Selection(parties=("a", "b")))
    a = [d for d in result.demands if d.party == "a"]
    b = [d for d in result.demands if d.party == "b"]
    counterparts(a, b, vectors, k=3)


def naive(negotiation: Negotiation, vectors: dict[str, np.ndarray]) -> None:
    a = np.stack([vectors[d.id] for d in negotiation.demands if d.party == "a"])
    b = np.stack([vectors[d.id] for d in negotiation.demands if d.party == "b"])
    full = a @ b.T
    np.argsort(-full, axis=1)[:, :3]


def main() -> None:
    print(f"{'demands/party':>14} {'ours s':>8} {'ours MB':>9} {'naive s':>9} {'naive MB':>9} {'time ×':>7} {'mem ×':>7}")
    rows = []
    for n in (1_000, 3_000, 10_000):
        negotiation, vectors = synthetic(n)
        our_s, our_mb = measure(lambda: ours(negotiation, vectors))
        naive_s, naive_mb = measure(lambda: naive(negotiation, vectors))
        rows.append((n, our_s, our_mb))
        print(f"{n:>14,} {our_s:>8.2f} {our_mb:>9.0f} {naive_s:>9.2f} {naive_mb:>9.0f} "
              f"{our_s / naive_s:>7.2f} {our_mb / naive_mb:>7.2f}")
    (n0, s0, m0), (n1, s1, m1) = rows[0], rows[-1]
    print(f"\ngrowth from {n0:,} to {n1:,} demands (×{n1 / n0:.0f}): time ×{s1 / s0:.1f}, memory ×{m1 / m0:.1f}")
    print(f"target at {n1:,}: < 2 s and < 1,000 MB -> {'met' if s1 < 2 and m1 < 1000 else 'NOT met'}")


if __name__ == "__main__":
    main()
