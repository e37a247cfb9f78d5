"""Helpers for the real-browser tests: a Streamlit server subprocess and Debian's Chromium.

Used by the session fixtures in ``conftest.py`` (``streamlit_server``, ``chromium``,
``browser_page``). Nothing here downloads anything: Chromium is the system one
(``/usr/bin/chromium``) driven by the ``playwright`` Python package; ``playwright install``
is never run.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from support import ROOT, TESTS

ARTIFACTS = TESTS / "artifacts"  # screenshots; gitignored
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--headless=new", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
# Schemes that never leave the browser (Streamlit's emoji favicon is a data: SVG).
LOCAL_SCHEMES = {"data", "blob", "about", "chrome", "chrome-extension"}
SERVER_START_TIMEOUT_S = 60  # a cold start on 2 cores takes 3-6 s; leave room for a loaded CI box

# The selectors the tests wait on. A plotly map (the other pages' maps, the municipal layer):
# one `.choroplethlocation` path per drawn shape.
MAP = '[data-testid="stPlotlyChart"]'
STATE_SHAPES = f"{MAP} .choroplethlocation"
# The risk map's live SVG map (dashboard/live_map.py): one path with a data-ref per state.
LIVE_MAP = ".lm svg"
LIVE_STATES = f"{LIVE_MAP} path[data-ref]"
# Either: what `open` waits for.
ANY_STATES = f"{STATE_SHAPES}, {LIVE_STATES}"
# Streamlit's own end-to-end hook: "initial", "running" or "notRunning" (the script run state).
IDLE_APP = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def browser_unavailable() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (apt-get install chromium; .ci/run does it)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        return f"the playwright Python package cannot be imported ({exc}); pip install -r requirements-dev.txt"
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def is_local(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in LOCAL_SCHEMES or parts.hostname in LOCAL_HOSTS


@contextlib.contextmanager
def streamlit_server(db_path: Path, log_path: Path, *, port: int | None = None, plain: bool = False) -> Iterator[str]:
    """Run the dashboard as ``make run`` does (``python -m dashboard.serve``, i.e. ``streamlit run
    dashboard/app.py`` warmed) on ``db_path``; yield its base URL once healthy.

    ``plain=True`` starts a bare ``streamlit run dashboard/app.py`` instead (no preloading, no
    warm-up, outlines inline): the benchmarks' naive baseline. The server's output goes to ``log_path``; it is quoted in the error if the server dies
    or never answers ``/_stcore/health``. The process group is stopped on exit.
    """
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    cmd = [
        sys.executable, "-m", *(("streamlit", "run", "dashboard/app.py") if plain else ("dashboard.serve",)),
        "--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
        "--browser.serverAddress", "127.0.0.1", "--browser.serverPort", str(port),
        "--browser.gatherUsageStats", "false",
    ]
    env = {**os.environ, "RISK_DB": str(db_path)}
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
    try:
        _wait_healthy(url, proc, log_path)
        yield url
    finally:
        _stop(proc)


def _wait_healthy(url: str, proc: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {proc.returncode}:\n{_tail(log_path)}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.25)
    raise RuntimeError(f"streamlit did not answer {url}/_stcore/health in {SERVER_START_TIMEOUT_S} s:\n"
                       f"{_tail(log_path)}")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)  # our own session: the server and nothing else
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)


def _tail(path: Path, n: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-n:])
    except OSError:
        return "(no server log)"


@dataclass
class BrowserPage:
    """A Playwright page on the app plus every URL it requested and every console error."""

    page: object
    base_url: str
    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def open(self, path: str = "/", *, timeout_ms: int = 60_000) -> None:
        """Load a page of the app and wait until the map's shapes are drawn (live or plotly)."""
        self.page.goto(self.base_url + path, wait_until="domcontentloaded")
        self.page.wait_for_selector(ANY_STATES, state="attached", timeout=timeout_ms)

    def goto(self, path: str, *, heading: str | None = None, timeout_ms: int = 60_000) -> None:
        """Load any page of the app; wait for its title (``heading``, else any h1) and the app to settle."""
        self.page.goto(self.base_url + path, wait_until="domcontentloaded")
        if heading:
            self.page.get_by_role("heading", name=heading, exact=True).first.wait_for(timeout=timeout_ms)
        else:
            self.page.wait_for_selector("h1", timeout=timeout_ms)
        self.wait_idle(timeout_ms=timeout_ms)

    def wait_idle(self, *, timeout_ms: int = 60_000, quiet_ms: int = 600) -> None:
        """Wait until the script run has finished (and stayed finished for ``quiet_ms``) and
        every Plotly chart and live map on the page has drawn."""
        page = self.page
        deadline = time.monotonic() + timeout_ms / 1000
        quiet_since = None
        while time.monotonic() < deadline:
            running = page.locator(IDLE_APP).count() == 0
            charts = page.locator(MAP).count()
            drawn = page.locator(f"{MAP} .main-svg").count() >= charts  # plotly draws 2+ svgs per chart
            # and every live map (dashboard/live_map.py) has mounted its drawing
            drawn = drawn and page.locator(".stBidiComponent").count() <= page.locator(LIVE_MAP).count()
            if running or not drawn:
                quiet_since = None
            elif quiet_since is None:
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since >= quiet_ms / 1000:
                return
            page.wait_for_timeout(100)
        raise TimeoutError(f"the app did not settle in {timeout_ms} ms")

    def outbound(self) -> list[str]:
        return [u for u in self.requests if not is_local(u)]

    def screenshot(self, name: str, *, max_height: int = 8000) -> Path:
        """Screenshot the whole page. Streamlit scrolls inside ``stMain``, not the document, so
        the viewport is stretched to the content's height for the shot and then restored."""
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / name
        page = self.page
        size = page.viewport_size
        height = page.evaluate("() => { const m = document.querySelector('[data-testid=\"stMain\"]');"
                               " return m ? m.scrollHeight : document.body.scrollHeight; }")
        tall = min(max(int(height), size["height"]), max_height)
        if tall > size["height"]:
            page.set_viewport_size({"width": size["width"], "height": tall})
            page.wait_for_timeout(800)  # let the charts resize to the new frame
        try:
            page.screenshot(path=str(path), full_page=True)
        finally:
            if tall > size["height"]:
                page.set_viewport_size(size)
        return path
