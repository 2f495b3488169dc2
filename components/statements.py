"""A party's statements on one issue, with the source of each: shared by the overlap and
divergence panels, so every line shown there is one click from its document."""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st

from components.scorecard import badge, stance_words
from components.text import md, md_link
from positions.compare import IssueComparison, Position
from positions.schema import Document, Party


def issue_heading(item: IssueComparison, relation: str | None = None, distance: float | None = None) -> None:
    """The issue label, its relation badge and distance, and the motion the stances refer to."""
    kind = relation or item.relation.kind
    gap = item.relation.distance if relation is None else distance
    st.markdown(f"#### {md(item.issue.label)}")
    st.markdown(
        badge(kind) + (f" distance **{gap:.1f}** of 4" if gap is not None else "")
        + " · Motion: *" + md(item.issue.motion) + "*"
    )


def party_statements(party: Party, position: Position | None, documents: Mapping[str, Document]) -> None:
    """What one party says on the issue, its stance, conditions and sources."""
    st.markdown(f"**{md(party.name)}**")
    if position is None:
        st.caption("No stated position in this selection.")
        return
    st.markdown(f"Stance: **{stance_words(position.stance)}**")
    for demand in position.demands:
        st.markdown(md(demand.text))
        if demand.quote:
            st.caption("“" + md(demand.quote, 400) + "”")
        if demand.condition:
            st.markdown(":orange[Condition:] " + md(demand.condition))
        if demand.origin == "extracted" and demand.confidence is not None:
            st.caption(f"Extracted by {md(demand.model or 'model')}, confidence {demand.confidence:.2f}")
        st.caption(source_line(documents.get(demand.document), demand.document))


def source_line(document: Document | None, document_id: str) -> str:
    """The source as one escaped line: linked title, date, publisher, certainty if not verified."""
    if document is None:
        return "Source: " + md(document_id)
    parts = [md_link(document.title, document.url), document.date.isoformat()]
    if document.publisher:
        parts.append(md(document.publisher))
    if document.certainty != "verified":
        parts.append(f"certainty: {md(document.certainty)}")
    return "Source: " + " · ".join(parts)
