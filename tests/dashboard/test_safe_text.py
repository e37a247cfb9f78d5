"""Text stays text: hostile strings imported as events (an HTML image, a Markdown image, a
Markdown link, a spreadsheet formula) appear literally on every page that shows events, in
the HTML brief and in the CSV export, and never as markup (in a real Chromium too: no request
leaves 127.0.0.1); the upload limit; the analyst key.

AppTest reads Markdown elements as their source: there a user string must be escaped
(:func:`dashboard.text.md`); dataframes carry it as it is.
"""

from __future__ import annotations

import csv
import io
import json
import re
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urlsplit

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest
from support import ROOT, browser_support

from dashboard.text import NO_LINK

pytestmark = pytest.mark.usefixtures("fresh_streamlit_caches")

ENTRY = str(ROOT / "dashboard" / "app.py")
IMG = "<img src=https://example.com/x.png>"
MD_IMG = "![x](https://example.com/x.png)"
MD_LINK = "[click me](https://example.com/)"
FORMULA = '=HYPERLINK("http://example.com","y")'
HOSTILE = (IMG, MD_IMG, MD_LINK, FORMULA)
STATE = "11"          # Guanajuato
AS_OF = "2023-12-31"  # the events fall in the window before it
FILE_NAME = "![f](x.png)<img src=x.png>_events.csv"


def hostile_events_csv() -> bytes:
    head = ["event_id", "date", "date_precision", "state_code", "place", "geo_precision", "event_type", "fatalities",
            "source_ids", "actors", "notes", "latitude", "longitude"]
    rows = [["HX1", "2023-11-10", "day", STATE, MD_LINK, "state", "armed_clash", "2", "MyNotes-1",
             f"{IMG}; {MD_IMG}", FORMULA, "", ""],
            # with coordinates (in León): a point on the risk map's events layer, its place in the tooltip
            ["HX2", "2023-11-20", "day", STATE, IMG, "locality", "armed_clash", "1", "MyNotes-1",
             f"{FORMULA}; {MD_LINK}", MD_IMG, "21.1221", "-101.6860"]]
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([head, *rows])
    return buf.getvalue().encode("utf-8")


def new_app(db: Path, monkeypatch, **query) -> AppTest:
    monkeypatch.setenv("RISK_DB", str(db))
    at = AppTest.from_file(ENTRY, default_timeout=180)
    at.query_params.update(query)
    return at


def markdown_sources(at: AppTest) -> list[str]:
    """Every string the page hands to Streamlit's Markdown renderer: markdown, captions,
    alerts, headings, metric labels, status and expander labels."""
    out = [e.value for kind in (at.markdown, at.caption, at.info, at.success, at.warning, at.error, at.title,
                                at.header, at.subheader) for e in kind]
    out += [m.label for m in at.metric]
    out += [s.label for s in at.status] + [e.label for e in at.expander]
    return [s for s in out if isinstance(s, str)]


def unescaped(s: str) -> str:
    """``s`` without its backslash-escaped characters: what Markdown could still read as markup."""
    return re.sub(r"\\.", "", s, flags=re.S)


def live_map_documents(at: AppTest) -> list[str]:
    """The SVG documents the pages' live maps were sent (dashboard/live_map.py), and their legends."""
    out = []
    for e in at.main:
        proto = getattr(e, "proto", None)
        if type(e).__name__ == "UnknownElement" and getattr(proto, "component_name", "") == "riskmap_live_map":
            payload = json.loads(proto.json)
            out.append(payload["svg"])
            assert all(isinstance(n, str) for _c, n in payload["legend"])
    return out


def assert_no_live_markup(at: AppTest) -> None:
    for doc in live_map_documents(at):
        # well-formed XML (the browser parses it as such), and nothing in it but drawing and text
        root = ET.fromstring(doc)
        tags = {el.tag.split("}")[-1] for el in root.iter()}
        assert tags <= {"svg", "title", "path", "polyline", "circle", "text", "style", "rect"}, tags
        assert not [a for el in root.iter() for a in el.attrib if a.lower().startswith("on") or "href" in a.lower()]
    for s in markdown_sources(at):
        bare = unescaped(s)
        for bad in ("<img", "![", "](", "=HYPERLINK(", "://"):
            assert bad not in bare, f"{bad!r} reaches Markdown unescaped in {s!r}"
        # an imported URL is not autolinked (our own text may link, e.g. www.geonames.org)
        assert not re.search(r"https?://example\.com", s.replace("\\", "")), f"an autolink in {s!r}"


def shown_as_text(at: AppTest) -> str:
    """All the text the page shows: Markdown sources with escapes undone, text elements, and
    every cell of every dataframe."""
    parts = [re.sub(r"\\(.)", r"\1", s, flags=re.S).replace(NO_LINK, "") for s in markdown_sources(at)]
    parts += [t.value for t in at.text]
    for d in at.dataframe:
        parts += [str(v) for v in d.value.astype(str).to_numpy().ravel()]
    return "\n".join(parts)


