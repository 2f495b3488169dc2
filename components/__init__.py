"""Streamlit panels: each module draws one part of the dashboard from data it is given.

No business logic lives here (that is `positions/`); widgets sit in `*_controls()` functions
that return plain values. Data text always goes through `components.text.md` before any
Markdown element, so a demand reading `<img src=x onerror=...>` shows as exactly that.
"""

from __future__ import annotations

import gc

_imports_frozen = False


def freeze_long_lived_objects() -> None:
    """Take everything imported so far out of Python's cyclic garbage collection, once per process.

    Modules (Streamlit's, pandas', plotly's, pydantic's, the app's) live as long as the server,
    yet every full collection scans their ~120k objects again: ~0.1 s of CPU each time, and
    Streamlit forces one after every run (runner.postScriptGC), holding the GIL while the server
    should be sending the browser its scripts. Frozen objects are still freed by reference
    counting; only reference cycles among them are never collected.
    """
    global _imports_frozen  # noqa: PLW0603 - the once-per-process flag
    if not _imports_frozen:
        gc.freeze()
        _imports_frozen = True


# This package is imported once per process, before the heavy libraries: freezing Streamlit's own
# objects now also makes the full collections that those imports trigger cheaper (~40 ms).
gc.freeze()
