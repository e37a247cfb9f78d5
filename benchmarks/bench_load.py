"""Benchmark: many sessions at once on one server, with and without an import running.

Run with ``python -m benchmarks load``. Builds the default database into a temporary folder,
starts the dashboard on it as ``make run`` does (``python -m dashboard.serve``, 127.0.0.1 only)
and drives it from one headless Chromium, one browser context per session.

Round "open" (N new visitors, each with an empty HTTP cache, open the map at once; times
navigation -> the map's 32 state shapes drawn):

* baseline: one session at a time (N_BASE sessions, one after the other), the naive
  "no contention" figure;
* N sessions at once;
* N sessions at once while a command-line import (a 2,000-event file) runs into the same
  database (the import goes through the one writers' lock and swaps a copy in).

Round "sliders" (the issue's case: N sessions already open on Weights & methods, everyone moves
a pillar-weight slider at the same moment; times the key press -> the page settled, i.e. the
rerun it started has ended, as the browser sees it):

* baseline: one session alone, N_BASE moves (this is also the re-ranking time as a user sees it);
* settled means the rerun's 'running' state came and went; a rerun served from the cache can end
  before the page ever draws 'running', and such a session is timed to the moment its page shows
  the new scores (the live map's tooltips; the output says how many). An earlier version timed it
  to the page's last change once quiet for 3 s, which counted a session whose rerun had not yet
  started as settled when its slider thumb moved;
* N sessions at once, then N sessions at once while an import runs (its new data makes every
  session's rerun a cache miss).

Prints the median, 90th percentile and maximum of each round, and the server's own CPU time.
Targets (issue: a team server that holds 20 users): median < 5 s, 90th percentile < 10 s, while
an import runs. Nothing is asserted. ``BENCH_LOAD_SESSIONS`` (default 20), ``BENCH_LOAD_BASE``
(default 3) and ``BENCH_LOAD_ROUNDS`` (default ``open,sliders``) change the sizes and rounds.
The N Chromium renderers share the machine's two cores with the server here, so the figures are
pessimistic for a team whose browsers run on their own machines.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scoring.load import build as build_mod

ROOT = Path(__file__).resolve().parents[1]
SESSIONS = int(os.environ.get("BENCH_LOAD_SESSIONS", "20"))
BASE = int(os.environ.get("BENCH_LOAD_BASE", "3"))
# "open": N new visitors open the map at once (with and without an import); "sliders": N open
# sessions move a weight slider at once (with and without an import), the case.
ROUNDS = os.environ.get("BENCH_LOAD_ROUNDS", "open,sliders").split(",")
TIMEOUT_S = 600


def say(msg: str) -> None:
    print(msg, flush=True)


def _events_file(path: Path, n: int, prefix: str = "LOAD") -> Path:
    rows = ["event_id,date,date_precision,state_code,geo_precision,event_type,fatalities,source_ids"]
    rows += [f"{prefix}{i},2026-07-{1 + i % 28:02d},day,{1 + i % 32:02d},state,killing,1,BenchNotes" for i in range(n)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def _open_all(browser, url: str, n: int, bs) -> list[float]:
    """Open n new sessions at once; seconds from each navigation to its map drawn."""
    contexts = [browser.new_context(viewport={"width": 1366, "height": 768}) for _ in range(n)]
    pages = [c.new_page() for c in contexts]
    start, done = {}, {}
    try:
        for i, page in enumerate(pages):
            start[i] = time.perf_counter()
            page.goto(url + "/", wait_until="commit", timeout=TIMEOUT_S * 1000)
        deadline = time.perf_counter() + TIMEOUT_S
        while len(done) < n and time.perf_counter() < deadline:
            for i, page in enumerate(pages):
                if i in done:
                    continue
                if page.evaluate(f"document.querySelectorAll('{bs.ANY_STATES}').length") >= 32:
                    done[i] = time.perf_counter() - start[i]
            time.sleep(0.05)
    finally:
        for c in contexts:
            c.close()
    return [done.get(i, float("nan")) for i in range(n)]


# Watches the app's script state: the time (performance.now(), ms) at which a rerun that started
# after the mark ended. Streamlit sets data-test-script-state on .stApp ("running" / "notRunning").
_WATCH = """() => {
  const app = document.querySelector('.stApp');
  window.__sawRun = false; window.__settled = null; window.__t0 = performance.now();
  if (window.__obs) window.__obs.disconnect();
  // a busy renderer may deliver 'running' and 'notRunning' in one batch of records: the old
  // values say a run happened even when the attribute already reads 'notRunning'
  window.__obs = new MutationObserver((records) => {
    const s = app.getAttribute('data-test-script-state');
    if (s === 'running' || records.some(r => r.oldValue === 'running')) window.__sawRun = true;
    if (s === 'running') window.__settled = null;
    else if (window.__sawRun && s === 'notRunning' && window.__settled === null) window.__settled = performance.now();
  });
  window.__obs.observe(app, {attributes: true, attributeOldValue: true, attributeFilter: ['data-test-script-state']});
  // a rerun served from the cache can end before React ever draws the 'running' state: the moment
  // the page shows the new scores (the live map's tooltips carry them) then says when it settled
  // (the slider's own thumb moving, at once, is not an answer from the server)
  const sig = () => [...document.querySelectorAll('.lm svg path[data-tip]')]
                      .map(t => t.getAttribute('data-tip')).join('|');
  window.__sig0 = sig(); window.__changed = null;
  if (window.__domObs) window.__domObs.disconnect();
  window.__domObs = new MutationObserver(() => {
    if (window.__changed === null && sig() !== window.__sig0) window.__changed = performance.now(); });
  window.__domObs.observe(document.querySelector('[data-testid="stMain"]') || document.body,
                          {subtree: true, childList: true, characterData: true, attributes: true});
}"""
# a pillar weight on the Weights & methods page: a visually hidden <input type="range">
SLIDER = '.st-key-wsl_p_lethal [data-testid="stSlider"] input[type="range"]'


def _open_weights(browser, url: str, n: int) -> list:
    """n sessions on the Weights & methods page, opened one after the other and settled (not timed)."""
    pages = []
    for _ in range(n):
        ctx = browser.new_context(viewport={"width": 1366, "height": 768})
        page = ctx.new_page()
        page.goto(url + "/weights", timeout=TIMEOUT_S * 1000)
        page.wait_for_selector(SLIDER, state="attached", timeout=TIMEOUT_S * 1000)
        page.wait_for_function("document.querySelector('.stApp').getAttribute('data-test-script-state') "
                               "=== 'notRunning'", timeout=TIMEOUT_S * 1000)
        pages.append(page)
    return pages


def _move_sliders(pages: list, keys=("ArrowLeft", "ArrowRight", "Home", "End")) -> list[float]:
    """Every session moves the weight slider at once (one step down, one up, to zero or to the
    top: four different weightings, each a cache miss for the first session that asks); seconds
    from its key press to its page settled (the rerun ended and the page drew)."""
    for page in pages:
        page.evaluate(_WATCH)
    before = [page.locator(SLIDER).input_value() for page in pages]
    for i, page in enumerate(pages):
        page.evaluate("window.__t0 = performance.now()")
        page.locator(SLIDER).focus()
        page.keyboard.press(keys[i % len(keys)])
    deadline = time.perf_counter() + TIMEOUT_S
    done: dict[int, float] = {}
    quick: set[int] = set()
    while len(done) < len(pages) and time.perf_counter() < deadline:
        for i, page in enumerate(pages):
            if i not in done:
                got = page.evaluate("""() => {
                  if (window.__settled !== null) return [(window.__settled - window.__t0) / 1000, false];
                  const app = document.querySelector('.stApp');
                  const idle = app.getAttribute('data-test-script-state') === 'notRunning';
                  // no running state seen, idle, and the new scores are on the page: it settled
                  // when they came (a rerun from the cache, quicker than React's first paint)
                  if (!window.__sawRun && idle && window.__changed !== null)
                    return [(window.__changed - window.__t0) / 1000, true];
                  return null; }""")
                if got is not None:
                    done[i] = got[0]
                    if got[1]:
                        quick.add(i)
        time.sleep(0.05)
    if quick:
        say(f"   {len(quick)} of {len(pages)} sessions settled without showing a running state (a rerun from the "
            "cache): timed to the new scores on their page")
    for i, page in enumerate(pages):
        if i not in done:    # say why a session never settled, so a lost key press is not read as a slow server
            state = page.evaluate("document.querySelector('.stApp').getAttribute('data-test-script-state')")
            value = page.locator(SLIDER).input_value()
            say(f"   session {i} ({keys[i % len(keys)]}) never settled: slider {before[i]} -> {value}, script "
                f"{state}, saw a run: {page.evaluate('window.__sawRun')}")
    return [done.get(i, float("nan")) for i in range(len(pages))]


def _summary(times: list[float]) -> str:
    ok = sorted(t for t in times if t == t)
    if not ok:
        return "no session finished"
    p90 = ok[min(len(ok) - 1, int(round(0.9 * (len(ok) - 1))))]
    missing = len(times) - len(ok)
    return (f"median {statistics.median(ok):6.2f} s   p90 {p90:6.2f} s   max {ok[-1]:6.2f} s"
            + (f"   ({missing} did not finish in {TIMEOUT_S} s)" if missing else ""))


def _server_cpu(port: str) -> float:
    """User + system CPU seconds of the Streamlit server listening on ``port`` (Linux /proc)."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            joined = b" ".join(cmd)
            if (b"streamlit" in joined or b"dashboard.serve" in joined) and port.encode() in cmd:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += (int(fields[11]) + int(fields[12])) / tick
        except OSError:
            continue
    return total


