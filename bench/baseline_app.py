"""Baseline for bench/startup_bench.py: the least a Streamlit page with a table and a chart costs.

The dashboard's start-up is judged against this page, run in the same bench run on the same
machine, so the ratio says what the dashboard adds over Streamlit itself.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

st.set_page_config(page_title="Baseline", layout="wide")
st.title("Baseline")

# Roughly the scorecard's shape: a dozen issues, a relation and two stances each.
table = pd.DataFrame(
    {
        "issue": [f"Issue {n}" for n in range(12)],
        "relation": ["overlap", "divergence", "partial", "one_sided"] * 3,
        "party A": [2, -2, 1, None] * 3,
        "party B": [2, 2, 2, 1] * 3,
    }
)
st.table(table)

figure = go.Figure(go.Bar(x=table["issue"], y=table["party A"].fillna(0), name="party A"))
figure.add_bar(x=table["issue"], y=table["party B"], name="party B")
st.plotly_chart(figure)
