"""Fixtures for AppTest tests: the bundled data, and helpers that run a panel or the whole app."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from positions.compare import Comparison, Selection, compare
from positions.schema import Negotiation
from positions.store import load_negotiation

REPO_ROOT = Path(__file__).resolve().parents[2]
# AppTest runs scripts in this process; they import components/ and positions/ from the repo root.
sys.path.insert(0, str(REPO_ROOT))
TIMEOUT_S = 30  # AppTest's default of 3 s is too short for a first run that imports plotly
FIRST_ROUND = dt.date(2025, 6, 4)


@pytest.fixture(scope="session")
def negotiation() -> Negotiation:
    result = load_negotiation("russia-ukraine")
    assert result.negotiation is not None, [str(e) for e in result.errors]
    return result.negotiation


@pytest.fixture(scope="session")
def first_round(negotiation: Negotiation) -> Comparison:
    """Russia and Ukraine as of 4 June 2025, just after the memoranda of the second Istanbul round."""
    return compare(negotiation, Selection(parties=("russia", "ukraine"), as_of=FIRST_ROUND))


def run_panel(script: Callable[..., Any], *args: Any) -> AppTest:
    """Run a function that draws a panel, and fail on any exception it shows."""
    at = AppTest.from_function(script, args=args, default_timeout=TIMEOUT_S)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def run_app(**params: str | list[str]) -> AppTest:
    """Run app.py as a browser opening ?params would, and fail on any exception it shows."""
    at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=TIMEOUT_S)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def texts(at: AppTest) -> list[str]:
    """Every Markdown source the page shows: markdown, captions, alerts, headings, table cells."""
    found = [e.value for kind in ("markdown", "caption", "info", "warning", "error", "title", "subheader")
             for e in getattr(at, kind)]
    for table in at.table:
        frame = table.value
        found += [str(c) for c in frame.columns] + [str(v) for v in frame.to_numpy().ravel()]
    return found