def main() -> int:
    sys.path.insert(0, str(ROOT / "tests"))
    from support import browser_support as bs

    reason = bs.browser_unavailable()
    if reason:
        say(f"skipped: {reason}")
        return 0
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        db = tmp / "risk.duckdb"
        _, _, secs = build_mod.build(db)
        say(f"built the default database in {secs:.1f} s")
        events = _events_file(tmp / "load_events.csv", 2000)
        events2 = _events_file(tmp / "load_events2.csv", 2000, prefix="LOADB")
        with bs.streamlit_server(db, tmp / "server.log") as url, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(bs.CHROMIUM), args=bs.CHROMIUM_ARGS)
            try:
                _open_all(browser, url, 1, bs)                     # warm the server's caches once
                env = {**os.environ, "PYTHONPATH": str(ROOT)}
                port = url.rsplit(":", 1)[1]
                if "open" in ROUNDS:
                    base = [_open_all(browser, url, 1, bs)[0] for _ in range(BASE)]
                    say(f"baseline, {BASE} sessions one at a time:      {_summary(base)}")
                    cpu0, wall0 = _server_cpu(port), time.perf_counter()
                    alone = _open_all(browser, url, SESSIONS, bs)
                    say(f"{SESSIONS} sessions at once:                   {_summary(alone)}")
                    say(f"   the server's own CPU time in that round: {_server_cpu(port) - cpu0:.1f} s of "
                        f"{time.perf_counter() - wall0:.1f} s wall on 2 cores (the rest is the {SESSIONS} browsers)")
                    t0 = time.perf_counter()
                    imp = subprocess.Popen([sys.executable, "-m", "scoring", "ingest", str(events), "--format", "events",
                                            "--db", str(db)], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                           stderr=subprocess.STDOUT, text=True)
                    busy = _open_all(browser, url, SESSIONS, bs)
                    out, _ = imp.communicate(timeout=TIMEOUT_S)
                    say(f"{SESSIONS} sessions at once, import running:   {_summary(busy)}")
                    say(f"the import: exit {imp.returncode} in {time.perf_counter() - t0:.1f} s; "
                        f"{out.strip().splitlines()[-1] if out.strip() else ''}")
                if "sliders" not in ROUNDS:
                    return 0
                # the case: sessions already open, everyone moving a weight slider at once
                one = _open_weights(browser, url, 1)
                solo = []
                for _ in range(BASE):
                    solo += _move_sliders(one)
                say(f"slider moved, one session alone ({BASE} moves): {_summary(solo)}  (re-rank as seen in the browser)")
                pages = _open_weights(browser, url, SESSIONS)
                say(f"{SESSIONS} sessions open on Weights & methods; all move a weight slider at once:")
                cpu0, wall0 = _server_cpu(port), time.perf_counter()
                say(f"   no import:                             {_summary(_move_sliders(pages))}")
                say(f"   the server's own CPU time in that round: {_server_cpu(port) - cpu0:.1f} s of "
                    f"{time.perf_counter() - wall0:.1f} s wall")
                imp = subprocess.Popen([sys.executable, "-m", "scoring", "ingest", str(events2), "--format", "events",
                                        "--db", str(db)], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                       stderr=subprocess.STDOUT, text=True)
                moved = _move_sliders(pages, ("ArrowRight", "ArrowLeft", "End", "Home"))
                out, _ = imp.communicate(timeout=TIMEOUT_S)
                say(f"   while an import runs:                  {_summary(moved)}  (import exit {imp.returncode})")
            finally:
                browser.close()
    say(f"targets: median < 5 s and p90 < 10 s with {SESSIONS} sessions while an import runs "
        f"(2 CPUs, load average at the end {os.getloadavg()[0]:.1f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
