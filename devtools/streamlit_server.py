"""Start a real `streamlit run` server for benchmarks and browser tests, and stop it cleanly.

Shared by bench/startup_bench.py, bench/load_test.py and tests/browser/conftest.py, so they all
start the app the same way: 127.0.0.1 only, on a free port, headless, no file watcher (as
scripts/run.sh serves it), HF_HUB_OFFLINE=1, in its own process group so stop() also ends any
child, with output in a file (a full pipe would stall the server).

    from devtools.streamlit_server import StreamlitServer
    server = StreamlitServer("app.py")      # starts now; server.started is the perf_counter of Popen
    try:
        server.wait_healthy()               # seconds until /_stcore/health answered 200
        ... open server.url ...
    finally:
        server.stop()

Benchmarks run as `python bench/X.py` put the repo root on sys.path first to import this.
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
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
HEALTH_TIMEOUT_S = 90.0

# Debian's Chromium, not Playwright's download (which does not work here), with the flags every
# caller needs in this container.
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


def free_port() -> int:
    """A port nobody listens on right now (the OS picks it; a tiny race is acceptable here)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class StreamlitServer:
    """`streamlit run SCRIPT` (a path relative to `cwd`) on 127.0.0.1; stop() leaves nothing behind."""

    def __init__(self, script: str = "app.py", *, cwd: Path = REPO_ROOT, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = tempfile.TemporaryFile()  # stdout and stderr together
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "streamlit", "run", script,
                "--server.headless", "true",
                "--server.address", "127.0.0.1",
                "--server.port", str(self.port),
                "--server.fileWatcherType", "none",
                "--browser.gatherUsageStats", "false",
            ],
            cwd=cwd,
            env=dict(os.environ, HF_HUB_OFFLINE="1", PYTHONUNBUFFERED="1", **(env or {})),
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # own process group, so stop() reaches any children too
        )

    def wait_healthy(self, timeout: float = HEALTH_TIMEOUT_S) -> float:
        """Seconds from start until /_stcore/health answers 200; RuntimeError (with the log) if never."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"streamlit exited with code {self.process.returncode} before it was healthy\n"
                                   + self.log())
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        return time.perf_counter() - self.started
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.05)  # fine-grained: benchmarks time this wait
        raise RuntimeError(f"streamlit not healthy after {timeout:.0f} s\n" + self.log())

    def alive(self) -> bool:
        return self.process.poll() is None

    def log(self, chars: int = 6000) -> str:
        """The end of the server's output, for failure messages."""
        if self._log.closed:
            return ""
        self._log.seek(0)
        return self._log.read().decode(errors="replace")[-chars:]

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
        self._log.close()
