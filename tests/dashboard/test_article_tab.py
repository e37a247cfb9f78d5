"""AppTest of the "From an article" tab of Events & data: paste, review, edit, check, import;
a likely duplicate of a stored event is shown and left out; nothing is written before the import."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest
from support import ROOT

ENTRY = str(ROOT / "dashboard" / "app.py")
pytestmark = pytest.mark.usefixtures("fresh_streamlit_caches")

# The Irapuato rehab-centre massacre is seed event S012 (2020-07-01, 11017, killing, 27 dead).
ARTICLE = (
    "Masacre en un centro de rehabilitación de Irapuato\n\n"
    "IRAPUATO, Gto., 3 de julio de 2020.- Hombres armados asesinaron a 27 personas el pasado miércoles en un centro "
    "de rehabilitación de Irapuato, Guanajuato, informaron las autoridades estatales.\n\n"
    "Por otra parte, el jueves se registró un enfrentamiento entre policías y un grupo armado en Salamanca, "
    "Guanajuato, que dejó dos muertos.")


def new_app(db: Path, monkeypatch) -> AppTest:
    monkeypatch.setenv("RISK_DB", str(db))
    at = AppTest.from_file(ENTRY, default_timeout=120).run()
    at.switch_page("views/events_data.py").run()
    return at


def no_exception(at: AppTest) -> None:
    assert not at.exception, at.exception[0].value
    assert not at.error, [e.value for e in at.error]


def events_of(db: Path, source_id: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT e.event_id, e.municipality_code, e.event_type, e.fatalities FROM events e "
                           "JOIN event_sources s USING (event_id) WHERE s.source_id = ? ORDER BY 1",
                           [source_id]).fetchall()
    finally:
        con.close()


def find(at: AppTest, text: str = ARTICLE) -> AppTest:
    at.text_area(key="art_text").set_value(text)
    at.button(key="art_find").click().run()
    return at


def test_paste_shows_candidates_with_a_duplicate_flagged_and_unticked(db_copy, monkeypatch):
    at = find(new_app(db_copy, monkeypatch))
    no_exception(at)
    review = at.session_state["art_result"]["review"]
    assert list(review["municipality_code"]) == ["11017", "11027"]
    assert list(review["duplicate_of"]) == ["S012", ""]
    assert list(review["keep"]) == [False, True]
    assert any("S012" in w.value and "same event" in w.value for w in at.warning)
    (stored,) = [d.value for d in at.dataframe if {"row", "sources"} <= set(d.value.columns)]
    assert list(stored["event_id"]) == ["S012"] and list(stored["row"]) == [1]
    assert at.text_input(key="art_title").value == "Masacre en un centro de rehabilitación de Irapuato"


def test_check_then_import_makes_one_batch_whose_source_is_the_article(db_copy, monkeypatch):
    from support.datahelpers import table_digest

    before = table_digest(db_copy)
    at = find(new_app(db_copy, monkeypatch))
    at.text_input(key="art_title").set_value("Masacre en Irapuato")
    at.text_input(key="art_outlet").set_value("Diario de prueba")
    at.run()
    at.button(key="art_check").click().run()
    no_exception(at)
    payload, sources, result, _, _ = at.session_state["art_trial"]
    assert result.loaded == 1                              # the duplicate stays out
    assert table_digest(db_copy) == before                 # the trial wrote nothing
    at.button(key="art_go").click().run()
    no_exception(at)
    (sid,) = sources
    rows = events_of(db_copy, sid)
    assert [(m, t, f) for _, m, t, f in rows] == [("11027", "armed_clash", 2)]
    con = duckdb.connect(str(db_copy), read_only=True)
    try:
        kind, title, publisher, published = con.execute(
            "SELECT kind, title, publisher, published FROM sources WHERE source_id = ?", [sid]).fetchall()[0]
        batches = con.execute("SELECT batch_id FROM ingest_batches WHERE batch_id LIKE 'events-%'").fetchall()
    finally:
        con.close()
    assert (kind, title, publisher, published) == ("article", "Masacre en Irapuato", "Diario de prueba", "2020-07-03")
    assert len(batches) == 1
    assert any("import history" in s.value for s in at.success)


def test_edits_in_the_table_are_what_the_check_tries(db_copy, monkeypatch):
    at = find(new_app(db_copy, monkeypatch))
    assert at.data_editor(key="art_editor").editing_mode == "dynamic"
    # the analyst corrects the toll of row 2, and adds an event the extractor missed
    at.session_state["art_editor"] = {
        "edited_rows": {1: {"fatalities": 3}},
        "added_rows": [{"keep": True, "date": "2020-07-02", "date_precision": "day", "state_code": "11",
                        "municipality_code": "11020", "event_type": "blockade_arson", "confidence": "medium"}],
        "deleted_rows": []}
    at.run()
    at.button(key="art_check").click().run()
    no_exception(at)
    payload, _, result, rejects, _ = at.session_state["art_trial"]
    lines = payload.decode().splitlines()
    assert len(lines) == 3 and ",armed_clash,3," in lines[1] and ",11020," in lines[2]
    assert (result.loaded, result.rejected) == (2, 0), rejects


def test_a_text_in_another_language_is_refused_on_the_page(db_copy, monkeypatch):
    at = find(new_app(db_copy, monkeypatch), "Des hommes armés ont tué six personnes dans un bar de la ville "
                                             "dimanche soir, selon les autorités locales qui ont ouvert une enquête.")
    assert not at.exception
    assert any("French" in e.value for e in at.error)
    assert at.session_state["art_result"] is None


def test_an_article_without_a_date_asks_for_it(db_copy, monkeypatch):
    at = find(new_app(db_copy, monkeypatch), ARTICLE.replace(", 3 de julio de 2020", ""))
    assert not at.exception
    assert any("publication date" in w.value for w in at.warning)


def test_a_pdf_renamed_txt_is_refused_on_the_page(db_copy, monkeypatch):
    at = new_app(db_copy, monkeypatch)
    at.file_uploader(key="art_file").set_value(("article.txt", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "text/plain"))
    at.run()
    at.button(key="art_find").click().run()
    assert not at.exception
    assert any("is a PDF" in e.value for e in at.error)


def test_an_uploaded_html_page_gives_its_title_and_outlet(db_copy, monkeypatch):
    page = (ROOT / "tests" / "fixtures" / "articles" / "en_reynosa_migrants.html").read_bytes()
    at = new_app(db_copy, monkeypatch)
    at.file_uploader(key="art_file").set_value(("reynosa.html", page, "text/html"))
    at.run()
    at.button(key="art_find").click().run()
    no_exception(at)
    assert list(at.session_state["art_result"]["review"]["municipality"]) == ["Reynosa"]
    assert at.text_input(key="art_outlet").value == "Frontier Daily"
    assert at.text_input(key="art_url").value == "https://frontier-daily.example/reynosa-migrants"


SECOND = ("Balacera en Salamanca\n\nSALAMANCA, Gto., 4 de julio de 2020.- Un enfrentamiento entre policías estatales y "
          "un grupo armado dejó dos muertos el jueves en Salamanca, Guanajuato, según la Secretaría de Seguridad.")


def test_a_second_article_about_an_imported_event_joins_its_sources(db_copy, monkeypatch):
    at = find(new_app(db_copy, monkeypatch))
    at.button(key="art_check").click().run()
    at.button(key="art_go").click().run()                      # the first article: the Salamanca clash imported
    no_exception(at)
    at = find(new_app(db_copy, monkeypatch), SECOND)
    no_exception(at)
    review = at.session_state["art_result"]["review"]
    assert (bool(review.loc[0, "keep"]), bool(review.loc[0, "add_source"])) == (False, True)
    assert any("add_source" in w.value and "two sources" in w.value for w in at.warning)
    at.button(key="art_check").click().run()
    at.button(key="art_go").click().run()
    no_exception(at)
    event_id = review.loc[0, "duplicate_of"]
    con = duckdb.connect(str(db_copy), read_only=True)
    try:
        n_sources = con.execute("SELECT count(*) FROM event_sources WHERE event_id = ?", [event_id]).fetchall()[0][0]
        n_events = con.execute("SELECT count(*) FROM events WHERE event_id = ?", [event_id]).fetchall()[0][0]
    finally:
        con.close()
    assert (n_events, n_sources) == (1, 2)
