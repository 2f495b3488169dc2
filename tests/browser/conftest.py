"""Fixtures for browser tests: a real `streamlit run` server and Debian's Chromium via Playwright.

One server per session (starting one costs seconds), one browser per session, and a fresh
browser context per test so no cookie, storage or websocket session leaks between tests.
Playwright's own browser download is never used: it does not work here.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from devtools.streamlit_server import CHROMIUM, CHROMIUM_ARGS, REPO_ROOT, StreamlitServer

playwright_sync = pytest.importorskip("playwright.sync_api")

ARTIFACTS = REPO_ROOT / "artifacts"
HEALTH_TIMEOUT_S = 60.0
VIEWPORT = {"width": 1400, "height": 900}


@pytest.fixture(scope="session")
def streamlit_server() -> Iterator[StreamlitServer]:
    server = StreamlitServer("app.py")
    try:
        server.wait_healthy(HEALTH_TIMEOUT_S)
    except RuntimeError as exc:
        server.stop()
        pytest.fail(str(exc), pytrace=False)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def app_url(streamlit_server: StreamlitServer) -> str:
    """Base URL of the running dashboard, e.g. http://127.0.0.1:PORT."""
    return streamlit_server.url


@pytest.fixture(scope="session")
def browser() -> Iterator[playwright_sync.Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: run scripts/setup.sh dev (installs Debian's chromium)", pytrace=False)
    with playwright_sync.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture()
def new_context(browser: playwright_sync.Browser) -> Iterator:
    """Factory for fresh browser contexts (a test may need two: one to make a link, one to open it)."""
    contexts = []

    def make() -> playwright_sync.BrowserContext:
        context = browser.new_context(viewport=VIEWPORT, device_scale_factor=1)
        # Generous: the first render of a fresh server session may compute the comparison.
        context.set_default_timeout(30_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture()
def page(new_context, request: pytest.FixtureRequest) -> Iterator[playwright_sync.Page]:
    """A page in a fresh context; on failure its screenshot goes to artifacts/."""
    page = new_context().new_page()
    yield page
    report = getattr(request.node, "rep_call", None)
    evidence = ARTIFACTS / f"FAILED-{request.node.name}.png"
    if report is not None and report.failed and not page.is_closed():
        ARTIFACTS.mkdir(exist_ok=True)
        try:
            page.screenshot(path=evidence)
        except playwright_sync.Error:
            pass  # a crashed page cannot be photographed; the report has the reason
    elif report is not None and report.passed:
        evidence.unlink(missing_ok=True)  # a picture of a failure that is now fixed only misleads


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Keep the call report on the item (for failure screenshots) and attach the server log."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    if report.failed:
        # funcargs holds every fixture the test used, including ones it pulled in indirectly.
        server = getattr(item, "funcargs", {}).get("streamlit_server")
        if server is not None:
            state = "running" if server.alive() else f"exited ({server.process.returncode})"
            report.sections.append((f"streamlit server ({state})", server.log()))
    return report
