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
