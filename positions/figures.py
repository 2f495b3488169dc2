"""Plotly figure builders: one function per figure, each returning a `go.Figure`.

Kept free of Streamlit so the dashboard, the HTML briefing and the tests all draw the same
figures. Every string that comes from data is escaped before it reaches plotly, because plotly
reads titles, names and hover text as a small subset of HTML.
"""

from __future__ import annotations

import html
import textwrap
from collections.abc import Mapping, Sequence
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from positions.compare import Comparison, IssueComparison, Position, RelationKind
from positions.schema import STANCE_MAX, STANCE_MIN, Demand, Document, Party
from positions.timeline import gap_timeline

RELATION_COLOURS: dict[str, str] = {
    "overlap": "#2e7d32",
    "partial": "#e69f00",
    "divergence": "#c62828",
    "one_sided": "#9e9e9e",
}
RELATION_LABELS: dict[str, str] = {
    "overlap": "overlap",
    "partial": "partial",
    "divergence": "divergence",
    "one_sided": "one-sided",
}
ORIGIN_SYMBOLS: dict[str, str] = {"curated": "circle", "extracted": "diamond"}
SIMILARITY_CAPTION = "Colour = how similar the topics are (cosine), not whether the parties agree."

_TEMPLATE = "plotly_white"
_UNKNOWN_COLOUR = "#888888"
_STANCE_TICKS = {
    "tickvals": list(range(STANCE_MIN, STANCE_MAX + 1)),
    "ticktext": ["−2 against", "−1", "0", "+1", "+2 for"],
}


# --- text helpers -----------------------------------------------------------------------


def _esc(text: object) -> str:
    """Escape data text for plotly's HTML-like labels (quotes are harmless there)."""
    return html.escape(" ".join(str(text).split()), quote=False)


def _wrap(text: object, width: int = 60) -> str:
    """Escape and wrap data text into hover-box lines; plotly does not wrap by itself."""
    lines = textwrap.wrap(" ".join(str(text).split()), width) or [""]
    return "<br>".join(html.escape(line, quote=False) for line in lines)


def _stance_text(stance: float | None) -> str:
    if stance is None or pd.isna(stance):
        return "—"
    if float(stance).is_integer():
        return f"{int(stance):+d}" if stance else "0"
    return f"{stance:+.1f}"


def _distance_text(distance: float | None) -> str:
    return "" if distance is None or pd.isna(distance) else f"{distance:.1f}"


def _demand_lines(demands: Sequence[Demand]) -> list[str]:
    lines = []
    for demand in demands:
        lines.append("• " + _wrap(demand.text))
        if demand.condition:
            lines.append("  <i>condition:</i> " + _wrap(demand.condition))
    return lines


def _position_hover(party: Party, position: Position) -> str:
    head = f"<b>{_esc(party.name)}</b>: {_stance_text(position.stance)} (as of {position.date.isoformat()})"
    return "<br>".join([head, *_demand_lines(position.demands)])


def _lanes(stances: Sequence[float], spread: float) -> list[float]:
    """Vertical offsets that separate only parties with the same stance, so none hides another."""
    offsets = [0.0] * len(stances)
    for value in set(stances):
        same = [n for n, s in enumerate(stances) if s == value]
        if len(same) > 1:
            for n, y in zip(same, np.linspace(-spread, spread, len(same))):
                offsets[n] = float(y)
    return offsets


def _stance_axis(title: str = "", *, labelled_ends: bool = True) -> dict[str, object]:
    ticks = _STANCE_TICKS if labelled_ends else {"tickvals": _STANCE_TICKS["tickvals"],
                                                  "ticktext": ["−2", "−1", "0", "+1", "+2"]}
    return {"range": [STANCE_MIN - 0.5, STANCE_MAX + 0.5], "zeroline": True, "zerolinecolor": "#bbbbbb",
            "title": title, **ticks}


