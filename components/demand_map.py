"""Map: every statement placed by meaning, so clusters of related demands stand out."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st


def show(figure: go.Figure | None) -> None:
    st.info("Nearby points are about similar things; the map says nothing about whether the parties agree.")
    if figure is None:
        st.warning("No statements to map in this selection.")
        return
    st.plotly_chart(figure, key="demand-map")
    st.caption(
        "Two-dimensional projection (PCA) of sentence embeddings of every statement in the selection, "
        "older statements included; the layout is fixed per dataset, so filtering never moves a point."
    )
