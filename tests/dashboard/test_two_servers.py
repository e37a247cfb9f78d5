"""Two dashboard processes serving one database while a command-line import runs (issue 13):
no page errors on either, every page draws a whole state map, and afterwards both serve the
imported batch. Readers see the database before or after the swap, never half of it."""

from __future__ import annotations

import re
import subprocess
import sys
import threading

import pytest
from support import ROOT
from support.browser_support import LIVE_STATES, streamlit_server

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

N_EVENTS = 3000


def _events_file(path, n):
    rows = ["event_id,date,date_precision,state_code,geo_precision,event_type,fatalities,source_ids"]
    rows += [f"TWO{i},2026-07-{1 + i % 28:02d},day,{1 + i % 32:02d},state,killing,1,TwoServers" for i in range(n)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_two_servers_and_an_import(chromium, db_copy, tmp_path):
    browser = chromium          # the session's browser (one Playwright per worker)
    src = _events_file(tmp_path / "two.csv", N_EVENTS)
    with streamlit_server(db_copy, tmp_path / "a.log") as url_a, \
            streamlit_server(db_copy, tmp_path / "b.log") as url_b:
        done = threading.Event()
        result: dict = {}

        def run_import():
            result["proc"] = subprocess.run(
                [sys.executable, "-m", "scoring", "ingest", str(src), "--format", "events", "--db", str(db_copy),
                 "--release", "2026-07"], cwd=ROOT, capture_output=True, text=True, timeout=600)
            done.set()

        def events_count(url) -> int:
            ctx = browser.new_context(viewport={"width": 1440, "height": 900})
            try:
                page = ctx.new_page()
                page.goto(url + "/events", wait_until="domcontentloaded")
                cap = page.get_by_text(re.compile(r"^[\d,]+ events, ")).first
                cap.wait_for(timeout=120_000)
                return int(cap.inner_text().split(" events")[0].replace(",", ""))
            finally:
                ctx.close()

        loads = []
        worker = threading.Thread(target=run_import)
        try:
            before = events_count(url_a)
            worker.start()
            while not done.is_set() or len(loads) < 4:
                for url in (url_a, url_b):
                    ctx = browser.new_context(viewport={"width": 1440, "height": 900})
                    page = ctx.new_page()
                    page.goto(url + "/?as_of=2026-07-31", wait_until="domcontentloaded")
                    page.wait_for_selector(LIVE_STATES, state="attached", timeout=120_000)
                    page.wait_for_timeout(500)
                    loads.append((url, page.locator(LIVE_STATES).count(),
                                  page.locator('[data-testid="stException"]').count(),
                                  page.locator('[data-testid="stAlert"]').all_inner_texts()))
                    ctx.close()
                if len(loads) > 40:
                    break
            worker.join()
            proc = result["proc"]
            assert proc.returncode == 0, proc.stderr
            assert "loaded 3,000" in proc.stdout
            # afterwards, both servers serve the new data (the swapped-in file, picked up by its mtime)
            # (the Events page's default period ends at the newest event, so the count is of the new
            # period: at least the imported events, and the same on both servers)
            after = [events_count(url) for url in (url_a, url_b)]
            assert after[0] == after[1] >= N_EVENTS and after[0] != before, (before, after)
        finally:
            if worker.is_alive():
                worker.join(timeout=600)
    assert len(loads) >= 4
    for url, shapes, errors, alerts in loads:
        assert shapes == 32, (url, shapes)
        assert errors == 0, (url, alerts)
        assert not any("cannot be opened" in a or "out of date" in a for a in alerts), alerts
