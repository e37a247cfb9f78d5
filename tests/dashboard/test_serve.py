"""The launcher ``python -m dashboard.serve`` (``make run``): it loads the modules before the server
listens and computes the default results as soon as the server runs, without a visitor."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from support import ROOT
from support.browser_support import streamlit_server

from dashboard import serve


def test_preload_imports_what_a_session_needs():
    code = ("import sys; from dashboard import serve; serve.preload(); "
            "print(all(m in sys.modules for m in ('dashboard.data', 'plotly.graph_objects', 'duckdb', 'sklearn')))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().endswith("True")
    assert "No runtime found" not in out.stderr      # the expected warning is silenced, nothing else


def test_warm_up_waits_for_the_server_and_gives_up_without_one(monkeypatch):
    from streamlit import runtime

    started = []
    monkeypatch.setattr(runtime, "exists", lambda: False)
    monkeypatch.setattr("dashboard.data.warm_up_in_background", lambda: started.append(1))
    t0 = time.monotonic()
    assert serve.warm_when_running(timeout_s=0.3) is False
    assert time.monotonic() - t0 >= 0.3 and not started
    monkeypatch.setattr(runtime, "exists", lambda: True)
    assert serve.warm_when_running(timeout_s=0.3) is True and started == [1]


@pytest.mark.browser
@pytest.mark.xdist_group("browser")
def test_server_computes_the_default_results_before_any_visitor(built_db, tmp_path):
    log = tmp_path / "server.log"
    with streamlit_server(built_db, log):
        deadline = time.monotonic() + 120
        text = ""
        while time.monotonic() < deadline:
            text = log.read_text(encoding="utf-8", errors="replace")
            if "default results ready in" in text or "warm-up skipped" in text:
                break
            time.sleep(0.2)
    assert "modules loaded in" in text
    assert "default results ready in" in text, text[-2000:]
    assert "warm-up skipped" not in text and "Traceback" not in text