def _empty(message: str) -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(text=_esc(message), showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")
    fig.update_layout(template=_TEMPLATE, xaxis_visible=False, yaxis_visible=False, height=200)
    return fig


# --- the at-a-glance views --------------------------------------------------------------


def stance_strip(item: IssueComparison, parties: Sequence[Party]) -> go.Figure:
    """One issue on a −2..+2 line: where each party stands on the motion, with its wording on hover."""
    speaking = [p for p in parties if item.positions.get(p.id) is not None]
    silent = [p.name for p in parties if item.positions.get(p.id) is None]
    fig = go.Figure()
    lanes = _lanes([item.positions[p.id].stance for p in speaking], 0.3)
    for party, lane in zip(speaking, lanes):
        position = item.positions[party.id]
        fig.add_trace(go.Scatter(
            x=[position.stance], y=[lane], mode="markers+text", name=_esc(party.name),
            text=[_esc(party.name)], textposition="top center",
            marker={"color": party.colour, "size": 18, "line": {"color": "white", "width": 1.5}},
            hovertext=[_position_hover(party, position)], hovertemplate="%{hovertext}<extra></extra>",
        ))
    for x, label, anchor in ((STANCE_MIN, "← against the motion", "left"), (STANCE_MAX, "for the motion →", "right")):
        fig.add_annotation(x=x, y=-0.95, text=label, showarrow=False, xanchor=anchor, font={"color": "#555555"})
    if silent:
        fig.add_annotation(x=0, y=0.95, text=_esc("No stated position: " + ", ".join(silent)),
                           showarrow=False, font={"color": "#777777", "size": 11})
    relation = item.relation
    fig.update_layout(
        template=_TEMPLATE, height=230, showlegend=False, margin={"l": 20, "r": 20, "t": 80, "b": 20},
        title={"text": f"<b>{_esc(item.issue.label)}</b>: "
                       f"<span style='color:{RELATION_COLOURS[relation.kind]}'>{RELATION_LABELS[relation.kind]}"
                       f"{' · distance ' + _distance_text(relation.distance) if relation.distance is not None else ''}"
                       "</span>",
               "subtitle": {"text": "Motion: " + _wrap(item.issue.motion, 110)}},
        xaxis=_stance_axis(labelled_ends=False), yaxis={"visible": False, "range": [-1.1, 1.1]},
    )
    return fig


def scorecard_figure(comparison: Comparison) -> go.Figure:
    """Every issue as a row: each party's stance, the gap between them, and the relation."""
    items = comparison.issues
    if not items:
        return _empty("No stated positions for these parties in this selection.")
    fig = go.Figure()
    rows = {item.issue.id: n for n, item in enumerate(items)}
    _add_gap_bars(fig, items, rows)
    lanes: dict[tuple[str, str], float] = {}
    for item in items:
        spoken_on = {p: pos.stance for p, pos in item.positions.items() if pos is not None}
        lanes |= {(item.issue.id, p): y for p, y in zip(spoken_on, _lanes(list(spoken_on.values()), 0.14))}
    for party in comparison.parties:
        spoken = [(item, item.positions[party.id]) for item in items if item.positions.get(party.id)]
        fig.add_trace(go.Scatter(
            x=[pos.stance for _, pos in spoken],
            y=[rows[item.issue.id] + lanes[item.issue.id, party.id] for item, _ in spoken],
            mode="markers", name=_esc(party.name), legendgroup=party.id,
            marker={"color": party.colour, "size": 14, "line": {"color": "white", "width": 1}},
            hovertext=[f"{_esc(item.issue.label)}<br>{_position_hover(party, pos)}" for item, pos in spoken],
            hovertemplate="%{hovertext}<extra></extra>",
        ))
    # One list in one update: add_annotation per row re-validates the layout every time.
    labels = []
    for item in items:
        relation = item.relation
        label = RELATION_LABELS[relation.kind]
        if relation.distance is not None:
            label += f" · {_distance_text(relation.distance)}"
        labels.append({"x": 1.01, "xref": "paper", "y": rows[item.issue.id], "yref": "y", "text": label,
                       "showarrow": False, "xanchor": "left", "font": {"color": RELATION_COLOURS[relation.kind]}})
    fig.update_layout(
        annotations=[*fig.layout.annotations, *labels],
        template=_TEMPLATE, height=150 + 44 * len(items), margin={"l": 20, "r": 150, "t": 70, "b": 50},
        title={"text": "Positions at a glance",
               "subtitle": {"text": "Stance on each issue's motion; bar = gap between the parties, "
                                    "coloured by relation; distance 0 (same) to 4 (opposite extremes)"}},
        xaxis=_stance_axis(),
        yaxis={"tickvals": list(rows.values()), "ticktext": [_esc(i.issue.label) for i in items],
               "autorange": "reversed", "showgrid": False, "zeroline": False},
        legend={"orientation": "h", "y": -0.03, "yanchor": "top", "x": 0},
        hovermode="closest",
    )
    return fig


def _add_gap_bars(fig: go.Figure, items: Sequence[IssueComparison], rows: Mapping[str, int]) -> None:
    """A thick line from the lowest to the highest stance per row, one trace per relation kind."""
    for kind in RELATION_COLOURS:
        xs: list[float | None] = []
        ys: list[float | None] = []
        for item in items:
            stances = [p.stance for p in item.positions.values() if p is not None]
            if item.relation.kind != kind or len(stances) < 2:
                continue
            xs += [min(stances), max(stances), None]
            ys += [rows[item.issue.id]] * 2 + [None]
        if xs:
            fig.add_trace(go.Scatter(
                x=xs, y=ys, mode="lines", name=RELATION_LABELS[kind], hoverinfo="skip",
                line={"color": RELATION_COLOURS[kind], "width": 8}, opacity=0.35,
            ))


# --- matching and maps ------------------------------------------------------------------


def match_matrix(
    demands_a: Sequence[Demand],
    demands_b: Sequence[Demand],
    similarity: np.ndarray,
    relations: Mapping[str, RelationKind],
    party_a: Party,
    party_b: Party,
    issue_labels: Mapping[str, str] | None = None,
) -> go.Figure:
    """Cosine of every demand of A (rows) against every demand of B (columns).

    Cells whose two demands are on the same issue carry a marker coloured by the parties'
    relation on that issue, so the reader sees agreement from stances next to similarity
    from wording. Issues missing from `relations` get no marker.
    """
    labels = issue_labels or {}
    if not demands_a or not demands_b:
        return _empty("Both parties need at least one demand to compare.")
    similarity = np.asarray(similarity, dtype=float)
    if similarity.shape != (len(demands_a), len(demands_b)):
        raise ValueError(f"similarity is {similarity.shape}, expected {(len(demands_a), len(demands_b))}")
    hover = [
        [
            f"<b>{_esc(party_a.name)}</b> ({_esc(labels.get(a.issue, a.issue))}): {_wrap(a.text, 50)}<br>"
            f"<b>{_esc(party_b.name)}</b> ({_esc(labels.get(b.issue, b.issue))}): {_wrap(b.text, 50)}<br>"
            f"cosine {similarity[i, j]:.2f}"
            + (f" · same issue, {RELATION_LABELS[relations[a.issue]]}"
               if a.issue == b.issue and a.issue in relations else "")
            for j, b in enumerate(demands_b)
        ]
        for i, a in enumerate(demands_a)
    ]
    fig = go.Figure(go.Heatmap(
        z=similarity, x=list(range(len(demands_b))), y=list(range(len(demands_a))),
        # A fixed 0..1 scale keeps colours comparable between views; negative cosines clip to the bottom.
        zmin=0.0, zmax=1.0, colorscale="Blues", colorbar={"title": "cosine"},
        text=hover, hovertemplate="%{text}<extra></extra>",
    ))
    for kind, colour in RELATION_COLOURS.items():
        cells = [(j, i) for i, a in enumerate(demands_a) for j, b in enumerate(demands_b)
                 if a.issue == b.issue and relations.get(a.issue) == kind]
        if cells:
            fig.add_trace(go.Scatter(
                x=[j for j, _ in cells], y=[i for _, i in cells], mode="markers",
                name=f"same issue: {RELATION_LABELS[kind]}", hoverinfo="skip",
                marker={"symbol": "circle", "size": 12, "color": colour, "line": {"color": "white", "width": 2}},
            ))
    fig.update_layout(
        template=_TEMPLATE, height=max(420, 320 + 24 * len(demands_a)),
        margin={"l": 20, "r": 20, "t": 110, "b": 20},
        title={"text": f"What {_esc(party_a.name)} says × what {_esc(party_b.name)} says",
               "subtitle": {"text": SIMILARITY_CAPTION + " Dots: same issue, coloured by the relation of stances."}},
        xaxis={"tickvals": list(range(len(demands_b))), "ticktext": [_short(d.text) for d in demands_b],
               "tickangle": -40, "title": _esc(party_b.name)},
        yaxis={"tickvals": list(range(len(demands_a))), "ticktext": [_short(d.text) for d in demands_a],
               "autorange": "reversed", "title": _esc(party_a.name)},
        legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0},
    )
    return fig


