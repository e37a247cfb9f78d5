"""AppTest smoke and behaviour tests of the Streamlit app (no browser)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ENTRY = str(Path(__file__).resolve().parents[1] / "dashboard" / "app.py")

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


def test_app_default_page_is_the_risk_map(app):
    app.run()
    assert not app.exception
    assert [t.value for t in app.title] == ["Risk map"]
    assert not app.error


def test_app_risk_map_offers_every_measure(app):
    app.run()
    assert app.selectbox(key="measure").options == [
        "Region", "Events in the period", "Fatalities in the period", "Fatalities per 100,000 residents",
        "Population (2020 census)",
    ]


@pytest.mark.parametrize("measure", ["Region", "Fatalities per 100,000 residents", "Population (2020 census)"])
def test_app_risk_map_renders_each_measure(app, measure):
    app.run()
    app.selectbox(key="measure").set_value(measure).run()
    assert not app.exception


def test_app_risk_map_period_slider_changes_without_error(app):
    app.run()
    slider = app.slider(key="event_years")
    lo, hi = slider.min, slider.max
    slider.set_value((lo, hi)).run()
    assert not app.exception
    assert app.slider(key="event_years").value == (lo, hi)


def test_app_risk_map_without_a_click_prompts_for_one(app):
    app.run()
    assert any("Click a state" in i.value for i in app.info)


def test_app_risk_map_map_click_shows_the_state_details(app):
    # A Plotly chart is opaque to AppTest: seed the chart's session entry as a click would.
    app.session_state["map"] = {"selection": {"points": [{"location": "14"}], "point_indices": [13],
                                              "box": [], "lasso": []}}
    app.run()
    assert not app.exception
    assert [s.value for s in app.subheader] == ["Jalisco"]
    assert app.session_state["selected_state"] == "14"
    assert "Manzanillo" in " ".join(m.value for m in app.markdown)  # the port corridor crosses Jalisco


def test_app_missing_database_says_how_to_build_it(monkeypatch, tmp_path):
    monkeypatch.setenv("RISK_DB", str(tmp_path / "absent.duckdb"))
    at = AppTest.from_file(ENTRY, default_timeout=60).run()
    assert not at.exception
    assert len(at.error) == 1
    assert "python -m scoring build" in at.error[0].value and "make run" in at.error[0].value
