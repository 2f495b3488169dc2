"""At a glance: one row per issue, shared ground first, each party's stance and the relation."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from components.text import md
from positions.compare import Comparison, Position
from positions.figures import RELATION_LABELS

# Streamlit badge colours for the relation kinds (same hues as figures.RELATION_COLOURS).
BADGE_COLOURS = {"overlap": "green", "partial": "orange", "divergence": "red", "one_sided": "gray"}
COUNT_LABELS = {"overlap": "Overlap", "partial": "Partial", "divergence": "Diverge", "one_sided": "One side only"}


def badge(kind: str) -> str:
    """A relation as a coloured Markdown badge (fixed text, never data)."""
    return f":{BADGE_COLOURS[kind]}-badge[{RELATION_LABELS[kind]}]"


def stance_words(stance: float) -> str:
    """-2..+2 as a number a reader can say out loud: "+2 strongly for", "−1 against"."""
    size = abs(stance)
    word = "neutral" if size < 0.5 else ("strongly " if size >= 1.5 else "") + ("for" if stance > 0 else "against")
    number = f"{stance:+.1f}".replace(".0", "").replace("-", "−") if stance else "0"
    return f"{number} {word}"


def _cell(position: Position | None) -> str:
    if position is None:
        return "—"
    first = position.demands[0]
    cell = f"**{stance_words(position.stance)}** · {md(first.text, 110)}"
    if len(position.demands) > 1:
        cell += f" \\(\\+{len(position.demands) - 1} more\\)"
    if position.conditions:
        cell += " · *if:* " + md(position.conditions[0], 70)
    return cell


def scorecard_table(comparison: Comparison) -> pd.DataFrame:
    """The rows of the at-a-glance table, as Markdown cells with all data text escaped."""
    rows = []
    for item in comparison.issues:
        row = {"Issue": f"**{md(item.issue.label)}**", "Relation": badge(item.relation.kind)}
        for party in comparison.parties:
            row[md(party.name)] = _cell(item.positions.get(party.id))
        distance = item.relation.distance
        row["Distance"] = "—" if distance is None else f"{distance:.1f}"
        rows.append(row)
    return pd.DataFrame(rows)


def show(comparison: Comparison, figure: go.Figure) -> None:
    """Counts per relation, the table, the figure and the motions the stances refer to."""
    columns = st.columns(4)
    for column, kind in zip(columns, COUNT_LABELS):
        column.metric(COUNT_LABELS[kind], len(comparison.by_relation(kind)))
    if not comparison.issues:
        st.info("No stated positions for these parties in this selection.")
        return
    st.table(scorecard_table(comparison), hide_index=True, border="horizontal")
    st.caption(
        "Stance on each issue's motion, from −2 (strongly against) to +2 (strongly for). "
        "Distance: 0 = same stance, 4 = opposite extremes. With several parties, an issue's relation "
        "is that of its most divided pair."
    )
    st.plotly_chart(figure, key="scorecard-figure")
    with st.expander("What each stance refers to: the motions"):
        st.markdown("\n".join(f"- **{md(i.issue.label)}**: {md(i.issue.motion)}" for i in comparison.issues))
