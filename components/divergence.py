"""Where they diverge: for one pair of parties, the issues on which they point opposite ways."""

from __future__ import annotations

from collections.abc import Mapping

import plotly.graph_objects as go
import streamlit as st

from components.data import pair_relation
from components.statements import issue_heading, party_statements
from components.text import md
from positions.compare import Comparison, IssueComparison


def diverging(comparison: Comparison, pair: tuple[str, str]) -> list[IssueComparison]:
    """Issues on which the pair takes opposite sides, widest gap first."""
    a, b = pair
    found = []
    for item in comparison.issues:
        relation = pair_relation(item, a, b)
        if relation.kind == "divergence":
            found.append((-(relation.distance or 0.0), item))
    return [item for _, item in sorted(found, key=lambda f: f[0])]


def show(comparison: Comparison, pair: tuple[str, str], strips: Mapping[str, go.Figure]) -> None:
    """Opposing statements side by side, the conditions each side attaches, and the stance strip."""
    a, b = pair
    parties = {p.id: p for p in comparison.parties}
    items = diverging(comparison, pair)
    st.markdown(
        f"Issues where **{md(parties[a].name)}** and **{md(parties[b].name)}** take opposite sides of the motion, "
        "widest gap first."
    )
    if not items:
        st.info("These two parties take no opposite sides in this selection.")
        return
    documents = comparison.negotiation.documents_by_id()
    for item in items:
        relation = pair_relation(item, a, b)
        with st.container(border=True):
            issue_heading(item, relation.kind, relation.distance)
            left, right = st.columns(2)
            with left:
                party_statements(parties[a], item.positions.get(a), documents)
            with right:
                party_statements(parties[b], item.positions.get(b), documents)
            if item.issue.id in strips:
                st.plotly_chart(strips[item.issue.id], key=f"strip-{item.issue.id}")