def _short(text: str, width: int = 38) -> str:
    return _esc(textwrap.shorten(" ".join(text.split()), width, placeholder="…"))


def demand_map(
    demands: Sequence[Demand],
    coords: np.ndarray,
    parties: Sequence[Party],
    documents: Mapping[str, Document],
    issue_labels: Mapping[str, str] | None = None,
) -> go.Figure:
    """All demands on a 2-D map of their meaning: colour = party, symbol = curated or extracted.

    Nearby points are about similar things; the map says nothing about agreement.
    """
    coords = np.asarray(coords, dtype=float)
    if coords.shape != (len(demands), 2):
        raise ValueError(f"coords is {coords.shape}, expected {(len(demands), 2)}")
    if not demands:
        return _empty("No demands to map.")
    by_id = {p.id: p for p in parties}
    labels = issue_labels or {}
    fig = go.Figure()
    groups: dict[tuple[str, str], list[int]] = {}
    for n, demand in enumerate(demands):
        groups.setdefault((demand.party, demand.origin), []).append(n)
    for (party_id, origin), indices in groups.items():
        party = by_id.get(party_id)
        name = party.name if party else party_id
        fig.add_trace(go.Scatter(
            x=coords[indices, 0], y=coords[indices, 1], mode="markers",
            name=_esc(f"{name} · {origin}"), legendgroup=party_id,
            marker={"color": party.colour if party else _UNKNOWN_COLOUR, "size": 11,
                    "symbol": ORIGIN_SYMBOLS.get(origin, "circle"), "line": {"color": "white", "width": 1}},
            hovertext=[_map_hover(demands[n], name, documents, labels) for n in indices],
            hovertemplate="%{hovertext}<extra></extra>",
        ))
    fig.update_layout(
        template=_TEMPLATE, height=560, margin={"l": 20, "r": 20, "t": 70, "b": 20},
        title={"text": "Map of demands by meaning",
               "subtitle": {"text": "Nearby = similar topic, not agreement. ● curated ◆ extracted"}},
        xaxis={"showticklabels": False, "title": "", "zeroline": False},
        yaxis={"showticklabels": False, "title": "", "zeroline": False, "scaleanchor": "x"},
    )
    return fig


