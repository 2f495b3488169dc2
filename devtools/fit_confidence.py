"""Fit the extraction confidence (CONFIDENCE_WEIGHTS and CONFIDENCE_BIAS in positions/extract.py).

Runs the pipeline over every labelled development case (tests/devset, tests/devset-real,
tests/devset-real2, tests/validation; never the blind sets) keeping every demand, marks each right or
wrong the way `evaluate` does (matched, same party, same issue, same stance sign), and fits a logistic regression of
rightness on confidence_features. Prints the weights to paste into extract.py and, per set, how often
demands in each band of the fitted confidence were right.

    .venv/bin/python devtools/fit_confidence.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from positions import extract as pipeline  # noqa: E402
from positions.embedding import get_embedder  # noqa: E402
from positions.evaluation import evaluate, load_devset  # noqa: E402

SETS = ("devset", "devset-real", "devset-real2", "validation")
L2 = 0.01  # a little shrinkage: a feature that never varies in a set must not get a huge weight


def _record() -> dict[tuple, np.ndarray]:
    """Make the pipeline remember the features behind each demand it builds."""
    features: dict[tuple, np.ndarray] = {}
    last: list[np.ndarray] = []
    compute, build = pipeline.confidence_features, pipeline.Demand

    def remembering(*args, **kwargs):
        last[:] = [compute(*args, **kwargs)]
        return last[0]

    def demand(**fields):
        features[_key(fields)] = last[0]
        return build(**fields)

    pipeline.confidence_features, pipeline.Demand = remembering, demand  # type: ignore[assignment]
    return features


def _key(fields) -> tuple:
    get = fields.get if isinstance(fields, dict) else lambda name: getattr(fields, name)
    return tuple(get(name) for name in ("document", "evidence_start", "party", "issue", "stance", "note"))


def fit(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Logistic regression by Newton's method; the last weight is the bias."""
    design = np.hstack([x, np.ones((len(x), 1))])
    weights = np.zeros(design.shape[1])
    for _ in range(50):
        p = 1 / (1 + np.exp(-design @ weights))
        gradient = design.T @ (p - y) + L2 * np.r_[weights[:-1], 0]
        hessian = design.T @ (design * (p * (1 - p))[:, None]) + L2 * np.diag(np.r_[np.ones(len(weights) - 1), 0])
        step = np.linalg.solve(hessian, gradient)
        weights -= step
        if np.abs(step).max() < 1e-8:
            break
    return weights


def main() -> int:
    features = _record()
    embedder = get_embedder()
    rows: list[tuple[str, np.ndarray, bool]] = []
    for name in SETS:
        results, _ = evaluate(load_devset(ROOT / "tests" / name), embedder, min_confidence=0.0)
        for result in results:
            bad = {id(d) for d in result.false_alarms} | {id(d) for _, d in result.wrong}
            rows += [(name, features[_key(d)], id(d) not in bad) for d in result.extraction.demands]
    x = np.array([r[1] for r in rows])
    y = np.array([r[2] for r in rows], dtype=float)
    weights = fit(x, y)
    print(f"{len(rows)} demands, {int(y.sum())} right")
    print("CONFIDENCE_FEATURES =", pipeline.CONFIDENCE_FEATURES)
    print("CONFIDENCE_WEIGHTS = (" + ", ".join(f"{w:.2f}" for w in weights[:-1]) + ")")
    print(f"CONFIDENCE_BIAS = {weights[-1]:.2f}")
    confidence = 1 / (1 + np.exp(-(x @ weights[:-1] + weights[-1])))
    bands = (0.0, 0.3, 0.5, 0.7, 1.01)
    for name in SETS:
        mask = np.array([r[0] == name for r in rows])
        cells = []
        for low, high in zip(bands, bands[1:]):
            band = mask & (confidence >= low) & (confidence < high)
            cells.append(f"{low:.1f}-{min(high, 1):.1f}: {int(band.sum()):>3} at {y[band].mean() if band.any() else 0:.2f}")
        print(f"{name:<12}", " | ".join(cells))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
