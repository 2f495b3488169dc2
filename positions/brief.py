"""Briefing export: a comparison as Markdown, or as one HTML file that opens offline.

Briefings are forwarded, printed and opened years later, so each carries the link that reopens
the view, the data version it was made from, and the source of every line. Data text is
untrusted (it may come from scraped documents): every piece is escaped for the target format,
and only http(s) addresses ever become links.
"""

from __future__ import annotations

import datetime as dt
import html
import itertools
import re
from collections.abc import Sequence

import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from positions.compare import PARTIAL_GAP, Comparison, Counterpart, IssueComparison
from positions.figures import RELATION_COLOURS, RELATION_LABELS, scorecard_figure, stance_strip
from positions.schema import Demand, Document

_HTTP_URL = re.compile(r"^https?://[^\s<>\"'`\\]+$")
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#~])")

SIMILARITY_NOTE = (
    "Similar wording is not agreement. Text similarity (cosine of sentence embeddings) only says two "
    "statements are about the same thing: \"barred from any military alliance\" and \"keeps the right to "
    "join NATO\" are close in wording and opposite in substance. So relations here come from stances, never "
    "from similarity."
)
RELATION_NOTE = (
    "Each issue has a motion, one proposition. Every demand records its party's stance on that motion, "
    "from −2 (strongly against) to +2 (strongly for), and any condition attached. A party's stance on an "
    "issue is its most recent statement on or before the as-of date (several on that date are averaged). "
    "Two parties overlap when their stances point the same way, less than "
    f"{PARTIAL_GAP:g} point apart, with no condition; partial when they point the same way but "
    f"{PARTIAL_GAP:g} point or more apart, or a condition is attached, or one side is neutral; they diverge "
    "when their stances point opposite ways; one-sided means only one of them has stated a position. "
    "Distance is the gap between the stances, from 0 (identical) to 4 (opposite extremes). "
    "With more than two parties, an issue's relation is that of its most divided pair."
)


# --- content shared by both formats -----------------------------------------------------

# The body of a briefing: what the parties share first (partial counts as shared ground with
# caveats), then what separates them, then what only one side has put on the table.
_SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Where they overlap", ("overlap", "partial")),
    ("Where they diverge", ("divergence",)),
    ("Stated by one side only", ("one_sided",)),
)


def _safe_url(url: str | None) -> str | None:
    """The address if it is plain http(s); anything else (javascript:, data:, …) is never linked."""
    return url if url and _HTTP_URL.match(url) else None


def _stance(value: float | None) -> str:
    if value is None:
        return "—"
    if float(value).is_integer():
        return f"{int(value):+d}" if value else "0"
    return f"{value:+.1f}"