def _map_hover(demand: Demand, party_name: str, documents: Mapping[str, Document], labels: Mapping[str, str]) -> str:
    document = documents.get(demand.document)
    source = f"{_wrap(document.title, 60)}, {document.date.isoformat()}" if document else _esc(demand.document)
    lines = [
        f"<b>{_esc(party_name)}</b> · {_esc(labels.get(demand.issue, demand.issue))} · stance {_stance_text(demand.stance)}",
        _wrap(demand.text),
    ]
    if demand.condition:
        lines.append("<i>condition:</i> " + _wrap(demand.condition))
    if demand.origin == "extracted" and demand.confidence is not None:
        lines.append(f"extracted, confidence {demand.confidence:.2f}")
    lines.append("<i>source:</i> " + source)
    return "<br>".join(lines)


def project_2d(vectors: np.ndarray) -> np.ndarray:
    """PCA to two dimensions via SVD, with signs fixed so the same input always maps the same way.

    SVD components are only defined up to sign; flipping each so its largest loading is positive
    keeps the map from mirroring between runs. Fewer than three points (or a rank below two)
    simply yields zero columns where there is no variance to show.
    """
    vectors = np.asarray(vectors, dtype=np.float64)
    n = len(vectors)
    out = np.zeros((n, 2))
    if n < 2 or vectors.ndim != 2:
        return out
    centred = vectors - vectors.mean(axis=0)
    u, s, vt = np.linalg.svd(centred, full_matrices=False)
    # Components with (numerically) no variance would only show rounding noise, with an arbitrary sign.
    k = int(np.sum(s[:2] > s[0] * 1e-9)) if s[0] > 0 else 0
    signs = np.sign(vt[np.arange(k), np.argmax(np.abs(vt[:k]), axis=1)])
    signs[signs == 0] = 1.0
    out[:, :k] = u[:, :k] * s[:k] * signs
    return out


