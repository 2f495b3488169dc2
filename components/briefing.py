"""Share and export: the link that reopens this view, and the briefing as Markdown or HTML."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from positions.compare import Comparison


def show(comparison: Comparison, link: str, data_version: str, file_stem: str) -> None:
    """Drawn in the sidebar, below the controls.

    The link's code box (with its copy button) sits in a popover: a popover's content is only
    drawn when opened, and st.code pulls in a 1.5 MB syntax highlighter the browser would
    otherwise download and parse before the first scorecard appears. Briefings are built only
    when a button is clicked (the HTML one inlines plotly.js, megabytes a rerun should not pay
    for), and positions.brief is imported only then too.
    """
    bar = st.sidebar
    bar.header("Share and export")
    with bar.popover("Link to this view", icon=":material/link:", width="stretch"):
        st.caption("This link reopens exactly this view:")
        st.code(link, language=None, wrap_lines=True)
    today = dt.date.today()
    bar.download_button(
        "Briefing (Markdown)",
        data=lambda: _brief().brief_markdown(comparison, link=link, data_version=data_version, generated=today),
        file_name=f"{file_stem}-briefing.md", mime="text/markdown", icon=":material/description:",
        on_click="ignore", width="stretch",
    )
    bar.download_button(
        "Briefing (HTML, opens offline)",
        data=lambda: _brief().brief_html(comparison, link=link, data_version=data_version, generated=today),
        file_name=f"{file_stem}-briefing.html", mime="text/html", icon=":material/public:",
        on_click="ignore", width="stretch",
    )


def _brief():  # noqa: ANN202 - the module
    from positions import brief

    return brief
