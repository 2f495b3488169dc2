"""The dashboard as a person sees it: a shared link opens the right view, controls write the URL,
a broken link degrades to a notice. Runs `streamlit run` and Debian's Chromium (see conftest.py).

Text is read from the rendered DOM (the scorecard is an st.table of Markdown cells with badges),
never from Streamlit internals, so these tests break only when what a reader sees changes.
"""

from __future__ import annotations

import io
import os
import re
import time
from pathlib import Path
from urllib.parse import unquote

import pytest
from playwright.sync_api import Locator, Page, expect

pytestmark = pytest.mark.browser

# The first case, on the day after the second Istanbul round, when both memoranda were on the table.
FIRST_CASE = "/?negotiation=russia-ukraine&parties=russia,ukraine&as_of=2025-06-04"
REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "artifacts"
DOCS_SCREENSHOT = REPO_ROOT / "docs" / "screenshot.png"
DOCS_SCREENSHOT_MAX_BYTES = 400_000
# docs/screenshot.png is committed: rewrite it only when missing or on request, so a test run
# does not dirty the work tree with a byte-different but identical-looking image.
UPDATE_DOCS_SCREENSHOT = os.environ.get("POSITIONS_UPDATE_SCREENSHOT") == "1"


# ------------------------------------------------------------------------------ page helpers


def wait_settled(page: Page, timeout: float = 30.0) -> None:
    """Wait until Streamlit has finished the current run and the page stops changing.

    Streamlit redraws in place: during a rerun old elements stay on screen (marked stale) and the
    status widget shows a running icon. Settled = no running icon, no stale element, and the main
    area's text the same twice in a row.
    """
    deadline = time.monotonic() + timeout
    previous = None
    while time.monotonic() < deadline:
        busy = page.locator('[data-testid^="stStatusWidgetRunning"], [data-stale="true"]').count() > 0
        text = page.locator('[data-testid="stMain"]').inner_text()
        if not busy and text == previous:
            return
        previous = None if busy else text
        page.wait_for_timeout(300)
    raise AssertionError(f"the page was still changing after {timeout:.0f} s")


def assert_no_exception(page: Page) -> None:
    boxes = page.get_by_test_id("stException")
    assert boxes.count() == 0, "Streamlit showed an exception:\n" + boxes.first.inner_text()


def scorecard(page: Page) -> Locator:
    """The at-a-glance table: the one whose header has a Relation column."""
    return page.get_by_role("table").filter(has=page.get_by_role("columnheader", name="Relation"))


def open_scorecard(page: Page, url: str) -> None:
    page.goto(url)
    expect(scorecard(page)).to_be_visible()
    # The figure under the table is drawn last; wait for it so screenshots are complete.
    expect(page.get_by_test_id("stPlotlyChart").locator(".main-svg").first).to_be_visible()
    wait_settled(page)


def relations(page: Page) -> dict[str, str]:
    """Issue label -> relation, read from the badge in each row (a bare word would fail here)."""
    table = scorecard(page)
    headers = [h.inner_text().strip() for h in table.get_by_role("columnheader").all()]
    issue_col, relation_col = headers.index("Issue"), headers.index("Relation")
    shown: dict[str, str] = {}
    for row in table.locator("tbody").get_by_role("row").all():
        cells = row.get_by_role("cell")
        badge = cells.nth(relation_col).locator(".stMarkdownBadge")
        shown[cells.nth(issue_col).inner_text().strip()] = badge.inner_text(timeout=1000).strip()
    return shown


def relation_of(shown: dict[str, str], label_start: str) -> str:
    """The relation of the one issue whose label starts with label_start (labels may be long)."""
    matches = [label for label in shown if label.lower().startswith(label_start.lower())]
    assert len(matches) == 1, f"expected one issue labelled {label_start!r}…, scorecard shows {list(shown)}"
    return shown[matches[0]]


def view_snapshot(page: Page) -> dict[str, object]:
    """What a reader can tell about the view: chosen panel, parties, date, and every visible text."""
    return {
        "panel": page.get_by_role("radiogroup", name="View").get_by_role("radio", checked=True).inner_text(),
        "parties": [
            label.removeprefix("Remove ")
            for label in page.get_by_test_id("stMultiSelect").filter(has_text="Parties")
            .get_by_role("button", name=re.compile("^Remove "))
            .evaluate_all("buttons => buttons.map(b => b.getAttribute('aria-label'))")
        ],
        "as_of": [
            page.get_by_role("spinbutton", name=f"{part}, Positions as of").inner_text()
            for part in ("year", "month", "day")
        ],
        "main": page.get_by_test_id("stMain").inner_text(),
    }


def full_page_screenshot(page: Page, path: Path) -> bytes:
    """The whole app, not just the viewport.

    Streamlit scrolls inside its own container, so Playwright's full_page sees one screen;
    growing the viewport to the content's height captures everything.
    """
    height = page.get_by_test_id("stMain").evaluate("main => main.scrollHeight")
    width = page.viewport_size["width"] if page.viewport_size else 1400
    page.set_viewport_size({"width": width, "height": min(int(height), 6000)})
    wait_settled(page)
    path.parent.mkdir(parents=True, exist_ok=True)
    return page.screenshot(path=path)


# ------------------------------------------------------------------------------ tests


