"""Re-render time per control change, server side, against a bare baseline app in the same run.

Drives app.py with streamlit.testing.v1.AppTest (the script runs in this process, no browser),
so a figure is the time Streamlit needs to rerun the script and build every element after a
widget changes, which is what a user waits for before the browser can draw. The baseline is
the least a page with one st.dataframe and one plotly chart costs when a widget changes, timed
the same way; the ratio says what the dashboard adds over Streamlit itself.

Each scenario changes one control `--repeats` times. Values that were never shown before are
used where the control allows it (a new date, a new filter text), so those figures include
computing a comparison that no cache holds yet; panel switches and toggles revisit values
after their first round, so they show the cached path as well. Target: < 250 ms per change.

Usage: HF_HUB_OFFLINE=1 .venv/bin/python bench/rerender_bench.py [--repeats 7]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from streamlit.testing.v1 import AppTest

REPO_ROOT = Path(__file__).resolve().parents[1]
TARGET_MS = 250.0
TIMEOUT_S = 120.0
QUERY = {"negotiation": "russia-ukraine", "parties": "russia,ukraine", "as_of": "2025-06-04"}

BASELINE = '''
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

n = st.selectbox("rows", [20, 21, 22, 23, 24, 25, 26, 27])
table = pd.DataFrame({"issue": [f"Issue {i}" for i in range(n)], "a": np.arange(n) % 5 - 2,
                      "b": (np.arange(n) * 3) % 5 - 2, "text": ["statement " * 8] * n})
st.dataframe(table)
st.plotly_chart(go.Figure([go.Scatter(x=table["a"], y=table["issue"], mode="markers"),
                           go.Scatter(x=table["b"], y=table["issue"], mode="markers")]))
'''


def timed(at: AppTest, change: Callable[[AppTest], object]) -> float:
    """Apply one widget change, rerun, and return the milliseconds the rerun took."""
    change(at)
    start = time.perf_counter()
    at.run(timeout=TIMEOUT_S)
    elapsed = (time.perf_counter() - start) * 1000
    if at.exception:
        raise RuntimeError(f"the app raised: {at.exception[0].value}")
    return elapsed


def app() -> AppTest:
    at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=TIMEOUT_S)
    for key, value in QUERY.items():
        at.query_params[key] = value
    at.run()  # warm: imports, loading the YAML, the first comparison
    return at


def scenarios(repeats: int) -> dict[str, list[Callable[[AppTest], object]]]:
    """Scenario name -> one change per repeat."""
    panels = ["overlap", "diverge", "matrix", "map", "movement", "sources", "scorecard"]
    first = dt.date(2025, 5, 1)
    return {
        # Two rounds: the first visit to a panel builds its figures, the second finds them cached.
        "switch panel": [
            (lambda at, p=panels[n % len(panels)]: at.segmented_control[0].set_value(p)) for n in range(2 * len(panels))
        ],
        "new as-of date": [
            (lambda at, d=first + dt.timedelta(days=9 * n): at.sidebar.date_input[0].set_value(d)) for n in range(repeats)
        ],
        "latest on/off": [(lambda at, v=(n % 2 == 0): at.sidebar.toggle[0].set_value(v)) for n in range(repeats)],
        "add/remove party": [
            (lambda at, v=(["russia", "ukraine", "united-states"] if n % 2 == 0 else ["russia", "ukraine"]):
             at.sidebar.multiselect[0].set_value(v)) for n in range(repeats)
        ],
        "origin curated/both": [
            (lambda at, v=("both" if n % 2 == 0 else "curated"): at.sidebar.radio[0].set_value(v)) for n in range(repeats)
        ],
        "issue filter": [
            (lambda at, v=[["prisoners"], ["ceasefire", "territory"], ["alliances"], []][n % 4]:
             at.sidebar.multiselect[1].set_value(v)) for n in range(repeats)
        ],
    }


def sources_filter(repeats: int) -> list[Callable[[AppTest], object]]:
    words = ["ceasefire", "prisoner", "NATO", "sanction", "memorandum", "Crimea", "troops", "children"]
    return [(lambda at, w=words[n % len(words)] + str(n): at.text_input[0].set_value(w)) for n in range(repeats)]


def summary(values: list[float]) -> str:
    return f"median {statistics.median(values):7.1f} ms   max {max(values):7.1f} ms   (n={len(values)})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    os.chdir(REPO_ROOT)
    sys.path.insert(0, str(REPO_ROOT))

    baseline = AppTest.from_string(BASELINE, default_timeout=TIMEOUT_S)
    baseline.run()
    base = [timed(baseline, lambda at, n=n: at.selectbox[0].set_value(20 + (n + 1) % 8)) for n in range(args.repeats * 3)]

    results: dict[str, list[float]] = {}
    for name, changes in scenarios(args.repeats).items():
        at = app()
        results[name] = [timed(at, change) for change in changes]
    at = app()
    timed(at, lambda at: at.segmented_control[0].set_value("sources"))
    results["sources filter text"] = [timed(at, change) for change in sources_filter(args.repeats)]

    everything = [v for values in results.values() for v in values]
    print(f"{'baseline (dataframe + chart)':<30}{summary(base)}")
    for name, values in results.items():
        print(f"{name:<30}{summary(values)}")
    panels = ["overlap", "diverge", "matrix", "map", "movement", "sources", "scorecard"]
    visits = results["switch panel"]
    print("  panel switches, first visit / cached revisit (ms): " + ", ".join(
        f"{p} {first:.0f}/{again:.0f}" for p, first, again in zip(panels, visits, visits[len(panels):])))
    print(f"{'all dashboard changes':<30}{summary(everything)}")
    ratio = statistics.median(everything) / statistics.median(base)
    print(f"ratio of medians, dashboard / baseline: {ratio:.2f}x")
    worst = max(everything)
    verdict = "within" if worst < TARGET_MS else "OVER"
    print(f"slowest change {worst:.0f} ms: {verdict} the {TARGET_MS:.0f} ms target")
    print(f"torch imported: {'torch' in sys.modules}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
