"""Figures: the right traces, in the parties' colours, with the wording on hover and data text escaped."""

from __future__ import annotations

import datetime as dt

import numpy as np
import plotly.graph_objects as go
import pytest

from positions.compare import Selection, compare, similarity_matrix
from positions.embedding import HashingEmbedder
from positions.figures import (
    RELATION_COLOURS,
    demand_map,
    gap_figure,
    match_matrix,
    movement_figure,
    project_2d,
    scorecard_figure,
    stance_strip,
)
from positions.schema import Demand, Document, Issue, Negotiation, Party
from positions.timeline import stance_timeline

NORTH = Party(id="north", name="North", colour="#c0392b")
SOUTH = Party(id="south", name="South", colour="#0057b7")
MEDIATOR = Party(id="west", name="West", role="mediator", colour="#7b3fa0")
JUNE = dt.date(2025, 6, 2)
DECEMBER = dt.date(2025, 12, 1)


def _negotiation(extra: tuple[Demand, ...] = ()) -> Negotiation:
    documents = (
        Document(id="n-june", title="North memo", party="north", date=JUNE, kind="memorandum", url="https://example.org/n"),
        Document(id="s-june", title="South memo", party="south", date=JUNE, kind="memorandum", url="https://example.org/s"),
        Document(id="s-dec", title="South plan", party="south", date=DECEMBER, kind="plan", url="https://example.org/s2"),
    )
    demands = (
        Demand(id="n-pow", party="north", document="n-june", issue="prisoners", stance=2, text="All-for-all exchange"),
        Demand(id="s-pow", party="south", document="s-june", issue="prisoners", stance=2,
               text="All-for-all exchange of prisoners of war"),
        Demand(id="n-cf", party="north", document="n-june", issue="ceasefire", stance=-2,
               text="No ceasefire before withdrawal", condition="only after the South withdraws"),
        Demand(id="s-cf", party="south", document="s-june", issue="ceasefire", stance=2, text="Immediate ceasefire"),
        Demand(id="s-army-june", party="south", document="s-june", issue="army", stance=2, text="No limits on our army"),
        Demand(id="s-army-dec", party="south", document="s-dec", issue="army", stance=-1, text="An army of 800,000"),
        Demand(id="n-army", party="north", document="n-june", issue="army", stance=-2, text="A cap on the South's army"),
        Demand(id="n-lang", party="north", document="n-june", issue="language", stance=2, text="Official status for our language"),
        *extra,
    )
    return Negotiation(
        slug="test",
        title="Test",
        parties=(NORTH, SOUTH, MEDIATOR),
        issues=(
            Issue(id="prisoners", label="Prisoners", motion="All prisoners are exchanged, all for all."),
            Issue(id="ceasefire", label="Ceasefire", motion="An immediate ceasefire takes effect."),
            Issue(id="army", label="Army", motion="The South's army faces no limits."),
            Issue(id="language", label="Language", motion="The North's language gets official status."),
        ),
        documents=documents,
        demands=demands,
    )


def _comparison(negotiation: Negotiation | None = None, **selection: object):
    return compare(negotiation or _negotiation(), Selection(parties=("north", "south"), **selection))


def _item(comparison, issue: str):
    return next(i for i in comparison.issues if i.issue.id == issue)


def _party_traces(fig: go.Figure, names: set[str]) -> list[go.Scatter]:
    return [t for t in fig.data if t.name in names]


def test_stance_strip_puts_divergent_parties_on_opposite_sides() -> None:
    comparison = _comparison()
    fig = stance_strip(_item(comparison, "ceasefire"), comparison.parties)
    assert isinstance(fig, go.Figure)
    north, south = _party_traces(fig, {"North"}), _party_traces(fig, {"South"})
    assert north[0].x[0] < 0 < south[0].x[0]
    assert north[0].marker.color == NORTH.colour and south[0].marker.color == SOUTH.colour
    assert "No ceasefire before withdrawal" in north[0].hovertext[0]
    assert "only after the South withdraws" in north[0].hovertext[0]
    labels = {a.text for a in fig.layout.annotations}
    assert {"← against the motion", "for the motion →"} <= labels
    assert "An immediate ceasefire takes effect." in fig.layout.title.subtitle.text
    assert [fig.layout.xaxis.range[0], fig.layout.xaxis.range[1]] == [-2.5, 2.5]


def test_stance_strip_names_a_silent_party_and_separates_equal_stances() -> None:
    comparison = compare(_negotiation(), Selection(parties=("north", "south", "west")))
    fig = stance_strip(_item(comparison, "prisoners"), comparison.parties)
    assert len(fig.data) == 2
    assert fig.data[0].x[0] == fig.data[1].x[0] == 2 and fig.data[0].y[0] != fig.data[1].y[0]
    assert any("No stated position: West" in a.text for a in fig.layout.annotations)


