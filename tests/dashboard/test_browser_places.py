"""End-to-end, city level (issue 10): the national municipal layer, a state's municipalities,
and a search that lands on the right place profile (real server, Debian's Chromium)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from support.browser_support import LIVE_STATES, MAP, STATE_SHAPES

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_browser_national_municipal_layer_draws_2475_shapes(browser_page):
    browser_page.open("/?mlayer=1", timeout_ms=90_000)
    page = browser_page.page
    page.wait_for_function(f"document.querySelectorAll('{STATE_SHAPES}').length >= 2475", timeout=60_000)
    assert page.locator(f"{MAP} .choroplethlocation").count() == 2475
    assert not browser_page.outbound()
    browser_page.screenshot("risk_map_municipal_layer.png")


def test_browser_state_profile_draws_only_its_municipalities(browser_page):
    browser_page.goto("/state?state=23", heading="Quintana Roo")
    page = browser_page.page
    page.get_by_role("heading", name="Municipalities of Quintana Roo").wait_for(timeout=60_000)
    page.wait_for_function(f"document.querySelectorAll('{LIVE_STATES}').length === 11", timeout=60_000)
    refs = page.eval_on_selector_all(LIVE_STATES, "els => els.map(e => e.dataset.ref)")
    assert len(refs) == 11 and all(r.startswith("23") for r in refs)   # Quintana Roo's 11 municipalities alone
    browser_page.screenshot("state_profile_municipalities_q_roo.png")


@pytest.mark.parametrize("typed,heading,code", [
    ("Cancun", "Benito Juárez, Quintana Roo", "23005"),
    ("puerto vallarta", "Puerto Vallarta, Jalisco", "14067"),
])
def test_browser_search_lands_on_the_place_profile(browser_page, typed, heading, code):
    browser_page.open()
    page = browser_page.page
    box = page.get_by_label("Find a place")
    box.fill(typed)
    box.press("Enter")
    page.get_by_role("button", name="Go to this place").click()
    page.get_by_role("heading", name=heading, exact=True).wait_for(timeout=60_000)
    url = urlsplit(page.url)
    assert url.path == "/place"
    assert parse_qs(url.query)["place"] == [code]
    browser_page.wait_idle()
    assert page.get_by_text("Rank in").first.is_visible()
    browser_page.screenshot(f"place_profile_{code}.png")