def test_shared_link_shows_first_case_scorecard(page: Page, app_url: str) -> None:
    """Russia vs Ukraine as of 2025-06-04: prisoners overlap; the big four diverge."""
    open_scorecard(page, app_url + FIRST_CASE)
    assert_no_exception(page)
    expect(page.get_by_text("Comparing Russia · Ukraine — as of 2025-06-04")).to_be_visible()
    expect(page.get_by_role("radio", name="At a glance")).to_be_checked()

    shown = relations(page)
    assert relation_of(shown, "Prisoners") == "overlap", shown
    for issue in ("Ceasefire", "Alliances", "Sanctions", "Territory"):
        assert relation_of(shown, issue) == "divergence", (issue, shown)
    # The headline counts above the table agree with its rows.
    for label, kind in (("Overlap", "overlap"), ("Diverge", "divergence")):
        metric = page.get_by_test_id("stMetric").filter(has=page.get_by_text(label, exact=True))
        expect(metric.get_by_test_id("stMetricValue")).to_have_text(str(list(shown.values()).count(kind)))

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "scorecard-viewport.png")
    image = full_page_screenshot(page, ARTIFACTS / "scorecard-full.png")
    if UPDATE_DOCS_SCREENSHOT or not DOCS_SCREENSHOT.exists():
        write_docs_screenshot(image)


def write_docs_screenshot(image: bytes) -> None:
    """The README's picture: the full scorecard page, in 256 colours to stay well under 400 KB.

    A palette is lossless enough for flat UI colours and text, and cuts the file to about a third.
    """
    from PIL import Image  # a Streamlit dependency, so always installed with the app

    palette = Image.open(io.BytesIO(image)).convert("RGB").quantize(
        colors=256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE
    )
    buffer = io.BytesIO()
    palette.save(buffer, format="PNG", optimize=True)
    assert len(buffer.getvalue()) <= DOCS_SCREENSHOT_MAX_BYTES, f"screenshot is {len(buffer.getvalue())} bytes"
    DOCS_SCREENSHOT.parent.mkdir(exist_ok=True)
    DOCS_SCREENSHOT.write_bytes(buffer.getvalue())


def test_the_sidebar_link_is_the_address_of_this_view(page: Page, app_url: str) -> None:
    """The share box sits in a popover (its code box is drawn only when opened): one click shows it."""
    open_scorecard(page, app_url + FIRST_CASE)
    page.get_by_test_id("stSidebar").get_by_role("button", name="Link to this view").click()
    code = page.get_by_test_id("stCode")
    expect(code).to_contain_text("as_of=2025-06-04")
    # The address bar spells the commas %2C; the same view either way.
    assert unquote(code.inner_text().strip()) == unquote(page.url)
    assert_no_exception(page)


def test_changed_controls_round_trip_through_the_url(new_context, app_url: str) -> None:
    """Change panel and date in the UI; the address bar then reopens exactly that view elsewhere."""
    page = new_context().new_page()
    open_scorecard(page, app_url + FIRST_CASE)

    page.get_by_role("radio", name="Where they diverge").click()
    page.wait_for_url(lambda url: "view=diverge" in url)
    # Type a date as a person would; Escape closes the calendar and commits the value.
    page.get_by_role("spinbutton", name="month, Positions as of").click()
    page.keyboard.type("05")
    page.get_by_role("spinbutton", name="day, Positions as of").click()
    page.keyboard.type("20")
    page.keyboard.press("Escape")
    page.wait_for_url(lambda url: "as_of=2025-05-20" in url)
    expect(page.get_by_text("Comparing Russia · Ukraine — as of 2025-05-20")).to_be_visible()
    wait_settled(page)
    assert_no_exception(page)
    before = view_snapshot(page)
    link = page.url
    page.screenshot(path=ARTIFACTS / "round-trip-changed.png")

    # A different person opening the link: fresh context, no shared cookies or session.
    other = new_context().new_page()
    other.goto(link)
    expect(other.get_by_role("radio", name="Where they diverge")).to_be_checked()
    expect(other.get_by_text("Comparing Russia · Ukraine — as of 2025-05-20")).to_be_visible()
    wait_settled(other)
    assert_no_exception(other)
    other.screenshot(path=ARTIFACTS / "round-trip-reopened.png")
    after = view_snapshot(other)

    assert before["panel"] == after["panel"] == "Where they diverge"
    assert before["as_of"] == after["as_of"] == ["2025", "05", "20"]
    assert before["parties"] == after["parties"] == ["Russia", "Ukraine"]
    assert before["main"] == after["main"], "the reopened link shows different content"
    assert other.url == link, "the reopened view rewrote its own link"


def test_bad_link_shows_notice_and_still_renders(page: Page, app_url: str) -> None:
    """Unknown party, unknown parameter, bad date, bad view: a notice, then the default view."""
    page.goto(app_url + "/?parties=russia,atlantis&bogus=1&as_of=yesterday&view=nope")
    notice = page.get_by_role("alert").filter(has_text="Parts of this link were ignored")
    expect(notice).to_be_visible()
    for culprit in ("atlantis", "bogus", "yesterday", "nope"):
        expect(notice).to_contain_text(culprit)

    expect(scorecard(page)).to_be_visible()
    wait_settled(page)
    assert_no_exception(page)
    expect(page.get_by_text("Comparing Russia · Ukraine — latest positions")).to_be_visible()
    assert relations(page), "the scorecard has no rows"
    # The address bar is cleaned up, so sharing it again does not spread the bad parameters.
    page.wait_for_url(lambda url: "bogus" not in url and "atlantis" not in url)
    page.screenshot(path=ARTIFACTS / "bad-link.png")