def test_scorecard_has_one_row_per_issue_in_comparison_order() -> None:
    comparison = _comparison()
    fig = scorecard_figure(comparison)
    assert list(fig.layout.yaxis.ticktext) == [i.issue.label for i in comparison.issues]
    assert comparison.issues[0].relation.kind == "overlap"
    north, south = _party_traces(fig, {"North"})[0], _party_traces(fig, {"South"})[0]
    assert north.marker.color == NORTH.colour and south.marker.color == SOUTH.colour
    assert len(north.x) == 4 and len(south.x) == 3  # South never spoke on language
    relation_notes = {a.text.split(" · ")[0]: a.font.color for a in fig.layout.annotations}
    assert relation_notes["overlap"] == RELATION_COLOURS["overlap"]
    assert relation_notes["divergence"] == RELATION_COLOURS["divergence"]
    assert relation_notes["one-sided"] == RELATION_COLOURS["one_sided"]
    assert any("divergence · 4.0" == a.text for a in fig.layout.annotations)
    gap_bars = {t.name: t.line.color for t in fig.data if t.mode == "lines"}
    assert gap_bars["divergence"] == RELATION_COLOURS["divergence"]


def test_relation_colours_cover_every_relation() -> None:
    assert set(RELATION_COLOURS) == {"overlap", "partial", "divergence", "one_sided"}


def test_scorecard_of_nothing_is_an_empty_figure_not_an_error() -> None:
    fig = scorecard_figure(_comparison(as_of=dt.date(2020, 1, 1)))
    assert not fig.data and "No stated positions" in fig.layout.annotations[0].text


def _matrix_inputs():
    negotiation = _negotiation()
    north = [d for d in negotiation.demands if d.party == "north"]
    south = [d for d in negotiation.demands if d.party == "south"]
    embedder = HashingEmbedder()
    similarity = similarity_matrix(embedder.embed([d.text for d in north]), embedder.embed([d.text for d in south]))
    relations = {i.issue.id: i.relation.kind for i in _comparison(negotiation).issues}
    return north, south, similarity, relations


def test_match_matrix_shows_cosine_and_marks_same_issue_cells_by_relation() -> None:
    north, south, similarity, relations = _matrix_inputs()
    fig = match_matrix(north, south, similarity, relations, NORTH, SOUTH, {"prisoners": "Prisoners"})
    heatmap = fig.data[0]
    assert isinstance(heatmap, go.Heatmap)
    np.testing.assert_allclose(np.array(heatmap.z), similarity)
    hover = heatmap.text[0][0]
    assert north[0].text in hover and south[0].text in hover and f"{similarity[0, 0]:.2f}" in hover
    assert "(Prisoners)" in hover and "same issue, overlap" in hover
    marked = {t.name: (t.marker.color, list(zip(t.x, t.y))) for t in fig.data[1:]}
    # (column, row): prisoners North 0 × South 0, ceasefire 1 × 1; army is partial as of South's latest
    # stance, and both of South's army demands (June and December) sit on that issue.
    assert marked["same issue: overlap"] == (RELATION_COLOURS["overlap"], [(0, 0)])
    assert marked["same issue: divergence"] == (RELATION_COLOURS["divergence"], [(1, 1)])
    assert marked["same issue: partial"] == (RELATION_COLOURS["partial"], [(2, 2), (3, 2)])
    assert "not whether the parties agree" in fig.layout.title.subtitle.text


def test_match_matrix_refuses_a_matrix_of_the_wrong_shape() -> None:
    north, south, similarity, relations = _matrix_inputs()
    with pytest.raises(ValueError, match="expected"):
        match_matrix(north, south, similarity[:, :2], relations, NORTH, SOUTH)


def test_demand_map_colours_by_party_and_marks_extracted_demands() -> None:
    extracted = Demand(
        id="s-cf-x", party="south", document="s-dec", issue="ceasefire", stance=2, text="A full ceasefire now",
        origin="extracted", confidence=0.71, evidence="We want a full ceasefire now.", model="test-model",
    )
    negotiation = _negotiation((extracted,))
    demands = list(negotiation.demands)
    coords = project_2d(HashingEmbedder().embed([d.text for d in demands]))
    fig = demand_map(demands, coords, negotiation.parties, negotiation.documents_by_id(),
                     {i.id: i.label for i in negotiation.issues})
    traces = {t.name: t for t in fig.data}
    assert set(traces) == {"North · curated", "South · curated", "South · extracted"}
    assert traces["South · extracted"].marker.symbol == "diamond"
    assert traces["North · curated"].marker.symbol == "circle"
    assert traces["North · curated"].marker.color == NORTH.colour
    hover = traces["South · extracted"].hovertext[0]
    assert "A full ceasefire now" in hover and "Ceasefire" in hover and "South plan, 2025-12-01" in hover
    assert "confidence 0.71" in hover
    assert sum(len(t.x) for t in fig.data) == len(demands)


