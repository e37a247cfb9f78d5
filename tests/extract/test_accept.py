"""Accepted candidates go through the ordinary import: one batch, the article as its source,
listed and removable (the source goes with it); a candidate matching a stored event is flagged."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from scoring.errors import FormatError
from scoring.extract import accept, duplicates
from scoring.extract.events import extract
from scoring.load import upload

TEXT = ("IRAPUATO, Gto., 3 de julio de 2020.- Hombres armados asesinaron a 27 personas el pasado miércoles en un "
        "centro de rehabilitación de Irapuato, Guanajuato. Por otra parte, el jueves se registró un enfrentamiento "
        "entre policías y un grupo armado en Salamanca, Guanajuato, que dejó dos muertos.")


def q(db, sql, *params):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def test_flag_duplicates_names_the_seed_event(built_db):
    ex = extract(TEXT, lang="es")
    duplicates.flag_duplicates(ex.candidates, built_db)
    assert [c.duplicate_of for c in ex.candidates] == [["S012"], []]


def test_accept_import_and_remove(db_copy):
    ex = extract(TEXT, lang="es")
    src = accept.article_source(ex.article.text, title="Masacre", outlet="Diario", url="https://example.org/a",
                                published=ex.published, language=ex.language)
    review = accept.review_frame(ex.as_dicts())
    payload = accept.to_events_csv(review, src)
    before = q(db_copy, "SELECT count(*) FROM events")[0][0]
    up = upload.import_upload(db_copy, f"{src.source_id}.csv", payload, "events",
                              sources={src.source_id: src.as_source()})
    assert (up.result.loaded, up.result.rejected) == (2, 0)
    assert q(db_copy, "SELECT count(*) FROM events")[0][0] == before + 2
    assert q(db_copy, "SELECT kind, publisher, published, url FROM sources WHERE source_id = ?", src.source_id) == [
        ("article", "Diario", "2020-07-03", "https://example.org/a")]
    assert "Spanish" in q(db_copy, "SELECT date_basis FROM sources WHERE source_id = ?", src.source_id)[0][0]
    upload.remove_upload(db_copy, up.result.batch_id)
    assert q(db_copy, "SELECT count(*) FROM events")[0][0] == before
    assert q(db_copy, "SELECT count(*) FROM sources WHERE source_id = ?", src.source_id) == [(0,)]


def test_nothing_kept_is_refused():
    ex = extract(TEXT, lang="es")
    src = accept.article_source(ex.article.text, title="", outlet="", url="", published=dt.date(2020, 7, 3),
                                language="es")
    review = accept.review_frame(ex.as_dicts())
    review["keep"] = False
    with pytest.raises(FormatError, match="no row is kept"):
        accept.to_events_csv(review, src)


SECOND = ("SALAMANCA, Gto., 4 de julio de 2020.- Un enfrentamiento entre policías estatales y un grupo armado dejó "
          "dos muertos el jueves en Salamanca, Guanajuato, según la Secretaría de Seguridad del estado.")


def test_a_second_article_about_one_event_adds_its_source(db_copy):
    from scoring.db.store import Store

    first = extract(TEXT, lang="es")
    src1 = accept.article_source(first.article.text, title="Uno", outlet="A", url="", published=first.published,
                                 language="es")
    up1 = upload.import_upload(db_copy, "a.csv", accept.to_events_csv(accept.review_frame(first.as_dicts()), src1),
                               "events", sources={src1.source_id: src1.as_source()})
    second = extract(SECOND, lang="es")
    store = Store(db_copy)
    try:
        found = duplicates.find(second.candidates, store.query)
    finally:
        store.close()
    stored = found[0]
    second.candidates[0].duplicate_of = list(stored["event_id"])
    review = accept.review_frame(second.as_dicts(), stored)
    assert (bool(review.loc[0, "keep"]), bool(review.loc[0, "add_source"])) == (False, True)
    src2 = accept.article_source(second.article.text, title="Dos", outlet="B", url="", published=second.published,
                                 language="es")
    up2 = upload.import_upload(db_copy, "b.csv", accept.to_events_csv(review, src2, stored), "events",
                               sources={src2.source_id: src2.as_source()})
    (event_id,) = stored["event_id"]
    assert event_id == f"{src1.source_id}-E02"
    assert q(db_copy, "SELECT count(*) FROM events WHERE event_id = ?", event_id) == [(1,)]
    assert sorted(q(db_copy, "SELECT source_id FROM event_sources WHERE event_id = ?", event_id)) == sorted(
        [(src1.source_id,), (src2.source_id,)])
    upload.remove_upload(db_copy, up2.result.batch_id)           # the second article out again
    assert q(db_copy, "SELECT source_id FROM event_sources WHERE event_id = ?", event_id) == [(src1.source_id,)]
    assert q(db_copy, "SELECT count(*) FROM sources WHERE source_id = ?", src2.source_id) == [(0,)]
    assert up1.result.loaded == 2


def test_a_built_in_event_takes_no_new_source(built_db):
    from scoring.db.store import Store

    ex = extract(TEXT, lang="es")
    store = Store(built_db)
    try:
        stored = duplicates.find(ex.candidates, store.query)[0]
    finally:
        store.close()
    ex.candidates[0].duplicate_of = list(stored["event_id"])
    review = accept.review_frame(ex.as_dicts(), stored)
    assert not bool(review.loc[0, "add_source"])                 # S012 is a seed event
    review.loc[0, "add_source"] = True
    review["keep"] = False
    src = accept.article_source(ex.article.text, title="", outlet="", url="", published=ex.published, language="es")
    with pytest.raises(FormatError, match="built-in"):
        accept.to_events_csv(review, src, stored)