def no_exception(at: AppTest) -> None:
    assert not at.exception, at.exception[0].value
    assert not at.error, [e.value for e in at.error]


@pytest.fixture
def hostile_app(db_copy, monkeypatch):
    """The app on a private copy of the database into which the hostile events file was
    imported through the Events & data page."""
    at = new_app(db_copy, monkeypatch, state=STATE, as_of=AS_OF).run()
    at.switch_page("views/events_data.py").run()
    at.selectbox(key="up_fmt").set_value("events")
    at.file_uploader(key="up_file").set_value((FILE_NAME, hostile_events_csv(), "text/csv"))
    at.run()
    at.button(key="up_check").click().run()
    no_exception(at)
    assert_no_live_markup(at)                              # the trial's status label names the file
    assert FILE_NAME in shown_as_text(at)
    at.button(key="up_go").click().run()
    no_exception(at)
    assert {m.label: m.value for m in at.metric}["Loaded"] == "2"
    assert_no_live_markup(at)
    assert FILE_NAME in shown_as_text(at)
    return at


def test_hostile_strings_are_text_on_the_events_page_and_the_state_profile(hostile_app):
    at = hostile_app
    # Events & data: the events tab lists them (filtered to the imported events)
    at.text_input(key="ev_text").set_value("example.com").run()
    no_exception(at)
    # (the page shows human headers and no event ids: the two imported events are found by their text)
    ev = next(d.value for d in at.dataframe if {"Actors", "Notes", "Place"} <= set(d.value.columns))
    hx1 = ev[ev["Actors"] == f"{IMG}; {MD_IMG}"]
    hx2 = ev[ev["Notes"] == MD_IMG]
    assert len(hx1) == 1 and hx1["Notes"].iat[0] == FORMULA
    assert len(hx2) == 1 and hx2["Place"].iat[0] == IMG
    assert_no_live_markup(at)

    # State profile: the armed groups named (Markdown, escaped) and the events table
    at.switch_page("views/state_profile.py").run()
    no_exception(at)
    assert [t.value for t in at.title] == ["Guanajuato"]
    assert_no_live_markup(at)
    text = shown_as_text(at)
    for s in HOSTILE:
        assert s in text, s
    groups = [m.value for m in at.markdown if "example.com" in m.value]
    assert groups, "the armed groups line names the imported actors"
    table = next(d.value for d in at.dataframe if "Actors" in d.value.columns)
    assert set(HOSTILE) <= {a.strip() for cell in table["Actors"].dropna() for a in cell.split(";")}


def test_hostile_strings_are_text_in_the_live_maps_tooltips(hostile_app):
    """The risk map's events layer on the live SVG map: an imported place is a tooltip's text,
    escaped in the SVG document, never an element of it."""
    at = hostile_app
    at.switch_page("views/risk_map.py").run()
    at.toggle(key="map_events").set_value(True).run()
    no_exception(at)
    assert_no_live_markup(at)
    (doc,) = live_map_documents(at)
    tips = [t.text or "" for t in ET.fromstring(doc).iter("{http://www.w3.org/2000/svg}title")]
    assert any(IMG in t.split("\n") for t in tips), "the imported place is in an event's tooltip"


def test_hostile_strings_in_the_brief_and_the_csv_export(hostile_app, db_copy):
    from dashboard import exports
    from dashboard.figures import brief
    from scoring.db.store import Store
    from scoring.index import queries, report
    from scoring.index.matrix import TimeOptions
    from scoring.index.model import RiskModel
    from scoring.index.weights import load_profile

    s = Store(db_copy)
    try:
        opts = TimeOptions(as_of=pd.Timestamp(AS_OF).date())
        res = RiskModel(s).run(load_profile("analyst"), opts, uncertainty=False, mc_draws=0, boot_draws=0)
        ev = queries.events_for_region(s, STATE, "state", res.options.as_of, res.options.window_days * 2,
                                       res.options.buffer_km, 500)
        tr = report.trend(s, STATE)
    finally:
        s.close()
    assert {"HX1", "HX2"} <= set(ev["event_id"])
    # the brief lists the newest 50 of the events it is given: give it ours first
    page = brief.state_brief(res, STATE, tr, ev[ev["event_id"].isin(["HX1", "HX2"])])
    assert "<img src=https://example.com" not in page and "<img src=x" not in page
    assert "&lt;img src=https://example.com/x.png&gt;" in page
    assert "![x](https://example.com/x.png)" in page          # shown literally: HTML does not read Markdown
    markup = re.sub(r"<script\b.*?</script>", "", page, flags=re.S)   # plotly.js itself aside
    assert "<img" not in markup and "<a " not in markup

    back = pd.read_csv(io.StringIO(exports.to_csv(ev)), dtype=str, keep_default_na=False).set_index("event_id")
    assert back.at["HX2", "actors"] == "'" + f"{FORMULA}; {MD_LINK}"    # a formula no spreadsheet runs
    assert back.at["HX2", "place"] == IMG and back.at["HX1", "notes"] == "'" + FORMULA
    flat = pd.read_csv(io.StringIO(exports.to_csv(res.flat())), dtype=str)
    assert {"01", "09", "32"} <= set(flat["region_id"])                  # INEGI codes stay text