def _distance(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def _title(comparison: Comparison) -> str:
    names = " and ".join(p.name for p in comparison.parties)
    return f"Briefing: {names} — {comparison.negotiation.title}"


def _as_of(comparison: Comparison) -> str:
    as_of = comparison.selection.as_of
    return f"{as_of.isoformat()} (positions stated on or before this date)" if as_of else "latest stated positions"


def _side_by_side(item: IssueComparison, parties: Sequence[str]) -> list[list[Demand | None]]:
    """Rows of one demand per party, so each party's wording sits in its own column."""
    columns = [list(item.positions[p].demands) if item.positions.get(p) else [] for p in parties]
    return [list(row) for row in itertools.zip_longest(*columns)]


def _cited(comparison: Comparison, counterpart_pairs: Sequence[Counterpart]) -> list[Document]:
    """Every document behind a line of the briefing, oldest first."""
    documents = comparison.negotiation.documents_by_id()
    demands = _demands_by_id(comparison)
    ids = {d.document for item in comparison.issues for pos in item.positions.values() if pos for d in pos.demands}
    ids |= {demands[i].document for pair in counterpart_pairs for i in (pair.demand, pair.counterpart) if i in demands}
    return sorted((documents[i] for i in ids if i in documents), key=lambda d: (d.date, d.title))


def _demands_by_id(comparison: Comparison) -> dict[str, Demand]:
    return {d.id: d for d in comparison.demands}


def _provenance(demand: Demand, document: Document | None) -> str:
    notes = []
    if demand.origin == "extracted":
        confidence = f", confidence {demand.confidence:.2f}" if demand.confidence is not None else ""
        notes.append(f"extracted by {demand.model or 'model'}{confidence}")
    certainty = demand.certainty if demand.certainty != "verified" else (document.certainty if document else "verified")
    if certainty != "verified":
        notes.append(f"{certainty} source")
    return "; ".join(notes)


def _relation_heading(item: IssueComparison) -> str:
    relation = item.relation
    distance = f", distance {_distance(relation.distance)}" if relation.distance is not None else ""
    return f"{RELATION_LABELS[relation.kind]}{distance}"


def _pair_rows(comparison: Comparison, counterpart_pairs: Sequence[Counterpart]) -> list[tuple[Demand, Demand, Counterpart, str]]:
    """Counterpart pairs whose demands are in the comparison, with the relation on a shared issue."""
    demands = _demands_by_id(comparison)
    relations = {item.issue.id: item.relation.kind for item in comparison.issues}
    rows = []
    for pair in counterpart_pairs:
        if pair.demand in demands and pair.counterpart in demands:
            a, b = demands[pair.demand], demands[pair.counterpart]
            shared = RELATION_LABELS[relations[a.issue]] if a.issue == b.issue and a.issue in relations else "different issues"
            rows.append((a, b, pair, shared))
    return rows


# --- Markdown ---------------------------------------------------------------------------


def _md(text: object) -> str:
    """Data text made inert in Markdown: one line, and no character that starts markup or HTML."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def _md_link(text: str, url: str | None) -> str:
    safe = _safe_url(url)
    if safe is None:
        return _md(text)
    target = safe.replace("(", "%28").replace(")", "%29")
    return f"[{_md(text)}]({target})"


def _md_autolink(url: str) -> str:
    # Autolinks need no escaping inside; _safe_url already refuses spaces and angle brackets.
    safe = _safe_url(url)
    return f"<{safe}>" if safe else _md(url)


def _md_source(document: Document | None, demand: Demand) -> str:
    if document is None:
        return f"source: {_md(demand.document)}"
    publisher = f", {_md(document.publisher)}" if document.publisher else ""
    return f"source: {_md_link(document.title, document.url)}{publisher}, {document.date.isoformat()}"


def _md_demand(demand: Demand | None, documents: dict[str, Document]) -> str:
    if demand is None:
        return ""
    document = documents.get(demand.document)
    parts = [f"{_md(demand.text)} (stance {_stance(demand.stance)})"]
    wording = demand.quote or demand.evidence
    if wording:
        parts.append(f"“{_md(wording)}”")
    if demand.condition:
        parts.append(f"*Condition:* {_md(demand.condition)}")
    provenance = _provenance(demand, document)
    if provenance:
        parts.append(f"({_md(provenance)})")
    parts.append(_md_source(document, demand))
    return " — ".join(parts)


def _md_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _md_issue(item: IssueComparison, comparison: Comparison, documents: dict[str, Document]) -> list[str]:
    parties = list(comparison.parties)
    header = []
    for party in parties:
        position = item.positions.get(party.id)
        stated = f" ({_stance(position.stance)}, {position.date.isoformat()})" if position else " (no stated position)"
        header.append(_md(party.name) + stated)
    rows = [[_md_demand(d, documents) for d in row] for row in _side_by_side(item, [p.id for p in parties])]
    return [
        f"### {_md(item.issue.label)} — {_relation_heading(item)}",
        "",
        f"Motion: {_md(item.issue.motion)}",
        "",
        *_md_table(header, rows),
        "",
    ]


def brief_markdown(
    comparison: Comparison,
    *,
    link: str,
    data_version: str,
    generated: dt.date,
    counterpart_pairs: Sequence[Counterpart] | None = None,
) -> str:
    """The briefing as Markdown: scorecard, overlaps, divergences, method note and sources."""
    documents = comparison.negotiation.documents_by_id()
    pairs = list(counterpart_pairs or ())
    parties = list(comparison.parties)
    out = [
        f"# {_md(_title(comparison))}",
        "",
        f"**Parties:** {', '.join(_md(p.name) for p in parties)}  ",
        f"**As of:** {_as_of(comparison)}  ",
        f"**Generated:** {generated.isoformat()} · **Data version:** {_md(data_version)}  ",
        f"**Reopen this view:** {_md_autolink(link)}",
        "",
        f"> {SIMILARITY_NOTE}",
        "",
        "## Scorecard",
        "",
        *_md_table(
            ["Issue", *(_md(p.name) for p in parties), "Relation", "Distance"],
            [[_md(item.issue.label), *(_stance(item.stance(p.id)) for p in parties),
              RELATION_LABELS[item.relation.kind], _distance(item.relation.distance)]
             for item in comparison.issues],
        ),
        "",
        "Stance on each issue's motion, −2 (strongly against) to +2 (strongly for); — means no stated position.",
        "",
    ]
    for heading, kinds in _SECTIONS:
        items = [item for item in comparison.issues if item.relation.kind in kinds]
        out += [f"## {heading}", ""]
        if not items:
            out += ["None in this selection.", ""]
        for item in items:
            out += _md_issue(item, comparison, documents)
    rows = _pair_rows(comparison, pairs)
    if rows:
        out += [
            "## Closest statements by topic",
            "",
            "Cosine similarity of wording: which statement answers which, not whether they agree.",
            "",
            *_md_table(
                ["Statement", "Closest counterpart", "Cosine", "Relation on the shared issue"],
                [[f"{_md(_party_name(comparison, a.party))}: {_md(a.text)}",
                  f"{_md(_party_name(comparison, b.party))}: {_md(b.text)}",
                  f"{pair.score:.2f}", shared] for a, b, pair, shared in rows],
            ),
            "",
        ]
    out += ["## How to read this", "", RELATION_NOTE, "", "## Sources", ""]
    for n, document in enumerate(_cited(comparison, pairs), start=1):
        out.append(f"{n}. {_md_source_entry(document)}")
    return "\n".join(out).rstrip() + "\n"


def _party_name(comparison: Comparison, party_id: str) -> str:
    """Display name of a party of the comparison (its id if it is not one of them)."""
    return next((p.name for p in comparison.parties if p.id == party_id), party_id)


def _md_source_entry(document: Document) -> str:
    details = [d for d in (_md(document.publisher) if document.publisher else "", document.date.isoformat(),
                           document.kind, "" if document.certainty == "verified" else f"{document.certainty} source") if d]
    where = f" {_md_autolink(document.url)}" if _safe_url(document.url) else ""
    return f"{_md_link(document.title, document.url)} — {', '.join(details)}.{where}"


# --- HTML -------------------------------------------------------------------------------


def _h(text: object) -> str:
    return html.escape(str(text), quote=True)


def _h_link(text: str, url: str | None) -> str:
    safe = _safe_url(url)
    if safe is None:
        return _h(text)
    return f'<a href="{_h(safe)}" rel="noopener noreferrer">{_h(text)}</a>'


def _colour(value: str) -> str:
    return value if _COLOUR.match(value) else "#888888"


def _h_demand(demand: Demand, documents: dict[str, Document]) -> str:
    document = documents.get(demand.document)
    parts = [f'<p class="text">{_h(demand.text)} <span class="stance">stance {_stance(demand.stance)}</span></p>']
    wording = demand.quote or demand.evidence
    if wording:
        parts.append(f"<blockquote>{_h(wording)}</blockquote>")
    if demand.condition:
        parts.append(f'<p class="condition"><strong>Condition:</strong> {_h(demand.condition)}</p>')
    provenance = _provenance(demand, document)
    if provenance:
        parts.append(f'<p class="provenance">{_h(provenance)}</p>')
    if document is None:
        parts.append(f'<p class="source">Source: {_h(demand.document)}</p>')
    else:
        publisher = f", {_h(document.publisher)}" if document.publisher else ""
        parts.append(f'<p class="source">Source: {_h_link(document.title, document.url)}{publisher}, '
                     f"{document.date.isoformat()}</p>")
    return "".join(parts)


def _badge(kind: str, text: str | None = None) -> str:
    return f'<span class="badge" style="background:{RELATION_COLOURS[kind]}">{_h(text or RELATION_LABELS[kind])}</span>'


def _h_issue(item: IssueComparison, comparison: Comparison, documents: dict[str, Document], figure: str = "") -> str:
    head = []
    for party in comparison.parties:
        position = item.positions.get(party.id)
        stated = (f"{_stance(position.stance)}, {position.date.isoformat()}" if position else "no stated position")
        head.append(f'<th style="border-top:4px solid {_colour(party.colour)}">{_h(party.name)} '
                    f'<span class="muted">({stated})</span></th>')
    # One cell per party holding all its demands, so nothing suggests that neighbouring demands answer
    # each other (Markdown tables cannot hold lists, hence rows there).
    body = "<tr>" + "".join(
        "<td>" + "".join(f'<div class="demand">{_h_demand(d, documents)}</div>'
                         for d in (item.positions[p.id].demands if item.positions.get(p.id) else ())) + "</td>"
        for p in comparison.parties
    ) + "</tr>"
    return (
        f'<section class="issue"><h3>{_h(item.issue.label)} {_badge(item.relation.kind, _relation_heading(item))}</h3>'
        f'<p class="motion">Motion: {_h(item.issue.motion)}</p>{figure}'
        f'<table class="side"><thead><tr>{"".join(head)}</tr></thead><tbody>{body}</tbody></table></section>'
    )


def _figure_div(fig: go.Figure, div_id: str) -> str:
    # Fixed div ids keep the output byte-identical for the same data; plotly.js is inlined once in <head>.
    return fig.to_html(full_html=False, include_plotlyjs=False, div_id=div_id,
                       config={"displaylogo": False, "responsive": True})


def _h_scorecard(comparison: Comparison) -> str:
    head = "".join(f'<th style="border-top:4px solid {_colour(p.colour)}">{_h(p.name)}</th>' for p in comparison.parties)
    rows = "".join(
        f"<tr><td>{_h(item.issue.label)}</td>"
        + "".join(f'<td class="num">{_stance(item.stance(p.id))}</td>' for p in comparison.parties)
        + f"<td>{_badge(item.relation.kind)}</td><td class=\"num\">{_distance(item.relation.distance)}</td></tr>"
        for item in comparison.issues
    )
    return (f'<table class="scorecard"><thead><tr><th>Issue</th>{head}<th>Relation</th><th>Distance</th></tr>'
            f"</thead><tbody>{rows}</tbody></table>")


def _h_pairs(comparison: Comparison, pairs: Sequence[Counterpart]) -> str:
    rows = _pair_rows(comparison, pairs)
    if not rows:
        return ""
    body = "".join(
        f"<tr><td><strong>{_h(_party_name(comparison, a.party))}:</strong> {_h(a.text)}</td>"
        f"<td><strong>{_h(_party_name(comparison, b.party))}:</strong> {_h(b.text)}</td>"
        f'<td class="num">{pair.score:.2f}</td><td>{_h(shared)}</td></tr>'
        for a, b, pair, shared in rows
    )
    return ("<h2>Closest statements by topic</h2><p>Cosine similarity of wording: which statement answers which, "
            "not whether they agree.</p><table><thead><tr><th>Statement</th><th>Closest counterpart</th>"
            f"<th>Cosine</th><th>Relation on the shared issue</th></tr></thead><tbody>{body}</tbody></table>")


def _h_sources(documents: Sequence[Document]) -> str:
    items = []
    for document in documents:
        details = [_h(d) for d in (document.publisher, document.date.isoformat(), document.kind,
                                    "" if document.certainty == "verified" else f"{document.certainty} source") if d]
        address = _safe_url(document.url)
        url = f' <span class="url">{_h(address)}</span>' if address else ""
        items.append(f"<li>{_h_link(document.title, document.url)} — {', '.join(details)}.{url}</li>")
    return f"<h2>Sources</h2><ol>{''.join(items)}</ol>"


_CSS = """
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#222;margin:0;background:#fafafa}
main{max-width:1100px;margin:0 auto;padding:24px 32px;background:#fff}
h1{font-size:1.6em;margin:.2em 0 .4em}
h2{border-bottom:1px solid #ddd;padding-bottom:4px;margin-top:1.8em}
h3{margin:1.4em 0 .3em}
p{margin:.2em 0}
.meta{color:#444}
.meta dt{font-weight:600;float:left;clear:left;width:10em}
.meta dd{margin:0 0 .2em 10em;word-break:break-all}
.note{background:#fff8e1;padding:8px 12px;border-left:4px solid #e69f00}
table{border-collapse:collapse;width:100%;margin:.6em 0}
th,td{border:1px solid #ddd;padding:6px 8px;vertical-align:top;text-align:left}
th{background:#f4f4f4}
td.num{text-align:right;font-variant-numeric:tabular-nums}
table.side{table-layout:fixed}
.demand+.demand{border-top:1px dashed #ddd;margin-top:6px;padding-top:6px}
.badge{display:inline-block;color:#fff;border-radius:3px;padding:0 6px;font-size:.85em;font-weight:600}
.motion{color:#555;font-style:italic}
.muted,.provenance,.source{color:#666;font-size:.9em}
.stance{color:#666;font-size:.85em}
.condition{color:#7a4b00}
blockquote{margin:.3em 0;padding-left:8px;border-left:3px solid #ccc;color:#444}
.url{color:#666;font-size:.85em;word-break:break-all}
@media print{body{background:#fff}main{padding:0}.plotly-graph-div{break-inside:avoid}}
"""

# Defence in depth: even if something in the page tried to fetch a resource, the browser refuses.
_CSP = ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
        "img-src data: blob:; font-src data:")


def brief_html(
    comparison: Comparison,
    *,
    link: str,
    data_version: str,
    generated: dt.date,
    counterpart_pairs: Sequence[Counterpart] | None = None,
) -> str:
    """The briefing as one HTML file: inline CSS, plotly.js inlined once, no external requests."""
    documents = comparison.negotiation.documents_by_id()
    pairs = list(counterpart_pairs or ())
    sections = []
    strips = 0
    for heading, kinds in _SECTIONS:
        items = [item for item in comparison.issues if item.relation.kind in kinds]
        parts = [f"<h2>{heading}</h2>"]
        if not items:
            parts.append("<p>None in this selection.</p>")
        for item in items:
            figure = ""
            if item.relation.kind == "divergence":
                strips += 1
                # The section heading already names the issue, relation and motion.
                strip = stance_strip(item, comparison.parties).update_layout(title=None, height=170,
                                                                             margin={"t": 20})
                figure = _figure_div(strip, f"strip-{strips}")
            parts.append(_h_issue(item, comparison, documents, figure))
        sections.append("".join(parts))
    title = _title(comparison)
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{_CSP}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_h(title)}</title>
<style>{_CSS}</style>
<script>{get_plotlyjs()}</script>
</head>
<body><main>
<h1>{_h(title)}</h1>
<dl class="meta">
<dt>Parties</dt><dd>{_h(', '.join(p.name for p in comparison.parties))}</dd>
<dt>As of</dt><dd>{_h(_as_of(comparison))}</dd>
<dt>Generated</dt><dd>{generated.isoformat()}</dd>
<dt>Data version</dt><dd>{_h(data_version)}</dd>
<dt>Reopen this view</dt><dd>{_h_link(link, link)}</dd>
</dl>
<p class="note">{_h(SIMILARITY_NOTE)}</p>
<h2>Scorecard</h2>
{_h_scorecard(comparison)}
<p class="muted">Stance on each issue's motion, −2 (strongly against) to +2 (strongly for); — means no stated position.</p>
{_figure_div(scorecard_figure(comparison), "scorecard")}
{''.join(sections)}
{_h_pairs(comparison, pairs)}
<h2>How to read this</h2>
<p>{_h(RELATION_NOTE)}</p>
{_h_sources(_cited(comparison, pairs))}
</main></body>
</html>
"""