# --- movement over time -----------------------------------------------------------------


def movement_figure(
    timeline_df: pd.DataFrame,
    parties: Sequence[Party],
    issue_labels: Mapping[str, str],
    issue: str | None = None,
) -> go.Figure:
    """Each party's stance over time, one panel per issue (or only `issue`).

    Steps, not slopes: a stance holds until a later document changes it. Filled markers are
    dates the party restated its position; open markers carry an earlier statement forward.
    """
    df = timeline_df if issue is None else timeline_df[timeline_df["issue"] == issue]
    if df.empty:
        return _empty("No dated positions in this selection.")
    issues = [i for i in issue_labels if i in set(df["issue"])] + sorted(set(df["issue"]) - set(issue_labels))
    fig = make_subplots(
        rows=len(issues), cols=1, shared_xaxes=True,
        subplot_titles=[_esc(issue_labels.get(i, i)) for i in issues],
        vertical_spacing=min(0.08, 0.5 / len(issues)),
    )
    # Traces and axes are added in one call each: per-row updates dominate the cost otherwise.
    traces, trace_rows, in_legend = [], [], set()
    groups = {key: rows.sort_values("date") for key, rows in df.groupby(["issue", "party"], sort=False)}
    for row, issue_id in enumerate(issues, start=1):
        for rank, party in enumerate(parties):
            rows = groups.get((issue_id, party.id))
            if rows is None:
                continue
            traces.append(go.Scatter(
                x=list(rows["date"]), y=list(rows["stance"]), mode="lines+markers", line_shape="hv",
                name=_esc(party.name), legendgroup=party.id, showlegend=party.id not in in_legend,
                # Later parties drawn thinner and smaller, so identical stances stay visible as rings.
                line={"color": party.colour, "width": max(1.5, 4 - 1.2 * rank)},
                marker={"color": party.colour, "size": max(6, 13 - 3 * rank),
                        "symbol": ["circle" if s == d else "circle-open" for s, d in zip(rows["stated"], rows["date"])]},
                hovertext=[_movement_hover(party, r) for r in _records(rows)],
                hovertemplate="%{hovertext}<extra></extra>",
            ))
            trace_rows.append(row)
            in_legend.add(party.id)
    fig.add_traces(traces, rows=trace_rows, cols=[1] * len(traces))
    fig.update_layout({f"yaxis{n if n > 1 else ''}": _stance_axis() for n in range(1, len(issues) + 1)})
    # Dates under every panel: in a tall figure the bottom axis is out of sight.
    fig.update_xaxes(showticklabels=True)
    fig.update_layout(
        template=_TEMPLATE, height=140 + 190 * len(issues), margin={"l": 20, "r": 20, "t": 120, "b": 20},
        title={"text": "How positions moved",
               "subtitle": {"text": "Stance on each issue's motion as of each dated document; "
                                    "open marker = no new statement on that date"}},
        legend={"orientation": "h", "y": 0.99, "yanchor": "top", "x": 1, "xanchor": "right", "yref": "container"},
    )
    return fig


