"""End-to-end: a real Streamlit server and Debian's Chromium (marked ``browser``; slow).

Checks what AppTest cannot: that the risk map's live SVG map (dashboard/live_map.py) draws the 32
states and the corridors with their tooltips, that a click on a state opens its profile, that a
plotly map takes over from its picture on another page, that no request leaves the machine, and
that a weight slider moved with the keyboard re-ranks the states. Screenshots of every page go to tests/artifacts/.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from support.browser_support import LIVE_MAP, LIVE_STATES, MAP

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

# Index of Durango ('10') among the shapes (the map follows the GeoJSON order 01..32).
# A large state that no corridor crosses, so a click in its middle lands on the state itself.
DURANGO = 9

# Every routed page: (URL path, file-name stem of its screenshot, its title when opened from the URL).
PAGES = [
    ("/", "risk_map", "Risk map"),
    ("/state?state=11", "state_profile", "Guanajuato"),
    ("/compare", "compare", "Compare"),
    ("/corridors", "corridors", "Corridors"),
    ("/weights", "weights", "Weights & methods"),
    ("/events", "events_data", "Events & data"),
]


def shape_boxes(page) -> list[dict]:
    return [el.bounding_box() for el in page.query_selector_all(LIVE_STATES)]


def test_browser_map_draws_the_32_states(browser_page):
    browser_page.open()
    page = browser_page.page
    assert page.locator(LIVE_STATES).count() == 32
    # An inverted ring is drawn as a rectangle over the whole frame: every state must be
    # much smaller than the map, and together they must span a Mexico-shaped (wide) extent.
    chart = page.locator(LIVE_MAP).first.bounding_box()
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
    page = browser_page.page
    # Each of the 20 corridors: a white casing, the line in its risk level's colour, and a wide
    # transparent twin that takes the hover and the click.
    strokes = page.eval_on_selector_all(f"{LIVE_MAP} polyline", "els => els.map(e => getComputedStyle(e).stroke)")
    casings = [c for c in strokes if c == "rgb(255, 255, 255)"]
    hits = [c for c in strokes if c == "rgba(0, 0, 0, 0)"]
    assert len(strokes) == 60 and len(casings) == 20 and len(hits) == 20, strokes
    assert len(set(strokes) - {"rgb(255, 255, 255)", "rgba(0, 0, 0, 0)"}) >= 2  # corridors differ in level
    assert page.locator(f'{LIVE_MAP} polyline[data-ref^="corridor:"]').count() == 20


def test_browser_live_map_tooltip_keyboard_and_zoom(browser_page):
    """The tooltip is the state's own text (no native tooltip left to double it), a state can be
    reached and opened from the keyboard, and the zoom buttons change the view and reset it."""
    browser_page.open()
    page = browser_page.page
    durango = page.locator(f'{LIVE_STATES}[data-ref="10"]')
    durango.hover()
    tip = page.locator(".lm .lm-tip")
    assert tip.is_visible()
    text = tip.inner_text()
    assert text.startswith("Durango\nRisk level: ") and "Score: " in text and "Rank of 32: " in text
    assert page.locator(f"{LIVE_MAP} title").count() == 0
    page.mouse.move(2, 2)
    assert not tip.is_visible()
    home = page.locator(LIVE_MAP).get_attribute("viewBox")
    page.get_by_role("button", name="Zoom in").click()
    zoomed = page.locator(LIVE_MAP).get_attribute("viewBox")
    assert zoomed != home and float(zoomed.split()[2]) < float(home.split()[2])
    page.get_by_role("button", name="Reset the zoom").click()
    assert [float(v) for v in page.locator(LIVE_MAP).get_attribute("viewBox").split()] == [float(v) for v in home.split()]
    page.locator(f'{LIVE_STATES}[data-ref="14"]').focus()
    assert tip.inner_text().startswith("Jalisco\n")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Jalisco", exact=True).wait_for(timeout=30_000)
    assert parse_qs(urlsplit(page.url).query)["state"] == ["14"]


def test_browser_click_on_a_state_opens_its_profile(browser_page):
    browser_page.open()
    page = browser_page.page
    box = shape_boxes(page)[DURANGO]
    page.mouse.click(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5)
    page.get_by_role("heading", name="Durango", exact=True).wait_for(timeout=30_000)
    url = urlsplit(page.url)
    assert url.path == "/state"
    assert parse_qs(url.query)["state"] == ["10"]
    browser_page.wait_idle()
    browser_page.screenshot("state_profile_after_click_durango.png")


def test_browser_state_profile_map_is_live_and_a_click_opens_the_municipality(browser_page):
    """The state profile's municipalities: a live SVG map from the first run (no plotly.js on the
    page at all), each with its tooltip; a click on one opens its place profile."""
    browser_page.goto("/state?state=25", heading="Sinaloa")
    page = browser_page.page
    page.wait_for_selector(LIVE_STATES, state="attached", timeout=30_000)
    shapes = page.locator(LIVE_STATES)
    assert shapes.count() >= 18                                   # Sinaloa's municipalities
    assert page.locator(MAP).count() == 0
    assert not [u for u in browser_page.requests if "PlotlyChart" in u]     # plotly.js never asked for
    culiacan = page.locator(f'{LIVE_STATES}[data-ref="25006"]')
    culiacan.scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    box = culiacan.bounding_box()
    # a point inside Culiacán (its box's centre may fall on a neighbour)
    x, y = culiacan.evaluate("""p => { const s = p.ownerSVGElement, m = s.getScreenCTM(), b = p.getBBox();
        for (let i = 1; i < 10; i++) for (let j = 1; j < 10; j++) {
          const pt = s.createSVGPoint(); pt.x = b.x + b.width * i / 10; pt.y = b.y + b.height * j / 10;
          if (p.isPointInFill(pt)) return [pt.x * m.a + m.e, pt.y * m.d + m.f]; }
        return null; }""") or (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.move(x, y)
    assert page.locator(".lm .lm-tip").inner_text().startswith("Culiacán\nRisk level: ")
    page.mouse.click(x, y)
    page.get_by_role("heading", name="Culiacán, Sinaloa", exact=True).wait_for(timeout=30_000)
    assert urlsplit(page.url).path == "/place" and parse_qs(urlsplit(page.url).query)["place"] == ["25006"]
    browser_page.wait_idle()
    # the place's own map outlines it, and no plotly.js was asked for on the way
    assert page.locator(f'{LIVE_STATES}[data-ref="25006"]').get_attribute("stroke") == "#111111"
    assert not [u for u in browser_page.requests if "PlotlyChart" in u]


def ranking_text(page) -> str:
    """The rows of the weights page's ranked table (a Markdown table in a scrolling box)."""
    return page.locator(".st-key-w_rank table").first.inner_text()


