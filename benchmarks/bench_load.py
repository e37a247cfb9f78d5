"""Benchmark: many sessions at once on one server, with and without an import running.

Run with ``python -m benchmarks load``. Builds the default database into a temporary folder,
starts ``streamlit run`` on it (127.0.0.1 only) and opens N sessions at once in headless
Chromium (one browser, one context per session, so every session is a new visitor with an
empty HTTP cache). For each session it times navigation -> the map's 32 state shapes drawn.

Three rounds, all in the same run:

* baseline: the same page opened by one session at a time (N_BASE sessions, one after the
  other), the naive "no contention" figure;
* N sessions at once;
* N sessions at once while a command-line import (a 2,000-event file) runs into the same
  database (the import goes through the one writers' lock and swaps a copy in).

Prints the median, 90th percentile and maximum of each round. Targets (issue: a team server
that holds 20 users): median < 5 s, 90th percentile < 10 s, while an import runs. Nothing is
asserted. ``BENCH_LOAD_SESSIONS`` (default 20) and ``BENCH_LOAD_BASE`` (default 3) change the sizes.
Chromium shares the machine with the server here, so the figures are pessimistic.
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
TIMEOUT_S = 600


def say(msg: str) -> None:
    print(msg, flush=True)


def _events_file(path: Path, n: int) -> Path:
    rows = ["event_id,date,date_precision,state_code,geo_precision,event_type,fatalities,source_ids"]
    rows += [f"LOAD{i},2026-07-{1 + i % 28:02d},day,{1 + i % 32:02d},state,killing,1,BenchNotes" for i in range(n)]
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
                if page.evaluate(f"document.querySelectorAll('{bs.STATE_SHAPES}').length") >= 32:
                    done[i] = time.perf_counter() - start[i]
            time.sleep(0.05)
    finally:
        for c in contexts:
            c.close()
    return [done.get(i, float("nan")) for i in range(n)]


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
        with bs.streamlit_server(db, tmp / "server.log") as url, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(bs.CHROMIUM), args=bs.CHROMIUM_ARGS)
            try:
                _open_all(browser, url, 1, bs)                     # warm the server's caches once
                base = [_open_all(browser, url, 1, bs)[0] for _ in range(BASE)]
                say(f"baseline, {BASE} sessions one at a time:      {_summary(base)}")
                port = url.rsplit(":", 1)[1]
                cpu0, wall0 = _server_cpu(port), time.perf_counter()
                alone = _open_all(browser, url, SESSIONS, bs)
                say(f"{SESSIONS} sessions at once:                   {_summary(alone)}")
                say(f"   the server's own CPU time in that round: {_server_cpu(port) - cpu0:.1f} s of "
                    f"{time.perf_counter() - wall0:.1f} s wall on 2 cores (the rest is the {SESSIONS} browsers)")
                env = {**os.environ, "PYTHONPATH": str(ROOT)}
                t0 = time.perf_counter()
                imp = subprocess.Popen([sys.executable, "-m", "scoring", "ingest", str(events), "--format", "events",
                                        "--db", str(db)], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                       stderr=subprocess.STDOUT, text=True)
                busy = _open_all(browser, url, SESSIONS, bs)
                out, _ = imp.communicate(timeout=TIMEOUT_S)
                say(f"{SESSIONS} sessions at once, import running:   {_summary(busy)}")
                say(f"the import: exit {imp.returncode} in {time.perf_counter() - t0:.1f} s; "
                    f"{out.strip().splitlines()[-1] if out.strip() else ''}")
            finally:
                browser.close()
    say(f"targets: median < 5 s and p90 < 10 s with {SESSIONS} sessions while an import runs "
        f"(2 CPUs, load average at the end {os.getloadavg()[0]:.1f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
