"""Where they overlap: issues on which the parties point the same way, wording side by side."""

from __future__ import annotations

import streamlit as st

from components.statements import issue_heading, party_statements
from positions.compare import Comparison


def show(comparison: Comparison) -> None:
    items = comparison.by_relation("overlap") + comparison.by_relation("partial")
    st.markdown(
        "Issues where every pair of parties points the same way on the motion. "
        ":orange-badge[partial] means the same direction with a different degree or a condition attached."
    )
    if not items:
        st.info("No shared ground in this selection.")
        return
    documents = comparison.negotiation.documents_by_id()
    for item in items:
        with st.container(border=True):
            issue_heading(item)
            for column, party in zip(st.columns(len(comparison.parties)), comparison.parties):
                with column:
                    party_statements(party, item.positions.get(party.id), documents)
