"""The look at a laptop's 1366x768 and a phone's 390x844 (issue 12), in a real browser.

Every column of the ranking beside the map is visible (the grid does not scroll sideways), no
text on a page overlaps other text (bounding boxes of headings, paragraphs, captions, widget
labels and the charts' legends, titles and tick labels), a corridor click opens the Corridors
page, and the Spanish page reads in Spanish.
"""

from __future__ import annotations

import pytest
from support.browser_support import BrowserPage

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

SIZES = [(1366, 768), (390, 844)]

# Text boxes: page text and the text plotly draws in its SVGs.
TEXT = ("h1, h2, h3, [data-testid=stMarkdownContainer] p, [data-testid=stCaptionContainer], "
        "[data-testid=stWidgetLabel], [data-testid=stMetricLabel], [data-testid=stMetricValue], "
        "svg .legendtext, svg .gtitle, svg .xtitle, svg .ytitle, svg .xtick text, svg .ytick text, svg .textpoint text")

OVERLAPS_JS = """sel => {
  // (a slider's value floats over its own label by design: left out)
  const els = [...document.querySelectorAll(sel)].filter(e => {
    const r = e.getBoundingClientRect();
    return r.width > 1 && r.height > 1 && e.textContent.trim() && !e.closest('[data-testid=stSliderThumbValue]')
      && (e.checkVisibility ? e.checkVisibility({checkOpacity: true, checkVisibilityCSS: true}) : true);
  });
  const boxes = els.map(e => [e, e.getBoundingClientRect()]);
  const out = [];
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const [a, ra] = boxes[i], [b, rb] = boxes[j];
    if (a.contains(b) || b.contains(a)) continue;
    const w = Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left);
    const h = Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top);
    if (w > 2 && h > 2) out.push(a.textContent.trim().slice(0, 30) + ' / ' + b.textContent.trim().slice(0, 30));
  }
  return out;
}"""


@pytest.fixture
def sized_page(chromium, streamlit_server, request):
    width, height = request.param
    context = chromium.new_context(viewport={"width": width, "height": height}, locale="en-US")
    page = context.new_page()
    try:
        yield BrowserPage(page, streamlit_server)
    finally:
        context.close()


def ranking_grid(page):
    grid = page.locator("[data-testid=stDataFrame] >> visible=true").first
    grid.wait_for(timeout=60_000)
    # the grid draws its header cells after it appears: waited for, not a fixed 800 ms (on a loaded
    # machine they were not there yet, seen once in CI)
    grid.evaluate("""d => new Promise((ok, fail) => { const t0 = Date.now(); (function poll() {
        if (d.querySelectorAll('th').length >= 6) ok(); else if (Date.now() - t0 > 60000) fail('no header');
        else setTimeout(poll, 50); })(); })""")
    page.wait_for_timeout(300)
    return grid


@pytest.mark.parametrize("sized_page", SIZES, indirect=True, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("lang", ["en", "es"])
def test_every_ranking_column_is_visible(sized_page, lang):
    sized_page.goto(f"/?lang={lang}")
    grid = ranking_grid(sized_page.page)
    widths = grid.evaluate("d => { const s = d.querySelector('.dvn-scroller'); return [s.scrollWidth, s.clientWidth]; }")
    assert widths[0] <= widths[1] + 1, f"the ranking scrolls sideways: {widths[0]} px of columns in {widths[1]} px"
    headers = grid.evaluate("d => [...d.querySelectorAll('th')].map(t => t.textContent)")
    expected = ["#", "Name", "Level", "Score", "Change", "Range"] if lang == "en" else \
        ["#", "Nombre", "Nivel", "Puntaje", "Cambio", "Rango"]
    assert headers == expected


@pytest.mark.parametrize("sized_page", SIZES, indirect=True, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("path", ["/?lang=es", "/compare?lang=es", "/state?state=11&lang=en", "/corridors?lang=en",
                                  "/changes?lang=es"])
def test_no_text_overlaps_other_text(sized_page, path):
    sized_page.goto(path)
    page = sized_page.page
    page.wait_for_timeout(800)
    overlaps = page.evaluate(OVERLAPS_JS, TEXT)
    assert not overlaps, overlaps[:10]


@pytest.mark.parametrize("sized_page", [(1440, 900)], indirect=True, ids=["1440x900"])
def test_spanish_page_reads_in_spanish_and_keeps_lang_in_the_url(sized_page):
    sized_page.goto("/?lang=es", heading="Mapa de riesgo")
    page = sized_page.page
    assert "lang=es" in page.url
    assert page.get_by_text("Qué significan los niveles").is_visible()
    page.locator(".lm .lm-legend span").first.wait_for(timeout=30_000)
    legend = [t.text_content() for t in page.locator(".lm .lm-legend span").all()]
    assert legend[:5] == ["Bajo", "Moderado", "Medio", "Alto", "Extremo"]
    page.locator('.lm svg path[data-ref="10"]').hover()     # the tooltip speaks Spanish too
    assert page.locator(".lm .lm-tip").inner_text().startswith("Durango\nNivel de riesgo: ")


@pytest.mark.parametrize("sized_page", [(1440, 900)], indirect=True, ids=["1440x900"])
def test_click_on_a_corridor_opens_the_corridors_page(sized_page):
    from urllib.parse import parse_qs, urlsplit

    sized_page.open("/?lang=en")
    sized_page.wait_idle()
    page = sized_page.page
    hits = page.locator('.lm svg polyline[data-ref^="corridor:"]')   # each corridor's wide, invisible twin
    assert hits.count() == 20
    # a point on one corridor's line (its middle vertex), where no other corridor passes
    for k in range(hits.count()):
        x, y = hits.nth(k).evaluate("""l => { const s = l.ownerSVGElement, pts = l.points, p = pts.getItem(Math.floor(pts.numberOfItems / 2));
            const m = s.getScreenCTM(); return [p.x * m.a + m.e, p.y * m.d + m.f]; }""")
        if page.evaluate("([x, y]) => { const e = document.elementFromPoint(x, y); return e && e.dataset.ref || ''; }",
                         [x, y]).startswith("corridor:"):
            break
    page.mouse.move(x, y)
    assert "Risk level" in page.locator(".lm .lm-tip").inner_text()
    page.mouse.click(x, y)
    page.get_by_role("heading", name="Corridors", exact=True).wait_for(timeout=60_000)
    url = urlsplit(page.url)
    assert url.path == "/corridors" and parse_qs(url.query).get("corridor")
