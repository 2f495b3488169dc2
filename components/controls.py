"""The controls: sidebar filters, the panel switch and the party pair. Each returns plain values.

Widgets get no default argument: their session-state key is seeded from the view state the
URL asked for, once, and from then on the widget is the source of truth and the URL follows
it. Keys of widgets whose options belong to one negotiation carry its slug, so switching
negotiation starts them afresh instead of holding ids that mean nothing there.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from collections.abc import Mapping
from typing import Any

import streamlit as st

from components.text import md
from positions.schema import Negotiation
from positions.viewstate import ORIGINS, PANELS, NegotiationInfo, ViewState, clean_filter

PANEL_LABELS = {
    "scorecard": "At a glance",
    "overlap": "Where they overlap",
    "diverge": "Where they diverge",
    "matrix": "Match matrix",
    "map": "Map",
    "movement": "Over time",
    "sources": "Sources",
    "extract": "Extract",
}
ORIGIN_LABELS = {"curated": "Curated", "extracted": "Extracted", "both": "Both"}


def _seed(key: str, value: Any) -> str:
    """Give a widget its starting value from the view state, unless it already has one."""
    if key not in st.session_state:
        st.session_state[key] = value
    return key


def sidebar_controls(
    state: ViewState, negotiations: Mapping[str, Negotiation], infos: Mapping[str, NegotiationInfo]
) -> ViewState:
    """The filters in the sidebar; returns the view they describe."""
    bar = st.sidebar
    bar.header("Compare")
    slug = bar.selectbox(
        "Negotiation", list(negotiations), key=_seed("negotiation", state.negotiation),
        format_func=lambda s: negotiations[s].title,
    )
    if slug != state.negotiation:
        state = state.for_negotiation(infos[slug])
    negotiation = negotiations[slug]
    parties = {p.id: p for p in negotiation.parties}

    chosen = bar.multiselect(
        "Parties", list(parties), key=_seed(f"{slug}:parties", list(state.parties)),
        format_func=lambda p: parties[p].name + (" (mediator)" if parties[p].role == "mediator" else ""),
        help="Two parties, or several: with several, an issue's relation is that of its most divided pair.",
    )
    if len(chosen) >= 2:
        state = dataclasses.replace(state, parties=tuple(chosen))
    else:
        shown = " and ".join(md(parties[p].name) for p in state.parties)
        bar.warning(f"Pick at least two parties; still showing {shown}.")
    if state.pair and not set(state.pair) <= set(state.parties):
        state = dataclasses.replace(state, pair=None)

    state = dataclasses.replace(state, as_of=_as_of_controls(state, negotiation, slug))

    origin = bar.radio(
        "Demands", ORIGINS, key=_seed("origin", state.origin), format_func=ORIGIN_LABELS.get, horizontal=True,
        help="Curated: sourced and reviewed by hand. Extracted: found in documents by the model, with a confidence.",
    )
    confidence = state.min_confidence
    if origin != "curated":
        confidence = bar.slider(
            "Lowest confidence of extracted demands", 0.0, 1.0, step=0.05,
            key=_seed("min_confidence", state.min_confidence),
        )
    state = dataclasses.replace(state, origin=origin, min_confidence=confidence)

    issues = {i.id: i for i in negotiation.issues}
    picked_issues = bar.multiselect(
        "Issues", list(issues), key=_seed(f"{slug}:issues", list(state.issues or ())),
        format_func=lambda i: issues[i].label, placeholder="All issues",
    )
    documents = {d.id: d for d in sorted(negotiation.documents, key=lambda d: d.date)}
    picked_documents = bar.multiselect(
        "Documents", list(documents), key=_seed(f"{slug}:documents", list(state.documents or ())),
        format_func=lambda d: f"{documents[d].date.isoformat()} · {documents[d].title}",
        placeholder="All documents", help="Only demands from these documents count.",
    )
    return dataclasses.replace(
        state, issues=tuple(picked_issues) or None, documents=tuple(picked_documents) or None,
    )


def _as_of_controls(state: ViewState, negotiation: Negotiation, slug: str) -> dt.date | None:
    """None for the latest positions, else the day whose state of play to show."""
    latest = st.sidebar.toggle(
        "Latest positions", key=_seed(f"{slug}:latest", state.as_of is None),
        help="Off: positions as stated in documents up to a chosen date.",
    )
    if latest:
        return None
    dates = sorted(d.date for d in negotiation.documents) or [dt.date.today()]
    start = state.as_of or dates[-1]
    return st.sidebar.date_input(
        "Positions as of", key=_seed(f"{slug}:as_of", start),
        min_value=min(dates[0], start), max_value=max(dates[-1], dt.date.today(), start),
        format="YYYY-MM-DD",
    )


def panel_controls(state: ViewState) -> str:
    """The panel switch; a segmented control rather than st.tabs, because its value goes in the URL."""
    panel = st.segmented_control(
        "View", PANELS, key=_seed("panel", state.panel), format_func=PANEL_LABELS.get,
        required=True, label_visibility="collapsed", width="stretch",
    )
    return panel or state.panel


def pair_controls(state: ViewState, names: Mapping[str, str]) -> tuple[str, str] | None:
    """Which two parties a pairwise panel shows; only asked when there are more than two."""
    if len(state.parties) <= 2:
        return state.pair
    options = list(itertools.permutations(state.parties, 2))
    key = f"{state.negotiation}:pair"
    if st.session_state.get(key) not in options:
        st.session_state.pop(key, None)  # its parties were deselected since
    pair = st.selectbox(
        "Pair", options, key=_seed(key, state.active_pair),
        format_func=lambda p: f"{names[p[0]]} × {names[p[1]]}",
    )
    return None if pair == state.parties[:2] else pair


def filter_controls(state: ViewState) -> str:
    """Free text that narrows the sources table."""
    text = st.text_input(
        "Filter", key=_seed("source_filter", state.source_filter), max_chars=200,
        placeholder="Search text, party, issue, document, publisher…",
    )
    return clean_filter(text or "")