def test_project_2d_is_deterministic_and_stable_under_row_order() -> None:
    vectors = np.random.default_rng(7).normal(size=(9, 16))
    coords = project_2d(vectors)
    assert coords.shape == (9, 2)
    np.testing.assert_array_equal(coords, project_2d(vectors.copy()))
    order = np.random.default_rng(8).permutation(9)
    np.testing.assert_allclose(project_2d(vectors[order]), coords[order], atol=1e-9)
    # Points already in a plane keep their pairwise distances.
    flat = np.random.default_rng(9).normal(size=(6, 2))
    flat_coords = project_2d(flat)
    distances = lambda p: np.linalg.norm(p[:, None] - p[None, :], axis=-1)  # noqa: E731
    np.testing.assert_allclose(distances(flat_coords), distances(flat), atol=1e-9)


@pytest.mark.parametrize("n", [0, 1, 2])
def test_project_2d_handles_fewer_than_three_points(n: int) -> None:
    coords = project_2d(np.arange(n * 4, dtype=float).reshape(n, 4))
    assert coords.shape == (n, 2) and np.isfinite(coords).all()
    if n == 2:
        assert coords[0, 0] == pytest.approx(-coords[1, 0]) and coords[0, 0] != 0 and not coords[:, 1].any()


def test_movement_figure_has_a_panel_per_issue_and_a_line_per_party() -> None:
    negotiation = _negotiation()
    df = stance_timeline(negotiation, Selection(parties=("north", "south")))
    labels = {i.id: i.label for i in negotiation.issues}
    fig = movement_figure(df, [NORTH, SOUTH], labels)
    assert [a.text for a in fig.layout.annotations] == ["Prisoners", "Ceasefire", "Army", "Language"]
    assert len(fig.data) == 7  # two parties on three issues, North alone on language
    assert sum(t.showlegend for t in fig.data) == 2

    army = movement_figure(df, [NORTH, SOUTH], labels, issue="army")
    south = next(t for t in army.data if t.name == "South")
    assert list(south.y) == [2.0, -1.0] and list(south.x) == [JUNE, DECEMBER]
    assert south.line.color == SOUTH.colour and south.line.shape == "hv"
    assert "An army of 800,000" in south.hovertext[1] and "South plan" in south.hovertext[1]
    north = next(t for t in army.data if t.name == "North")
    assert list(north.marker.symbol) == ["circle", "circle-open"]  # nothing new from North in December


def test_gap_figure_shows_the_pair_moving_closer() -> None:
    df = stance_timeline(_negotiation(), Selection(parties=("north", "south")))
    fig = gap_figure(df, (NORTH, SOUTH), {"army": "Army", "prisoners": "Prisoners", "ceasefire": "Ceasefire"})
    # Language is one-sided (only North spoke): there is no distance to draw, so no row.
    assert list(fig.layout.yaxis.ticktext) == ["Prisoners", "Ceasefire", "Army"]
    traces = {t.name: t for t in fig.data if t.name}
    assert {name: t.marker.color for name, t in traces.items()} == {
        k: RELATION_COLOURS[k] for k in ("overlap", "partial", "divergence")}
    army_row = 2
    divergent = [(x, text) for x, y, text in zip(traces["divergence"].x, traces["divergence"].y, traces["divergence"].text)
                 if y == army_row]
    partial = list(zip(traces["partial"].x, traces["partial"].y, traces["partial"].text))
    assert divergent == [(JUNE, "4.0")] and partial == [(DECEMBER, army_row, "1.0")]
    assert "North -2, South -1" in traces["partial"].hovertext[0]


def test_data_text_is_escaped_in_every_figure() -> None:
    hostile = Demand(id="n-x", party="north", document="n-june", issue="army", stance=-2,
                     text="<img src=x onerror=alert(1)> & more")
    negotiation = _negotiation((hostile,))
    comparison = _comparison(negotiation)
    north = [d for d in negotiation.demands if d.party == "north"]
    south = [d for d in negotiation.demands if d.party == "south"]
    figures = [
        stance_strip(_item(comparison, "army"), comparison.parties),
        scorecard_figure(comparison),
        match_matrix(north, south, np.zeros((len(north), len(south))), {}, NORTH, SOUTH),
        demand_map(list(negotiation.demands), np.zeros((len(negotiation.demands), 2)), negotiation.parties,
                   negotiation.documents_by_id()),
        movement_figure(stance_timeline(negotiation, Selection(parties=("north", "south"))), [NORTH, SOUTH], {}),
    ]
    for fig in figures:
        as_json = fig.to_json()
        assert "<img" not in as_json and "\\u003cimg" not in as_json
        assert "&lt;img src=x onerror=alert(1)&gt; &amp; more" in as_json
