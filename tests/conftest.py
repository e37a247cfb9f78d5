"""Shared fixtures.

* ``built_db``: the project's database, built once per test session (per xdist worker)
  into a temporary folder, so tests never touch -- or lock -- ``data/risk.duckdb``.
* ``fresh_streamlit_caches``: empties ``st.cache_data`` / ``st.cache_resource``, which
  otherwise survive from one AppTest to the next in the same process.
* ``streamlit_server``, ``chromium``, ``browser_page``: a real server and Debian's Chromium
  for tests marked ``browser`` (see ``support/browser_support.py``); skipped when Chromium or the
  playwright package is missing.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from support import ROOT, browser_support


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives a real Chromium against a live Streamlit server (slow)")


@pytest.fixture(scope="session")
def built_db(tmp_path_factory) -> Path:
    """Path of a freshly built database (``python -m scoring build``), shared by the session."""
    path = tmp_path_factory.mktemp("db") / "risk.duckdb"
    done = subprocess.run([sys.executable, "-m", "scoring", "build", "--db", str(path)], check=False, cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    if done.returncode != 0 or not path.is_file():
        pytest.fail(f"python -m scoring build failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return path


@pytest.fixture(scope="module")
def store(built_db):
    """A serving :class:`scoring.db.store.Store` on the session's database (read-only use)."""
    from scoring.db.store import Store

    s = Store(built_db)
    yield s
    s.close()


@pytest.fixture
def fresh_streamlit_caches():
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture(scope="session")
def streamlit_server(built_db, tmp_path_factory):
    """Base URL of the dashboard (``python -m dashboard.serve``, as ``make run``) serving ``built_db``
    on a free port."""
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    with browser_support.streamlit_server(built_db, log) as url:
        yield url


@pytest.fixture(scope="session")
def chromium():
    """A headless Debian Chromium driven by Playwright (never `playwright install`)."""
    reason = browser_support.browser_unavailable()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(browser_support.CHROMIUM),
                                    args=browser_support.CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def browser_page(chromium, streamlit_server):
    """A fresh page (1440x900) on the live app, recording every request URL and console error."""
    context = chromium.new_context(viewport={"width": 1440, "height": 900}, locale="en-US")
    page = context.new_page()
    bp = browser_support.BrowserPage(page, streamlit_server)
    page.on("request", lambda req: bp.requests.append(req.url))
    page.on("console", lambda msg: bp.console_errors.append(msg.text) if msg.type == "error" else None)
    try:
        yield bp
    finally:
        context.close()


# --- databases for the build and importer tests (tests/load/test_build.py, test_ingest*.py) ----

@pytest.fixture
def db_copy(built_db, tmp_path) -> Path:
    """A private, writable copy of the session's built database (a closed DuckDB file copies)."""
    import shutil

    path = tmp_path / "risk.duckdb"
    shutil.copy(built_db, path)
    return path


@pytest.fixture(scope="session")
def ref_db_template(tmp_path_factory) -> Path:
    """A small database: reference tables and seeds, no official statistics (built once)."""
    from support.datahelpers import fill_reference

    from scoring.db import store

    path = tmp_path_factory.mktemp("ref") / "ref.duckdb"
    store.build_atomically(path, fill_reference)
    return path


@pytest.fixture
def ref_db(ref_db_template, tmp_path) -> Path:
    """A private, writable copy of the small reference database."""
    import shutil

    path = tmp_path / "ref.duckdb"
    shutil.copy(ref_db_template, path)
    return path


@pytest.fixture
def empty_db(tmp_path) -> Path:
    """The schema and nothing else (the statistics importers need no reference tables)."""
    from scoring.db import store

    path = tmp_path / "empty.duckdb"
    store.build_atomically(path, lambda con: None)
    return path
