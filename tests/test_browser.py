"""End-to-end: a real Streamlit server and Debian's Chromium (marked ``browser``; slow).

Checks what AppTest cannot: that plotly.js really draws the 32 states offline (the map
needs the locally served world_110m.json and clockwise rings), that no request leaves the
machine, and that a click on a state reaches the page. Screenshots go to tests/artifacts/.
"""

from __future__ import annotations

import pytest

from browser_support import MAP, STATE_SHAPES

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

# Index of Durango ('10') among the shapes (the choropleth follows the GeoJSON order 01..32).
# A large state that no corridor crosses, so a click in its middle lands on the state itself.
DURANGO = 9


def shape_boxes(page) -> list[dict]:
    return [el.bounding_box() for el in page.query_selector_all(STATE_SHAPES)]


def test_browser_map_draws_the_32_states(browser_page):
    browser_page.open()
    page = browser_page.page
    assert page.locator(STATE_SHAPES).count() == 32
    # An inverted ring is drawn as a rectangle over the whole frame: every state must be
    # much smaller than the map, and together they must span a Mexico-shaped (wide) extent.
    chart = page.locator(MAP).first.bounding_box()
    boxes = [b for b in shape_boxes(page) if b]
    assert len(boxes) == 32
    for box in boxes:
        assert box["width"] * box["height"] < 0.25 * chart["width"] * chart["height"]
    left = min(b["x"] for b in boxes)
    right = max(b["x"] + b["width"] for b in boxes)
    top = min(b["y"] for b in boxes)
    bottom = max(b["y"] + b["height"] for b in boxes)
    assert (right - left) > 1.2 * (bottom - top)  # Mexico is about 1.5x wider than tall
    assert page.get_by_role("heading", name="Risk map").is_visible()
    browser_page.screenshot("risk_map_1440x900.png")


def test_browser_map_draws_the_corridors(browser_page):
    browser_page.open()
    assert browser_page.page.locator(f"{MAP} .scattergeo path.js-line").count() == 15


def test_browser_makes_no_outbound_requests(browser_page):
    browser_page.open()
    browser_page.page.wait_for_timeout(1500)  # let late fetches (fonts, favicon, topojson) happen
    assert browser_page.requests, "no request was recorded at all"
    assert browser_page.outbound() == []


def test_browser_click_on_a_state_shows_its_details(browser_page):
    browser_page.open()
    page = browser_page.page
    box = shape_boxes(page)[DURANGO]
    page.mouse.click(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5)
    page.get_by_role("heading", name="Durango").wait_for(timeout=30_000)
    assert page.locator(STATE_SHAPES).count() == 32  # the outline is a style, not an extra shape
    browser_page.screenshot("risk_map_selected_durango.png")


def test_browser_renders_at_1366x768(browser_page):
    page = browser_page.page
    page.set_viewport_size({"width": 1366, "height": 768})
    browser_page.open()
    assert page.locator(STATE_SHAPES).count() == 32
    chart = page.locator(MAP).first.bounding_box()
    assert chart["x"] >= 0 and chart["x"] + chart["width"] <= 1366  # no horizontal overflow
    browser_page.screenshot("risk_map_1366x768.png")
