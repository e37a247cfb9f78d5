"""The default results saved beside the database (dashboard/saved.py, ``dashboard.serve --prepare``):
used only when they match the database and the code, equal to what the server would compute."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pandas as pd
import pytest
from support import ROOT
from support.browser_support import streamlit_server

from dashboard import saved


def _prepare(db) -> str:
    out = subprocess.run([sys.executable, "-m", "dashboard.serve", "--prepare"], cwd=ROOT, capture_output=True,
                         text=True, timeout=300, env={**os.environ, "RISK_DB": str(db)})
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr
    return out.stdout


def test_saved_results_are_used_only_for_the_same_database_and_code(tmp_path, monkeypatch):
    db = tmp_path / "risk.duckdb"
    db.write_bytes(b"a database")
    assert saved.load(db) == {} and not saved.is_current(db)         # nothing saved yet
    assert saved.save(db, {("run", "x"): [1, 2]}) == saved.file_for(db)
    assert saved.is_current(db) and saved.load(db) == {("run", "x"): [1, 2]}

    # another version of the code
    monkeypatch.setattr(saved, "_CODE", {"v": "other"})
    assert saved.load(db) == {} and not saved.is_current(db)
    monkeypatch.undo()

    # the database replaced (an import or a rebuild changes its time and size)
    time.sleep(0.01)
    db.write_bytes(b"a database, imported into")
    assert saved.load(db) == {} and not saved.is_current(db)

    # results computed before the database changed are not saved under the new file
    old = saved.stamp(db)
    time.sleep(0.01)
    db.write_bytes(b"a database, imported into twice")
    assert saved.save(db, {("run", "x"): 3}, old) is None

    # a damaged file is ignored, never an error
    saved.file_for(db).write_bytes(b"\x80\x05garbage")
    assert saved.load(db) == {} and not saved.is_current(db)
    saved.file_for(db).write_bytes(b"")
    assert saved.load(db) == {}


def test_prepare_saves_once_and_the_saved_scores_equal_a_fresh_run(db_copy):
    from scoring.db.store import Store
    from scoring.index.matrix import TimeOptions
    from scoring.index.model import RiskModel
    from scoring.index.weights import load_profile

    assert "computed and saved" in _prepare(db_copy)
    assert saved.is_current(db_copy)
    assert "up to date" in _prepare(db_copy)                          # nothing to do the second time

    items = saved.load(db_copy)
    names = {k[0] for k in items}
    assert {"run", "municipal", "history"} <= names
    # two runs are saved: the full one (intervals, explanations) and the live one a slider move reuses
    runs = {k[3]: k for k in items if k[0] == "run"}
    assert set(runs) == {True, False}
    run_key = runs[True]
    profile = load_profile("analyst")
    assert run_key[1] == profile.to_yaml() and run_key[2] == TimeOptions()
    assert runs[False][1:3] == run_key[1:3]
    fresh = RiskModel(Store(db_copy)).run(profile, TimeOptions(), uncertainty=True, mc_draws=500, boot_draws=100)
    pd.testing.assert_frame_equal(items[run_key].table.reset_index(drop=True), fresh.table.reset_index(drop=True))
    live = RiskModel(Store(db_copy)).run(profile, TimeOptions(), uncertainty=False, boot_draws=100, explain=False)
    pd.testing.assert_series_equal(items[runs[False]].table["score"].reset_index(drop=True),
                                   live.table["score"].reset_index(drop=True))


@pytest.mark.browser
@pytest.mark.xdist_group("browser")
def test_a_server_started_after_prepare_reads_the_results(db_copy, tmp_path):
    _prepare(db_copy)
    log = tmp_path / "server.log"
    with streamlit_server(db_copy, log):
        deadline = time.monotonic() + 120
        text = ""
        while time.monotonic() < deadline:
            text = log.read_text(encoding="utf-8", errors="replace")
            if "default results ready in" in text or "warm-up skipped" in text:
                break
            time.sleep(0.2)
    assert "default results ready in" in text and "(read)" in text, text[-2000:]
