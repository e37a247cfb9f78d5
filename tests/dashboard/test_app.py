"""AppTest smoke tests of the Streamlit app (no browser); behaviours are in test_app_behaviour.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from support import ROOT

ENTRY = str(ROOT / "dashboard" / "app.py")

pytestmark = pytest.mark.usefixtures("fresh_streamlit_caches")


@pytest.fixture
def app(built_db, monkeypatch) -> AppTest:
    monkeypatch.setenv("RISK_DB", str(built_db))
    return AppTest.from_file(ENTRY, default_timeout=60)


def routed_pages() -> list[str]:
    """Every page file under dashboard/views/ that the router (app.py) mentions."""
    router = Path(ENTRY).read_text(encoding="utf-8")
    return sorted(p.name for p in (Path(ENTRY).parent / "views").glob("*.py") if f"/{p.name}" in router)


@pytest.mark.parametrize("page", routed_pages())
def test_app_every_routed_page_runs_without_exception(app, page):
    app.run()
    app.switch_page(f"views/{page}").run()
    assert not app.exception, app.exception[0].value if app.exception else ""
    assert not app.error, [e.value for e in app.error]


def test_app_default_page_is_the_risk_map(app):
    app.run()
    assert not app.exception
    assert [t.value for t in app.title] == ["Risk map"]
    assert not app.error


def test_app_risk_map_invites_a_click(app):
    app.run()
    assert any("Click a state to open its profile" in c.value for c in app.caption)


def test_app_missing_database_says_how_to_build_it(monkeypatch, tmp_path):
    monkeypatch.setenv("RISK_DB", str(tmp_path / "absent.duckdb"))
    at = AppTest.from_file(ENTRY, default_timeout=60).run()
    assert not at.exception
    assert len(at.error) == 1
    assert "python -m scoring build" in at.error[0].value and "make run" in at.error[0].value
