"""Over time: how each party's stance moved, and whether a pair moved closer or apart."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from components.text import md

MOVEMENT_COLOURS = {"closer": "green", "further apart": "red", "unchanged": "gray"}


def show(names: tuple[str, str], summary: list[dict[str, object]], gap: go.Figure, stances: go.Figure) -> None:
    """The pair's movement per issue in words, then the gap and stance figures."""
    st.markdown(f"##### Did {md(names[0])} and {md(names[1])} move closer?")
    if summary:
        st.markdown("\n".join(_summary_line(row) for row in summary))
    else:
        st.caption("They never both stated a position on the same issue in this selection.")
    st.plotly_chart(gap, key="gap-figure")
    st.plotly_chart(stances, key="movement-figure")


def _summary_line(row: dict[str, object]) -> str:
    movement = str(row["movement"])
    colour = MOVEMENT_COLOURS.get(movement, "gray")
    return (
        f"- **{md(row['label'])}**: :{colour}[{md(movement)}], distance {row['from_distance']:.1f} "
        f"({row['from_date']}) → {row['to_distance']:.1f} ({row['to_date']})"
    )
