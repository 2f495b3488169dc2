"""Fixtures for browser tests: a real `streamlit run` server and Debian's Chromium via Playwright.

One server per session (starting one costs seconds), one browser per session, and a fresh
browser context per test so no cookie, storage or websocket session leaks between tests.
Playwright's own browser download is never used: it does not work here.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

playwright_sync = pytest.importorskip("playwright.sync_api")

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
HEALTH_TIMEOUT_S = 60.0
VIEWPORT = {"width": 1400, "height": 900}


def free_port() -> int:
    """A port nobody listens on right now (the OS picks it; a tiny race is acceptable here)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class StreamlitServer:
    """`streamlit run app.py` in its own process group, bound to 127.0.0.1 only."""

    def __init__(self, app: str = "app.py", cwd: Path = REPO_ROOT) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # Files rather than pipes: a chatty server can never block on a full pipe buffer.
        self._log_dir = Path(tempfile.mkdtemp(prefix="positions-browser-"))
        self._stdout = (self._log_dir / "stdout.log").open("wb")
        self._stderr = (self._log_dir / "stderr.log").open("wb")
        env = dict(os.environ, HF_HUB_OFFLINE="1", PYTHONUNBUFFERED="1")
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "streamlit", "run", app,
                "--server.headless", "true",
                "--server.address", "127.0.0.1",
                "--server.port", str(self.port),
                "--server.fileWatcherType", "none",
                "--browser.gatherUsageStats", "false",
            ],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._stdout,
            stderr=self._stderr,
            start_new_session=True,  # own process group, so stop() reaches any children too
        )

    def log_tail(self, chars: int = 6000) -> str:
        """The end of the server's stderr and stdout, for failure messages."""
        parts = []
        for name in ("stderr", "stdout"):
            text = (self._log_dir / f"{name}.log").read_text(errors="replace")
            parts.append(f"--- streamlit {name} ---\n{text[-chars:]}")
        return "\n".join(parts)

    def wait_healthy(self, timeout: float = HEALTH_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"streamlit exited with code {self.process.returncode} before it was healthy\n"
                    + self.log_tail()
                )
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        raise RuntimeError(f"streamlit not healthy after {timeout:.0f} s\n" + self.log_tail())

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        """SIGTERM the whole process group, then SIGKILL if it lingers: no stray servers."""
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=10)
            except ProcessLookupError:
                pass
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self._stdout.close()
        self._stderr.close()


@pytest.fixture(scope="session")
def streamlit_server() -> Iterator[StreamlitServer]:
    server = StreamlitServer()
    try:
        server.wait_healthy()
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
            report.sections.append((f"streamlit server ({state})", server.log_tail()))
    return report
