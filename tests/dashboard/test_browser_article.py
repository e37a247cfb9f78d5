"""End-to-end in Chromium: the "From an article" tab of Events & data. A pasted article's
candidates appear in the editor, the evidence is highlighted in the article (the user's text
shown as text: a tag in it is not rendered), a likely duplicate of a stored event is flagged.
Nothing is imported (the server's database is shared by the session)."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

ARTICLE = (
    "Masacre en un centro de rehabilitación de Irapuato\n\n"
    "IRAPUATO, Gto., 3 de julio de 2020.- Hombres armados asesinaron a 27 personas el pasado miércoles en un centro "
    "de rehabilitación de Irapuato, Guanajuato, informaron las autoridades estatales. <img src=x id=injected>\n\n"
    "Por otra parte, el jueves se registró un enfrentamiento entre policías y un grupo armado en Salamanca, "
    "Guanajuato, que dejó dos muertos.")


def test_browser_article_tab_paste_find_and_review(browser_page):
    browser_page.goto("/events", heading="Events & data")
    page = browser_page.page
    page.get_by_role("tab", name="From an article").click()
    page.get_by_label("Article text").fill(ARTICLE)
    page.get_by_label("Article text").press("Control+Enter")       # commit the text area
    browser_page.wait_idle()
    page.get_by_role("button", name="Find the events").click()
    page.get_by_text("candidate event(s)").first.wait_for(timeout=60_000)
    browser_page.wait_idle()
    assert page.get_by_text("S012").first.is_visible()               # the likely duplicate, flagged
    assert page.locator('[data-testid="stDataFrame"]').count() >= 1   # the editable table
    page.get_by_text("The article, with the evidence highlighted").click()
    browser_page.wait_idle()
    marked = page.locator('[data-testid="stExpander"] [data-testid="stMarkdownContainer"] span[style*="background"]')
    assert marked.count() >= 3                                        # date, place, count... highlighted
    assert page.locator("#injected").count() == 0                     # the pasted tag is text, not markup
    assert page.get_by_text("<img src=x id=injected>").first.is_visible()
    assert browser_page.outbound() == []
    browser_page.screenshot("events_from_an_article.png")
