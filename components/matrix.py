"""Match matrix: how close in wording each statement of one party is to each of another's."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from positions.figures import SIMILARITY_CAPTION


def show(figure: go.Figure | None) -> None:
    st.info(
        "Similarity only matches topics: it says two statements are about the same thing, never that the "
        "parties agree. Agreement comes from stances, shown by the coloured dots."
    )
    if figure is None:
        st.warning("One of the two parties has no current statements in this selection.")
        return
    st.plotly_chart(figure, key="match-matrix")
    st.caption(SIMILARITY_CAPTION)