# --- the upload limit and the analyst key ------------------------------------------------------

def test_the_server_limits_uploads_to_50_mb_and_the_page_says_so(built_db, monkeypatch):
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["maxUploadSize"] == 50
    assert config["server"]["address"] == "127.0.0.1"
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "--server.maxUploadSize 50" in makefile and "--server.address 127.0.0.1" in makefile
    assert "--server.address 0.0.0.0" in makefile and "serve-team:" in makefile
    monkeypatch.delenv("RISK_ANALYST_KEY", raising=False)
    at = new_app(built_db, monkeypatch).run()
    at.switch_page("views/events_data.py").run()
    no_exception(at)
    assert "50 MB" in at.file_uploader(key="up_file").help


def upload_controls(at: AppTest) -> set[str]:
    keys = {w.key for kind in (at.selectbox, at.file_uploader, at.text_input, at.button) for w in kind}
    return keys & {"up_fmt", "up_file", "up_release", "rm_batch"}


@pytest.fixture
def db_with_a_batch(db_copy) -> Path:
    """A private copy with one imported batch (so the removal control has something to offer)."""
    from scoring.load import upload

    upload.import_upload(db_copy, "two_events.csv", hostile_events_csv(), "events")
    return db_copy


def test_without_an_analyst_key_imports_and_removals_are_shown_as_before(db_with_a_batch, monkeypatch):
    monkeypatch.delenv("RISK_ANALYST_KEY", raising=False)
    at = new_app(db_with_a_batch, monkeypatch).run()
    at.switch_page("views/events_data.py").run()
    no_exception(at)
    assert upload_controls(at) == {"up_fmt", "up_file", "up_release", "rm_batch"}
    assert not [w for w in at.text_input if w.key == "analyst_key"]      # nothing to type on a local server


def test_with_an_analyst_key_imports_and_removals_wait_for_it(db_with_a_batch, monkeypatch):
    monkeypatch.setenv("RISK_ANALYST_KEY", "s3cret-key")
    at = new_app(db_with_a_batch, monkeypatch).run()
    at.switch_page("views/events_data.py").run()
    no_exception(at)
    assert upload_controls(at) == set()
    assert any("analyst key" in i.value for i in at.info)
    assert not at.dataframe[0].value.empty                                  # reading is open to everyone
    at.text_input(key="analyst_key").set_value("wrong").run()
    assert upload_controls(at) == set()
    at.text_input(key="analyst_key").set_value("s3cret-key").run()
    no_exception(at)
    assert upload_controls(at) == {"up_fmt", "up_file", "up_release", "rm_batch"}


def test_the_analyst_key_can_come_from_streamlit_secrets(db_with_a_batch, monkeypatch):
    monkeypatch.delenv("RISK_ANALYST_KEY", raising=False)
    at = new_app(db_with_a_batch, monkeypatch)
    at.secrets["analyst_key"] = "from-secrets"
    at.run()
    at.switch_page("views/events_data.py").run()
    assert upload_controls(at) == set()
    at.text_input(key="analyst_key").set_value("from-secrets").run()
    no_exception(at)
    assert "up_file" in upload_controls(at)


# --- in a real browser (marked ``browser``) ----------------------------------------------------

@pytest.fixture
def hostile_server(db_copy, tmp_path):
    from scoring.load import upload

    upload.import_upload(db_copy, "hostile.csv", hostile_events_csv(), "events")
    with browser_support.streamlit_server(db_copy, tmp_path / "server.log") as url:
        yield url


@pytest.mark.browser
@pytest.mark.xdist_group("browser")
def test_browser_hostile_event_text_fetches_nothing_from_outside(chromium, hostile_server):
    context = chromium.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    bp = browser_support.BrowserPage(page, hostile_server)
    page.on("request", lambda req: bp.requests.append(req.url))
    try:
        bp.goto(f"/state?state={STATE}&as_of={AS_OF}", heading="Guanajuato")
        page.wait_for_timeout(1000)
        # the armed groups line (Markdown) shows the actors as typed, and no image or link came of them
        main = page.locator('[data-testid="stMain"]').inner_text().replace(NO_LINK, "")
        assert IMG in main and MD_IMG in main
        assert page.locator('img[src*="example.com"], a[href*="example.com"]').count() == 0
        bp.screenshot("hostile_state_profile.png")
        bp.goto("/events", heading="Events & data")
        page.wait_for_timeout(1000)
        assert page.locator('img[src*="example.com"], a[href*="example.com"]').count() == 0
    finally:
        context.close()
    hosts = {urlsplit(u).hostname for u in bp.requests if urlsplit(u).scheme in ("http", "https", "ws", "wss")}
    assert hosts == {"127.0.0.1"}
    assert bp.outbound() == []