def _records(df: pd.DataFrame) -> list[SimpleNamespace]:
    """Rows as attribute records; DataFrame.itertuples is slow with object columns."""
    columns = list(df.columns)
    return [SimpleNamespace(**dict(zip(columns, values))) for values in zip(*(df[c].tolist() for c in columns))]


def _movement_hover(party: Party, row: Any) -> str:
    lines = [f"<b>{_esc(party.name)}</b> · {row.date.isoformat()} · stance {_stance_text(row.stance)}"]
    lines += [_wrap(text) for text in str(row.text).split("\n")]
    if row.condition:
        lines.append("<i>condition:</i> " + _wrap(row.condition))
    lines.append(f"<i>source:</i> {_wrap(row.document_title)} ({row.stated.isoformat()})")
    return "<br>".join(lines)


def gap_figure(
    timeline_df: pd.DataFrame,
    pair: tuple[Party, Party],
    issue_labels: Mapping[str, str] | None = None,
) -> go.Figure:
    """How far apart two parties are on each issue over time: one row per issue, like the scorecard.

    Marker colour is the relation on that date; the number (0 same … 4 opposite extremes) is
    printed where it changes, so a move closer or apart stands out without lines piling up.
    """
    a, b = pair
    gaps = gap_timeline(timeline_df, a.id, b.id)
    gaps = gaps[gaps["relation"] != "one_sided"]
    if gaps.empty:
        return _empty(f"{a.name} and {b.name} never both stated a position on the same issue.")
    labels = issue_labels or {}
    rows = {issue: n for n, issue in enumerate(dict.fromkeys(gaps["issue"]))}
    changed = gaps["distance"].ne(gaps.groupby("issue")["distance"].shift())
    fig = go.Figure()
    guide_x: list[object] = []
    guide_y: list[float | None] = []
    for issue_id, group in gaps.groupby("issue", sort=False):
        guide_x += [*group["date"], None]
        guide_y += [rows[issue_id]] * len(group) + [None]
    fig.add_trace(go.Scatter(x=guide_x, y=guide_y, mode="lines", line={"color": "#d0d0d0", "width": 2},
                             hoverinfo="skip", showlegend=False))
    for kind in ("overlap", "partial", "divergence"):
        mask = gaps["relation"] == kind
        part = gaps[mask]
        if part.empty:
            continue
        fig.add_trace(go.Scatter(
            x=list(part["date"]), y=[rows[i] for i in part["issue"]], mode="markers+text", name=RELATION_LABELS[kind],
            marker={"color": RELATION_COLOURS[kind], "size": 13, "line": {"color": "white", "width": 1}},
            text=[_distance_text(d) if show else "" for d, show in zip(part["distance"], changed[mask])],
            textposition="top center", textfont={"size": 11},
            hovertext=[
                f"<b>{_esc(labels.get(r.issue, r.issue))}</b> · {r.date.isoformat()}<br>"
                f"distance {_distance_text(r.distance)} · {RELATION_LABELS[r.relation]}<br>"
                f"{_esc(a.name)} {_stance_text(r.stance_a)}, {_esc(b.name)} {_stance_text(r.stance_b)}"
                for r in _records(part)
            ],
            hovertemplate="%{hovertext}<extra></extra>",
        ))
    fig.update_layout(
        template=_TEMPLATE, height=150 + 42 * len(rows), margin={"l": 20, "r": 20, "t": 80, "b": 50},
        title={"text": f"How far apart {_esc(a.name)} and {_esc(b.name)} are over time",
               "subtitle": {"text": "Colour = relation on that date; number = distance between stances "
                                    "(0 same … 4 opposite), shown where it changes"}},
        yaxis={"tickvals": list(rows.values()), "ticktext": [_esc(labels.get(i, i)) for i in rows],
               "autorange": "reversed", "showgrid": False, "zeroline": False},
        legend={"orientation": "h", "y": -0.03, "yanchor": "top", "x": 0},
    )
    return fig
