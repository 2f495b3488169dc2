"""Load test: many browser sessions clicking through the panels of one dashboard server.

Starts its own `streamlit run app.py` on 127.0.0.1 (never any other host: every request the
browsers make elsewhere is aborted), opens SESSIONS concurrent sessions in one headless
Chromium (a fresh context each), and has each click through every panel, in waves, for a
bounded time. Reports
- errors (target 0): failed navigations, re-renders that never finish, Streamlit exception
  boxes, JavaScript errors, lost server connections;
- client-side re-render times (click -> new view settled): median, p95, slowest;
- the server's RSS (psutil) cold, warm, after each wave and after the sessions closed, so
  growth that does not level off between waves shows up;
- CPU seconds used by the server and by the browser during the waves: browser and server share
  this machine's cores, so re-render times include Chromium waiting for a core.

Usage: .venv/bin/python bench/load_test.py [--sessions 20] [--waves 2] [--seconds 90]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import psutil
from playwright.async_api import Browser, Page, async_playwright
from playwright.async_api import Error as PlaywrightError

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo root, for devtools/
from devtools.streamlit_server import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from devtools.streamlit_server import StreamlitServer as Server  # noqa: E402
from components import controls  # noqa: E402
from startup_bench import torch_loaded  # noqa: E402

# The panels a visitor clicks through; Extract runs the model, which is not what this load measures.
PANEL_LABELS = {panel: label for panel, label in controls.PANEL_LABELS.items() if panel != "extract"}
# Different sessions open different views, so the server's caches hold more than one entry.
LINKS = [
    "?negotiation=russia-ukraine&parties=russia,ukraine&as_of=2025-06-04",
    "?negotiation=russia-ukraine&parties=russia,ukraine",
    "?negotiation=russia-ukraine&parties=russia,ukraine,united-states&as_of=2025-12-01",
    "?negotiation=russia-ukraine&parties=ukraine,e3&as_of=2025-05-20",
]
STEP_TIMEOUT_S = 60.0
MB = 1024 * 1024

# Settled: the URL names the panel, no element is stale (Streamlit marks what the current run
# has not redrawn yet) and the running indicator is gone.
SETTLED_JS = """(panel) => {
  const view = new URLSearchParams(location.search).get("view") || "scorecard";
  return view === panel
    && !document.querySelector('[data-stale="true"]')
    && !document.querySelector('[data-testid^="stStatusWidgetRunning"]')
    && !!document.querySelector('[data-testid="stMain"] h1');
}"""


@dataclasses.dataclass
class Tally:
    rerenders: list[float] = dataclasses.field(default_factory=list)
    first_loads: list[float] = dataclasses.field(default_factory=list)
    errors: list[str] = dataclasses.field(default_factory=list)
    error_notices: int = 0  # st.error boxes: the app's own "cannot show this" messages
    clicks: int = 0


def rss(process: psutil.Process) -> int:
    """Resident memory of the server and any children it spawned."""
    total = process.memory_info().rss
    for child in process.children(recursive=True):
        try:
            total += child.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total


async def local_only(route) -> None:
    """Abort any request that is not to 127.0.0.1: this script sends traffic nowhere else."""
    if urlsplit(route.request.url).hostname == "127.0.0.1":
        await route.continue_()
    else:
        await route.abort()


async def check_page(page: Page, tally: Tally, where: str) -> None:
    exceptions = page.get_by_test_id("stException")
    if await exceptions.count():
        tally.errors.append(f"{where}: exception shown: {(await exceptions.first.inner_text())[:300]}")
    if await page.get_by_test_id("stConnectionStatus").is_visible():
        tally.errors.append(f"{where}: connection to the server lost")
    tally.error_notices += await page.get_by_test_id("stAlertContentError").count()


async def session(
    browser: Browser, number: int, base: str, deadline: float, tally: Tally, passes: int, delay: float = 0.0
) -> None:
    """One person: open a link, then click every panel in turn, `passes` times or until the deadline."""
    await asyncio.sleep(delay)  # people arrive over a few seconds, not in the same millisecond
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    await context.route("**/*", local_only)
    page = await context.new_page()
    page.on("pageerror", lambda exc: tally.errors.append(f"session {number}: JavaScript error: {exc}"))
    link = base + "/" + LINKS[number % len(LINKS)]
    try:
        started = time.perf_counter()
        await page.goto(link, timeout=STEP_TIMEOUT_S * 1000)
        await page.wait_for_function(SETTLED_JS, arg="scorecard", timeout=STEP_TIMEOUT_S * 1000, polling=100)
        tally.first_loads.append(time.perf_counter() - started)
        await check_page(page, tally, f"session {number} first load")
        # Start each session on a different panel, so the server sees a mix at any moment.
        order = list(PANEL_LABELS)[1:] + ["scorecard"]
        order = order[number % len(order):] + order[: number % len(order)]
        for _ in range(passes):
            for panel in order:
                if time.monotonic() > deadline:
                    return
                started = time.perf_counter()
                await page.get_by_role("radio", name=PANEL_LABELS[panel]).click(timeout=STEP_TIMEOUT_S * 1000)
                await page.wait_for_function(SETTLED_JS, arg=panel, timeout=STEP_TIMEOUT_S * 1000, polling=100)
                tally.rerenders.append(time.perf_counter() - started)
                tally.clicks += 1
                await check_page(page, tally, f"session {number} panel {panel}")
    except PlaywrightError as exc:  # timeouts included: a view that never settles is an error
        tally.errors.append(f"session {number}: {str(exc).splitlines()[0][:300]}")
    finally:
        await context.close()


async def sample_peak(process: psutil.Process, stop: asyncio.Event, peak: list[int]) -> None:
    while not stop.is_set():
        peak[0] = max(peak[0], rss(process))
        await asyncio.sleep(0.5)


def cpu_seconds(processes: list[psutil.Process]) -> float:
    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
            total += times.user + times.system
        except psutil.NoSuchProcess:
            pass
    return total


def machine_busy_seconds() -> float:
    """CPU seconds all cores spent busy since boot (Chromium's renderers come and go, so count them all)."""
    times = psutil.cpu_times()
    return sum(times) - times.idle - getattr(times, "iowait", 0.0)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


async def run(args: argparse.Namespace) -> int:
    server = Server("app.py")
    try:
        server.wait_healthy()
        process = psutil.Process(server.process.pid)
        memory: list[tuple[str, int]] = [("cold (healthy, no session yet)", rss(process))]
        tally = Tally()
        peak = [0]
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            # One session first, so "warm" separates first-run imports and caches from load.
            await session(browser, 0, server.url, time.monotonic() + STEP_TIMEOUT_S * 7, Tally(), passes=1)
            memory.append(("warm (after one session saw every panel)", rss(process)))

            stop = asyncio.Event()
            sampler = asyncio.create_task(sample_peak(process, stop, peak))
            cpu_before = (cpu_seconds([process]), machine_busy_seconds())
            load_started = time.perf_counter()
            deadline = time.monotonic() + args.seconds
            wave_budget = args.seconds / args.waves
            for wave in range(args.waves):
                wave_deadline = min(deadline, time.monotonic() + wave_budget)
                started = time.perf_counter()
                await asyncio.gather(
                    *(
                        session(browser, n, server.url, wave_deadline, tally, args.passes, n * args.ramp / args.sessions)
                        for n in range(args.sessions)
                    )
                )
                memory.append((f"after wave {wave + 1} ({time.perf_counter() - started:.0f} s)", rss(process)))
                if server.process.poll() is not None:
                    tally.errors.append(f"server exited with code {server.process.returncode}")
                    break
            elapsed = time.perf_counter() - load_started
            cpu_server = cpu_seconds([process]) - cpu_before[0]
            cpu_machine = machine_busy_seconds() - cpu_before[1]
            stop.set()
            await sampler
            await browser.close()
        await asyncio.sleep(3)  # let the server notice the closed websockets and drop the sessions
        memory.append(("sessions closed (+3 s)", rss(process)))
        torch = torch_loaded(server.process.pid)
    finally:
        log = server.log()
        server.stop()

    print(f"Load test: {args.sessions} concurrent sessions x {args.waves} waves, "
          f"{args.seconds:.0f} s budget ({elapsed:.0f} s taken), 127.0.0.1 only, {psutil.cpu_count()} CPUs")
    print(f"  CPU busy during the waves: {cpu_machine:.0f} of {elapsed * psutil.cpu_count():.0f} core-seconds, "
          f"of which the server {cpu_server:.0f} s; the rest is mostly Chromium")
    print(f"  panel clicks completed: {tally.clicks}; first loads: {len(tally.first_loads)}")
    if tally.first_loads:
        print(f"  first load to settled:  median {statistics.median(tally.first_loads):.2f} s, "
              f"slowest {max(tally.first_loads):.2f} s")
    if tally.rerenders:
        print(f"  re-render after click:  median {statistics.median(tally.rerenders):.2f} s, "
              f"p95 {percentile(tally.rerenders, 0.95):.2f} s, slowest {max(tally.rerenders):.2f} s")
    print(f"  errors: {len(tally.errors)} (target 0); st.error notices seen: {tally.error_notices}")
    for error in tally.errors[:15]:
        print(f"    - {error}")
    if len(tally.errors) > 15:
        print(f"    … and {len(tally.errors) - 15} more")
    print(f"  torch loaded in the server: {'YES' if torch else 'no'}")
    print("  server RSS:")
    for label, value in memory:
        print(f"    {value / MB:7.1f} MB  {label}")
    print(f"    {peak[0] / MB:7.1f} MB  peak during the waves")
    # memory = cold, warm, one entry per wave, closed: growth should shrink towards 0 wave by wave.
    waves = [value for _, value in memory[1:-1]]
    if len(waves) >= 2:
        growth = [(after - before) / MB for before, after in zip(waves, waves[1:])]
        print("  growth per wave (from warm): " + ", ".join(f"{g:+.1f} MB" for g in growth))
    if server.process.returncode not in (None, 0, -15) or "Traceback" in log:
        print("--- server log (tail) ---\n" + log[-3000:])
    return 1 if tally.errors else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20, help="concurrent browser sessions (default 20)")
    parser.add_argument("--waves", type=int, default=2, help="rounds of fresh sessions (default 2)")
    parser.add_argument("--passes", type=int, default=2, help="most times a session clicks every panel (default 2)")
    parser.add_argument("--seconds", type=float, default=90.0, help="time budget for all waves (default 90)")
    parser.add_argument("--ramp", type=float, default=5.0, help="seconds over which a wave's sessions arrive (default 5)")
    args = parser.parse_args()
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
