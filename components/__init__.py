"""Streamlit panels: each module draws one part of the dashboard from data it is given.

No business logic lives here (that is `positions/`); widgets sit in `*_controls()` functions
that return plain values. Data text always goes through `components.text.md` before any
Markdown element, so a demand reading `<img src=x onerror=...>` shows as exactly that.
"""