def test_browser_weight_slider_moved_by_keyboard_reranks(browser_page):
    browser_page.goto("/weights", heading="Weights & methods")
    page = browser_page.page
    before = ranking_text(page)
    assert "Colima" in before
    # the live map is SVG (redrawn on every move): 32 states, each with its tooltip
    tips_js = "els => els.map(e => e.getAttribute('data-tip'))"
    tips = page.eval_on_selector_all(f"{LIVE_STATES}[data-tip]", tips_js)
    assert len(tips) == 32 and any(t.startswith("Colima\nRisk level: ") for t in tips)
    # The thumb is a visually hidden <input type="range"> (implicit role "slider").
    thumb = page.locator('.st-key-wsl_p_lethal [data-testid="stSlider"]').get_by_role("slider")
    assert thumb.input_value() == "0.35"
    thumb.focus()
    page.keyboard.press("End")
    page.wait_for_function("() => new URLSearchParams(location.search).get('pw') === 'lethal:1'", timeout=30_000)
    browser_page.wait_idle()
    assert thumb.input_value() == "1"
    after = ranking_text(page)
    assert after != before
    tips_after = page.eval_on_selector_all(f"{LIVE_STATES}[data-tip]", tips_js)
    assert len(tips_after) == 32 and tips_after != tips     # the scores in the tooltips moved with the weights
    browser_page.screenshot("weights_lethal_1.png")


def test_browser_no_request_leaves_the_machine_on_any_page(browser_page):
    for path, stem, title in PAGES:
        browser_page.goto(path, heading=title)
        browser_page.page.wait_for_timeout(1000)  # late fetches (fonts, favicon, topojson)
        browser_page.screenshot(f"page_{stem}.png")
    hosts = {urlsplit(u).hostname for u in browser_page.requests if urlsplit(u).scheme in ("http", "https", "ws", "wss")}
    assert hosts == {"127.0.0.1"}
    assert browser_page.outbound() == []


def test_browser_renders_at_1366x768(browser_page):
    page = browser_page.page
    page.set_viewport_size({"width": 1366, "height": 768})
    browser_page.open()
    assert page.locator(LIVE_STATES).count() == 32
    chart = page.locator(LIVE_MAP).first.bounding_box()
    assert chart["x"] >= 0 and chart["x"] + chart["width"] <= 1366  # no horizontal overflow
    browser_page.screenshot("risk_map_1366x768.png")
