"""Share and export: the link that reopens this view, and the briefing as Markdown or HTML."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from positions.brief import brief_html, brief_markdown
from positions.compare import Comparison


def show(comparison: Comparison, link: str, data_version: str, file_stem: str) -> None:
    """Drawn in the sidebar. Briefings are built only when a button is clicked (the HTML one
    inlines plotly.js, megabytes a rerun should not pay for)."""
    bar = st.sidebar
    bar.header("Share and export")
    bar.caption("This link reopens exactly this view:")
    bar.code(link, language=None, wrap_lines=True)
    today = dt.date.today()
    bar.download_button(
        "Briefing (Markdown)",
        data=lambda: brief_markdown(comparison, link=link, data_version=data_version, generated=today),
        file_name=f"{file_stem}-briefing.md", mime="text/markdown", icon=":material/description:",
        on_click="ignore", width="stretch",
    )
    bar.download_button(
        "Briefing (HTML, opens offline)",
        data=lambda: brief_html(comparison, link=link, data_version=data_version, generated=today),
        file_name=f"{file_stem}-briefing.html", mime="text/html", icon=":material/public:",
        on_click="ignore", width="stretch",
    )
