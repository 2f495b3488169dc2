"""Cached data and figures for the panels: negotiations, comparisons, timelines, vectors.

Every cache is keyed by slug + data version (a content hash of the YAML files), so an edited
file is picked up on the next run, plus only the view fields the result depends on, so
changing the panel or the sources filter reuses the comparison. Frozen domain objects
(negotiations, comparisons, vectors) and figures sit in st.cache_resource: nothing mutates
them, and st.cache_data would unpickle a fresh copy on every rerun. Building a plotly figure
costs 10-150 ms, most of a rerun, so figures are cached too. DataFrames, which a panel
could mutate, sit in st.cache_data.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import streamlit as st

from positions import embedding, figures, timeline
from positions.compare import Comparison, IssueComparison, Relation, compare, similarity_matrix
from positions.export import sources_table
from positions.schema import Demand
from positions.store import (
    DATA_ROOT, LoadResult, data_version, list_negotiations, load_negotiation, negotiation_folder,
)
from positions.viewstate import ViewState

DATA_ROOT_ENV = "POSITIONS_DATA_ROOT"

# Every figure of the app asks for the same plotly template (positions.figures sets it on each).
# Making it plotly's default too means a fresh server builds one template, not plotly's own first
# and then this one, before its first figure: ~25 ms of CPU off the way to the first scorecard.
# The figures come out the same.
pio.templates.default = figures._TEMPLATE  # noqa: SLF001


def data_root() -> Path:
    """Where the negotiation folders are: $POSITIONS_DATA_ROOT (tests, a deployment's own data) or data/."""
    return Path(os.environ.get(DATA_ROOT_ENV) or DATA_ROOT)


def folder(slug: str) -> Path:
    """A negotiation's folder under the data root (it may not exist yet)."""
    return negotiation_folder(slug, data_root())


def selection_view(state: ViewState) -> ViewState:
    """The state without the fields that only change presentation: the key of a comparison."""
    return dataclasses.replace(state, panel="scorecard", pair=None, source_filter="", review=None, data_version=None)


@st.cache_resource(show_spinner=False, max_entries=32)
def load(slug: str, version: str) -> LoadResult:
    """One negotiation folder, loaded and validated; `version` (a content hash) keys the cache."""
    return load_negotiation(slug, data_root())


def load_all() -> dict[str, LoadResult]:
    """Every negotiation under data/, by slug. Hashing the YAML each run is ~1 ms for the bundled data."""
    root = data_root()
    return {slug: load(slug, data_version(negotiation_folder(slug, root))) for slug in list_negotiations(root)}


@st.cache_resource(show_spinner=False, max_entries=256)
def comparison(slug: str, version: str, view: ViewState) -> Comparison:
    negotiation = load(slug, version).negotiation
    assert negotiation is not None  # the app only asks for negotiations that loaded
    return compare(negotiation, view.selection())


@st.cache_data(show_spinner=False, max_entries=256)
def sources(slug: str, version: str, view: ViewState) -> pd.DataFrame:
    return sources_table(comparison(slug, version, view))


@st.cache_data(show_spinner=False, max_entries=128)
def stance_timeline(slug: str, version: str, view: ViewState) -> pd.DataFrame:
    negotiation = load(slug, version).negotiation
    assert negotiation is not None
    return timeline.stance_timeline(negotiation, view.selection())


@st.cache_data(show_spinner=False, max_entries=128)
def movement_summary(slug: str, version: str, view: ViewState, a: str, b: str) -> list[dict[str, object]]:
    negotiation = load(slug, version).negotiation
    assert negotiation is not None
    return timeline.movement_summary(negotiation, view.selection(), a, b)


@st.cache_resource(show_spinner=False)
def embedder() -> embedding.Embedder:
    """The process-wide embedder; it loads torch only if a text misses the shipped cache."""
    return embedding.get_embedder()


@st.cache_resource(show_spinner="Embedding the statements (first time only)…", max_entries=16)
def vectors(slug: str, version: str) -> dict[str, np.ndarray]:
    """Demand id -> unit vector. May raise embedding.ModelUnavailableError."""
    negotiation = load(slug, version).negotiation
    assert negotiation is not None
    ids, matrix = embedding.vectors_for(negotiation, embedder())
    return dict(zip(ids, matrix))


@st.cache_resource(show_spinner=False, max_entries=16)
def map_coordinates(slug: str, version: str) -> dict[str, np.ndarray]:
    """Demand id -> 2-D point. Projected once over all demands, so filtering never moves a point."""
    by_id = vectors(slug, version)
    ids = list(by_id)
    if not ids:
        return {}
    coords = figures.project_2d(np.stack([by_id[i] for i in ids]))
    return dict(zip(ids, coords))


# --- figures ------------------------------------------------------------------------------


@st.cache_resource(show_spinner=False, max_entries=256)
def scorecard_figure(slug: str, version: str, view: ViewState) -> go.Figure:
    return figures.scorecard_figure(comparison(slug, version, view))


@st.cache_resource(show_spinner=False, max_entries=256)
def stance_strips(slug: str, version: str, view: ViewState, issues: tuple[str, ...]) -> dict[str, go.Figure]:
    """Issue id -> stance strip, for the given issues."""
    compared = comparison(slug, version, view)
    return {i.issue.id: figures.stance_strip(i, compared.parties) for i in compared.issues if i.issue.id in issues}


@st.cache_resource(show_spinner=False, max_entries=128)
def match_figure(slug: str, version: str, view: ViewState, pair: tuple[str, str]) -> go.Figure | None:
    """The match matrix of two parties' current statements; None if either has none."""
    compared = comparison(slug, version, view)
    by_id = vectors(slug, version)
    a, b = pair
    demands_a = [d for d in current_demands(compared, a) if d.id in by_id]
    demands_b = [d for d in current_demands(compared, b) if d.id in by_id]
    if not demands_a or not demands_b:
        return None
    similarity = similarity_matrix(
        np.stack([by_id[d.id] for d in demands_a]), np.stack([by_id[d.id] for d in demands_b])
    )
    relations = {item.issue.id: pair_relation(item, a, b).kind for item in compared.issues}
    parties = {p.id: p for p in compared.parties}
    return figures.match_matrix(demands_a, demands_b, similarity, relations, parties[a], parties[b])


@st.cache_resource(show_spinner=False, max_entries=128)
def map_figure(slug: str, version: str, view: ViewState) -> go.Figure | None:
    """Every statement of the selection on the fixed 2-D map; None if there is none."""
    compared = comparison(slug, version, view)
    coordinates = map_coordinates(slug, version)
    demands = [d for d in compared.demands if d.id in coordinates]
    if not demands:
        return None
    negotiation = compared.negotiation
    return figures.demand_map(
        demands, np.stack([coordinates[d.id] for d in demands]), compared.parties,
        negotiation.documents_by_id(), {i.id: i.label for i in negotiation.issues},
    )


@st.cache_resource(show_spinner=False, max_entries=128)
def movement_figures(slug: str, version: str, view: ViewState, pair: tuple[str, str]) -> tuple[go.Figure, go.Figure]:
    """(gap between the pair over time, every party's stance over time)."""
    compared = comparison(slug, version, view)
    frame = stance_timeline(slug, version, view)
    parties = {p.id: p for p in compared.parties}
    labels = {i.id: i.label for i in compared.negotiation.issues}
    return (
        figures.gap_figure(frame, (parties[pair[0]], parties[pair[1]]), labels),
        figures.movement_figure(frame, compared.parties, labels),
    )


def current_demands(compared: Comparison, party: str) -> list[Demand]:
    """The statements that make up a party's current positions, in the scorecard's issue order."""
    return [d for item in compared.issues if (pos := item.positions.get(party)) for d in pos.demands]


def pair_relation(item: IssueComparison, a: str, b: str) -> Relation:
    """The relation of two parties on an issue, whichever order the comparison stored them in."""
    return item.pairs.get((a, b)) or item.pairs[(b, a)]
