"""AppTest behaviour tests: what a user does on a page and what must follow (no browser).

One behaviour per test; widgets are found by key; the app reads the session's built
database (``RISK_DB``) or a private copy of it when a test writes; Streamlit's caches are
emptied around every test. The every-page smoke test is in ``test_app.py``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest
from support import ROOT

ENTRY = str(ROOT / "dashboard" / "app.py")
PAGES = ["risk_map", "state_profile", "compare", "corridors", "weights", "events_data"]

pytestmark = pytest.mark.usefixtures("fresh_streamlit_caches")


def new_app(db: Path, monkeypatch, **query) -> AppTest:
    monkeypatch.setenv("RISK_DB", str(db))
    at = AppTest.from_file(ENTRY, default_timeout=120)
    at.query_params.update(query)
    return at


@pytest.fixture
def app(built_db, monkeypatch) -> AppTest:
    return new_app(built_db, monkeypatch)


def ranked_table(at: AppTest, columns=("rank", "name", "score")) -> pd.DataFrame:
    """The value of the one dataframe on the page that has ``columns`` (the ranked table), read
    under the internal names the page shows as "#", "Name" (or "State") and "Score"."""
    human = {"#": "rank", "Name": "name", "State": "name", "Score": "score"}
    tables = [d.value for d in at.dataframe] + [markdown_table(m.value) for m in at.markdown
                                                if m.value.startswith("| ")]
    found = [t.rename(columns=human) for t in tables if set(columns) <= set(t.rename(columns=human).columns)]
    assert len(found) == 1, f"expected one table with {columns}, found {len(found)}"
    out = found[0][list(columns)].reset_index(drop=True)
    if "score" in out and not pd.api.types.is_numeric_dtype(out["score"]):   # "7.51 ±0.30", "–"
        out["score"] = pd.to_numeric(out["score"].str.split().str[0], errors="coerce")
    return out


def markdown_table(text: str) -> pd.DataFrame:
    """A Markdown table (dashboard.text.md_table) read back: cells unescaped, ranks as numbers."""
    rows = [[re.sub(r"\\(.)", r"\1", c.strip()).replace("\u2060", "") for c in re.split(r"(?<!\\)\|", line)[1:-1]]
            for line in text.splitlines()]
    df = pd.DataFrame(rows[2:], columns=rows[0])
    if "#" in df:
        df["#"] = pd.to_numeric(df["#"], errors="coerce")
    return df


def no_exception(at: AppTest) -> None:
    assert not at.exception, at.exception[0].value
    assert not at.error, [e.value for e in at.error]


# --- settings change the scores ----------------------------------------------------------------

def test_switching_profile_changes_the_ranking(app):
    app.run()
    before = ranked_table(app)
    assert app.selectbox(key="map_profile").value == "analyst"
    app.selectbox(key="map_profile").set_value("investor").run()
    no_exception(app)
    after = ranked_table(app)
    assert len(after) == len(before) == 32
    by_state = before.set_index("name")["score"].sub(after.set_index("name")["score"]).abs()
    assert by_state.max() > 1e-6  # investor weights differ from analyst ones: scores move
    assert app.query_params["profile"] == "investor"


def test_weight_slider_changes_scores_and_url(app):
    app.run()
    app.switch_page("views/weights.py").run()
    before = ranked_table(app)
    assert "pw" not in app.query_params
    app.slider(key="wsl_p_lethal").set_value(1.0).run()
    no_exception(app)
    after = ranked_table(app)
    diff = before.set_index("name")["score"].sub(after.set_index("name")["score"]).abs()
    assert diff.max() > 1e-6
    assert "lethal:1" in app.query_params["pw"].split(",")
    assert app.session_state["_s_pw"] == {"lethal": 1.0}


# --- the map click -----------------------------------------------------------------------------

def pick(app: AppTest, key: str, ref: str) -> list[str]:
    """What a click on a live map stores (dashboard.live_map), the run it causes, and the titles
    of the page that run ends on."""
    app.session_state[key] = ref
    app.run()
    no_exception(app)
    return [t.value for t in app.title]


def test_map_click_opens_that_states_profile(app):
    app.run()
    assert [t.value for t in app.title] == ["Risk map"]
    # The live map is opaque to AppTest: seed what its click callback stores (dashboard.live_map)
    # the risk map calls st.switch_page; AppTest follows it within the run
    assert pick(app, "_live_pick", "11") == ["Guanajuato"]
    assert app.selectbox(key="profile_state").value == "11"  # the state profile's own widget
    assert app.query_params["state"] == "11"


def test_live_map_click_on_a_corridor_opens_it_and_a_forged_pick_is_ignored(app):
    app.run()
    assert pick(app, "_live_pick", "<script>alert(1)</script>") == ["Risk map"]    # not one of the page's codes
    assert pick(app, "_live_pick", "corridor:guadalajara-puerto-vallarta") == ["Corridors"]
    assert app.query_params.get("corridor") in ("guadalajara-puerto-vallarta", ["guadalajara-puerto-vallarta"])


def test_a_click_on_the_weights_pages_live_map_opens_that_state_with_these_weights(app):
    app.run()
    app.switch_page("views/weights.py").run()
    app.slider(key="wsl_p_lethal").set_value(1.0).run()
    assert len(live_maps(app)) == 1
    assert pick(app, "_w_pick", "14") == ["Jalisco"]
    assert app.query_params.get("state") in ("14", ["14"])
    assert "lethal:1" in str(app.query_params.get("pw"))               # the weights came along


def test_plotly_municipal_layer_click_opens_the_place(app):
    app.query_params["mlayer"] = "1"
    app.run()
    app.session_state["map"] = {"selection": {"points": [{"location": "14067"}], "point_indices": [0],
                                              "box": [], "lasso": []}}
    app.run()
    no_exception(app)
    assert app.query_params.get("place") in ("14067", ["14067"])


# --- uploads -----------------------------------------------------------------------------------

EVENT_HEAD = ("event_id,date,date_precision,state_code,municipality_code,place,latitude,longitude,geo_precision,"
              "event_type,fatalities,source_ids,corridor_id,notes")
GOOD = ["UPT1,2023-11-10,day,11,,,,,state,killing,3,MyNotes-1,,first good row",
        "UPT2,2023-11-12,day,14,,,,,state,armed_clash,2,MyNotes-1,,second good row"]
BAD = ["UPT3,2023-11-12,day,40,,,,,state,killing,1,MyNotes-1,,unknown state",     # line 4
       "UPT4,2023-02-30,day,11,,,,,state,killing,1,MyNotes-1,,no such date",      # line 5
       "UPT5,2023-11-12,day,11,,,,,state,killing,-2,MyNotes-1,,negative deaths"]  # line 6
BAD_EVENTS_CSV = ("\n".join([EVENT_HEAD, *GOOD, *BAD]) + "\n").encode("utf-8")


@pytest.fixture
def writable_db(db_copy, monkeypatch) -> Path:
    """A private copy of the built database (an import must not touch the shared one)."""
    monkeypatch.setenv("RISK_DB", str(db_copy))
    return db_copy


def upload(at: AppTest, fmt: str, name: str, payload: bytes, *, confirm: bool = True) -> AppTest:
    at.switch_page("views/events_data.py").run()
    at.selectbox(key="up_fmt").set_value(fmt)
    at.file_uploader(key="up_file").set_value((name, payload, "text/csv"))
    at.run()  # the check button appears once a file is chosen
    at.button(key="up_check").click().run()   # a trial on a copy first: what would it change?
    if confirm:
        at.button(key="up_go").click().run()  # then the import itself
    return at


def test_upload_of_a_bad_events_file_shows_its_rejected_rows(writable_db, monkeypatch):
    at = new_app(writable_db, monkeypatch).run()
    upload(at, "events", "my_events.csv", BAD_EVENTS_CSV)
    no_exception(at)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Loaded"] == "2" and metrics["Rejected"] == "3"
    rejected = ranked_table(at, ("line", "field", "reason"))
    assert list(zip(rejected["line"], rejected["field"])) == [(4, "state_code"), (5, "date"), (6, "fatalities")]
    assert any(m.value == "**Rejected rows**" for m in at.markdown)
    assert at.download_button(key="up_rej_dl").label == "Download the rejected rows (CSV)"


def test_the_trial_of_an_upload_shows_what_would_move_and_writes_nothing(writable_db, monkeypatch):
    from support.datahelpers import table_digest

    before = table_digest(writable_db)
    at = new_app(writable_db, monkeypatch).run()
    at.switch_page("views/events_data.py").run()
    at.selectbox(key="up_fmt").set_value("sesnsp-homologated")
    payload = b"year,month,state_code,crime,unit,count\n2026,7,31,Homicidio doloso,carpetas,900\n"
    at.file_uploader(key="up_file").set_value(("revision.csv", payload, "text/csv"))
    at.text_input(key="up_release").set_value("2026-10")
    at.run()
    at.button(key="up_check").click().run()
    no_exception(at)
    moves = at.session_state["up_trial"][5]
    assert "31" in set(moves["region_id"])                  # Yucatán: 900 homicides in a month would move it
    row = moves.set_index("region_id").loc["31"]
    assert row["change"] > 0 and row["rank_after"] < row["rank_before"]
    assert any("and move" in w.value for w in at.warning)
    assert table_digest(writable_db) == before                # nothing written by the trial


def test_upload_keeps_the_good_rows_and_other_readers_keep_working(writable_db, monkeypatch):
    from dashboard import data
    from scoring.db.store import Store

    # Another user's reader, opened before the import, and a query still in flight on the
    # server's own store when the file is swapped.
    other = Store(writable_db)
    n_before = other.query("SELECT count(*) AS n FROM events")["n"].iat[0]
    at = new_app(writable_db, monkeypatch).run()
    server_store = data._store(str(writable_db.resolve()))  # the process-wide store the pages use
    in_flight = server_store.cursor()
    assert in_flight.execute("SELECT count(*) FROM events").fetchall() == [(n_before,)]

    upload(at, "events", "my_events.csv", BAD_EVENTS_CSV)
    no_exception(at)
    assert len(at.session_state["up_report"][1]) == 3  # the page read the new file's rejects

    new = "SELECT event_id, state_code, fatalities, origin FROM events WHERE event_id LIKE 'UPT%' ORDER BY 1"
    expected = [("UPT1", "11", 3, "user"), ("UPT2", "14", 2, "user")]
    assert list(other.query(new).itertuples(index=False, name=None)) == expected  # no lock error, new data
    assert list(server_store.query(new).itertuples(index=False, name=None)) == expected
    # the in-flight query finishes on the snapshot it started on
    assert in_flight.execute("SELECT count(*) FROM events").fetchall() == [(n_before,)]
    in_flight.close()
    other.close()
    with duckdb.connect(str(writable_db), read_only=True) as con:  # and the file itself has them
        assert con.execute("SELECT count(*) FROM events").fetchone()[0] == n_before + 2


def test_upload_in_the_wrong_format_is_refused_and_changes_nothing(writable_db, monkeypatch):
    before = writable_db.stat().st_mtime_ns
    at = new_app(writable_db, monkeypatch).run()
    upload(at, "ucdp", "my_events.csv", BAD_EVENTS_CSV, confirm=False)   # refused at the trial
    assert not at.exception, at.exception[0].value
    assert len(at.error) == 1 and "my_events.csv" in at.error[0].value
    assert at.session_state["up_trial"] is None and "up_report" not in at.session_state
    assert not [b for b in at.button if b.key == "up_go"]                   # no way to import it
    assert writable_db.stat().st_mtime_ns == before


# --- states without data and empty selections ---------------------------------------------------

NO_DATA_STATE = "03"  # Baja California Sur


@pytest.fixture
def db_state_without_data(db_copy) -> Path:
    """The built database with every event and official figure of one state removed."""
    with duckdb.connect(str(db_copy)) as con:
        ids = "SELECT event_id FROM events WHERE state_code = ?"
        con.execute(f"DELETE FROM event_corridor WHERE event_id IN ({ids})", [NO_DATA_STATE])
        con.execute(f"DELETE FROM event_sources WHERE event_id IN ({ids})", [NO_DATA_STATE])
        for table in ("events", "official_stats", "data_quality", "facts"):
            con.execute(f"DELETE FROM {table} WHERE state_code = ?", [NO_DATA_STATE])
        con.execute("CHECKPOINT")
    return db_copy


@pytest.mark.parametrize("page", PAGES)
def test_no_page_fails_on_a_state_without_data(db_state_without_data, monkeypatch, page):
    at = new_app(db_state_without_data, monkeypatch, state=NO_DATA_STATE,
                 compare=f"{NO_DATA_STATE},11", events="1").run()
    at.switch_page(f"views/{page}.py").run()
    no_exception(at)


def test_state_profile_of_a_state_without_data_says_so(db_state_without_data, monkeypatch):
    at = new_app(db_state_without_data, monkeypatch, state=NO_DATA_STATE).run()
    at.switch_page("views/state_profile.py").run()
    no_exception(at)
    assert [t.value for t in at.title] == ["Baja California Sur"]
    infos = " ".join(i.value for i in at.info)
    assert "No monthly official figures" in infos and "No events recorded" in infos


@pytest.mark.parametrize("picked", [[], ["11"]], ids=["none", "one"])
def test_compare_with_fewer_than_two_regions_asks_for_more(app, picked):
    app.run()
    app.switch_page("views/compare.py").run()
    app.multiselect(key="compare_regions").set_value(picked).run()
    no_exception(app)
    assert [i.value for i in app.info] == ["Pick at least two states or corridors to compare."]
    assert not app.dataframe  # nothing half drawn


def test_state_profile_without_a_state_asks_for_one(app):
    app.query_params["state"] = "99"  # not a state: ignored
    app.run()
    app.switch_page("views/state_profile.py").run()
    no_exception(app)
    assert app.selectbox(key="profile_state").value is None
    assert any("Choose a state" in i.value for i in app.info)


def test_events_filter_that_matches_nothing_shows_zero_events(app):
    app.run()
    app.switch_page("views/events_data.py").run()
    app.text_input(key="ev_text").set_value("no event mentions this zqxj").run()
    no_exception(app)
    assert any(c.value.startswith("0 events, 0 deaths") for c in app.caption)


@pytest.mark.parametrize("typed", ["Culiacan", "CULIACÁN", "culiacán"])
def test_events_search_forgives_accents_and_case(app, typed):
    app.run()
    app.switch_page("views/events_data.py").run()
    app.date_input(key="ev_period").set_value((dt.date(1989, 1, 1), dt.date(2026, 12, 31))).run()
    app.text_input(key="ev_text").set_value(typed).run()
    no_exception(app)
    counts = [int(c.value.split(" events")[0].replace(",", "")) for c in app.caption if " events, " in c.value]
    assert counts and counts[0] > 10        # the same events whichever way it is typed


def test_events_counts_and_timeline_cover_every_match_not_only_the_rows_listed(app, monkeypatch):
    """With more matches than the page lists, the caption counts and the timeline are of every
    matching event (the timeline drew only the newest rows: one month, zoomed to milliseconds)."""
    from dashboard import data

    monkeypatch.setattr(data, "EVENT_ROWS_LIMIT", 7)
    monkeypatch.setattr(data.events_filtered, "__defaults__", (7,))
    app.run()
    app.switch_page("views/events_data.py").run()
    app.date_input(key="ev_period").set_value((dt.date(1989, 1, 1), dt.date(2026, 12, 31))).run()
    no_exception(app)
    start, end = app.date_input(key="ev_period").value
    every = data.events_monthly((), (), (), start, end, "")
    total = int(every["events"].sum())
    assert total > 7
    caption = next(c.value for c in app.caption if " events, " in c.value)
    assert caption.startswith(f"{total:,} events, ") and "The table lists the newest 7" in caption
    import re

    # the timeline (an SVG figure drawn at three widths): the bars of the widest drawing add up to
    # every event with a month
    doc = next(m.value for m in app.markdown if 'class="chart"' in m.value)
    widest = doc.split('class="rc rc2"', 1)[1]
    bars = [int(n.replace(",", "")) for n in re.findall(r": events ([\d,]+)", widest)]
    assert sum(bars) == int(every.loc[every["month"].notna(), "events"].sum())
    assert len(bars) > 1


def test_events_search_takes_percent_and_underscore_literally(app):
    app.run()
    app.switch_page("views/events_data.py").run()
    app.text_input(key="ev_text").set_value("%").run()
    no_exception(app)
    assert any(c.value.startswith("0 events, 0 deaths") for c in app.caption)


def test_all_pillar_weights_at_zero_are_refused_with_a_warning(app):
    app.run()
    app.switch_page("views/weights.py").run()
    for s in app.slider:
        if s.key and s.key.startswith("wsl_p_"):
            s.set_value(0.0)
    app.run()
    no_exception(app)
    assert any("all pillar weights are zero" in w.value for w in app.warning)
    assert len(ranked_table(app)) == 32  # the profile's ranking is still shown


def test_earliest_as_of_date_scores_on_every_page(built_db, monkeypatch):
    at = new_app(built_db, monkeypatch, as_of="2016-01-31", window="91", state="11").run()
    for page in PAGES:
        at.switch_page(f"views/{page}.py").run()
        no_exception(at)


def test_profile_shows_the_reference_beside_ours_and_the_missing_indicators(app):
    app.query_params["state"] = "25"
    app.run()
    app.switch_page("views/state_profile.py").run()
    no_exception(app)
    captions = [c.value for c in app.caption]
    beside = [c for c in captions if c.startswith("Another assessment:")]
    assert beside and "US Department of State travel advisory" in beside[0] and "Do Not Travel, 4 of 4" in beside[0]
    assert "; ours" in beside[0] and "Extreme, 5 of 5" in beside[0] and beside[0].endswith("never part of the score.")
    missing = [c for c in captions if c.startswith("No data here for:")]
    assert missing and "Organised-crime deaths" in missing[0]        # no event source is current at 2026-07


@pytest.mark.parametrize("typed, title, note", [
    ("Cancun", "Benito Juárez, Quintana Roo", "Cancún lies in the municipality of Benito Juárez"),
    ("playa del carmen", "Solidaridad, Quintana Roo", "Playa del Carmen lies in the municipality of Solidaridad"),
    ("San Miguel de Allende", "San Miguel de Allende, Guanajuato", None),
    ("jalisco", "Jalisco", None)])
def test_the_search_box_lands_on_the_place_profile(app, typed, title, note):
    app.run()
    app.text_input(key="map_find").set_value(typed).run()
    no_exception(app)
    app.button(key="map_find_go").click().run()
    no_exception(app)
    assert [t.value for t in app.title] == [title]
    infos = " ".join(i.value for i in app.info)
    assert (note in infos) if note else "lies in the municipality" not in infos


def test_the_search_box_opens_a_corridor(app):
    app.run()
    app.text_input(key="map_find").set_value("Puerto Vallarta Tepic").run()
    labels = app.selectbox(key="map_find_pick").options
    assert any("corridor" in x and "Puerto Vallarta" in x for x in labels)
    app.selectbox(key="map_find_pick").set_value(next(x for x in labels if "corridor" in x)).run()
    app.button(key="map_find_go").click().run()
    no_exception(app)
    assert app.query_params.get("corridor") in ("guadalajara-puerto-vallarta", ["guadalajara-puerto-vallarta"])


def live_maps(app) -> list:
    return [e for e in app.main if type(e).__name__ == "UnknownElement" and e.type == "bidi_component"]


@pytest.mark.parametrize("page, maps", [("views/place_profile.py", 1), ("views/state_profile.py", 1),
                                        ("views/corridors.py", 2), ("views/weights.py", 1)])
def test_the_map_pages_send_live_svg_maps_and_no_plotly_chart(app, page, maps):
    """No page needs plotly.js for its maps (dashboard/live_map.py): not in the first run, not
    later; the corridors page has two (all corridors, and the chosen one's stretches)."""
    app.query_params.update({"state": "25", "place": "25006"})
    app.run()
    app.switch_page(page).run()
    no_exception(app)
    assert [t.value for t in app.title] != ["Risk map"]
    assert len(live_maps(app)) == maps and not app.get("plotly_chart")
    for e in live_maps(app):                   # each an SVG document, which the browser's XML parser takes
        assert ET.fromstring(json.loads(e.proto.json)["svg"]).tag == "{http://www.w3.org/2000/svg}svg"
    app.run()
    assert len(live_maps(app)) == maps and not app.get("plotly_chart")


def test_a_click_on_a_municipality_of_the_state_map_opens_its_profile_and_a_forged_one_is_ignored(app):
    app.query_params["state"] = "25"
    app.run()
    app.switch_page("views/state_profile.py").run()
    assert pick(app, "_state_pick", "14067") == ["Sinaloa"]      # a municipality of another state: not on this map
    assert pick(app, "_state_pick", "25006") == ["Culiacán, Sinaloa"]
    assert app.query_params.get("place") in ("25006", ["25006"])


def test_a_click_on_the_place_map_moves_to_that_neighbour(app):
    app.query_params["place"] = "25006"
    app.run()
    app.switch_page("views/place_profile.py").run()
    assert pick(app, "_place_pick", "25012") == ["Mazatlán, Sinaloa"]
    assert app.query_params.get("place") in ("25012", ["25012"])


def test_a_click_on_a_corridor_of_the_corridors_map_opens_it(app):
    app.run()
    app.switch_page("views/corridors.py").run()
    assert pick(app, "_cor_pick", "corridor:guadalajara-puerto-vallarta") == ["Corridors"]
    assert app.query_params.get("corridor") in ("guadalajara-puerto-vallarta", ["guadalajara-puerto-vallarta"])
    assert app.selectbox(key="cor_pick").value == "guadalajara-puerto-vallarta"
    assert pick(app, "_cor_pick", "corridor:nowhere") == ["Corridors"]
    assert app.selectbox(key="cor_pick").value == "guadalajara-puerto-vallarta"


def test_the_risk_map_is_the_live_svg_map_from_the_first_run(app):
    """The risk map needs no plotly.js: its first run sends the live map (dashboard/live_map.py),
    no picture and no plotly chart; the municipal layer is still plotly's."""
    app.run()
    no_exception(app)
    assert not app.get("plotly_chart")
    assert not [m for m in app.markdown if "(data:image/svg+xml;base64," in m.value]
    assert len(live_maps(app)) == 1
    app.toggle(key="map_munis").set_value(True).run()
    no_exception(app)
    assert len(app.get("plotly_chart")) == 1
