"""Batches: listed, removed exactly, and never shifting the sources they do not touch."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from support.datahelpers import table_digest, write_csv

from scoring import cli
from scoring.db.store import Store
from scoring.errors import FormatError
from scoring.index.model import RiskModel
from scoring.index.weights import load_profile
from scoring.load import ingest

EVENTS_HEADER = ("event_id,date,date_precision,state_code,geo_precision,event_type,fatalities,source_ids,"
                 "latitude,longitude\n")


def _scores(db) -> pd.DataFrame:
    store = Store(db)
    try:
        res = RiskModel(store).run(load_profile("analyst"), mc_draws=40, boot_draws=20)
        return res.table[["region_id", "score", "level", "rank", "ci_low", "ci_high", "coverage"]].copy()
    finally:
        store.close()


def _newer_homologated(tmp_path):
    """Three July 2026 cells, as a later release would revise them (they replace the embedded ones)."""
    return write_csv(tmp_path / "revision.csv", "year,month,state_code,crime,unit,count\n"
                     "2026,7,25,Homicidio doloso,carpetas,400\n2026,7,14,Extorsión,carpetas,500\n"
                     "2026,7,28,Secuestro,carpetas,90\n")


def test_removing_batches_restores_every_table_and_score_bit_for_bit(db_copy, tmp_path):
    before_tables, before = table_digest(db_copy), _scores(db_copy)
    a = ingest.ingest(_newer_homologated(tmp_path), "sesnsp-homologated", db_copy, release="2026-10")
    assert a.loaded == 3
    ev = write_csv(tmp_path / "ev.csv", EVENTS_HEADER + "U1,2026-07-10,day,25,exact,killing,6,MyNotes,24.8,-107.4\n"
                   "U2,2026-06-01,day,16,state,armed_clash,3,MyNotes,,\n")
    b = ingest.ingest(ev, "events", db_copy)
    # a second revision of one of the same cells, replacing the first import's value
    c = ingest.ingest(write_csv(tmp_path / "rev2.csv", "year,month,state_code,crime,unit,count\n"
                                "2026,7,25,Homicidio doloso,carpetas,410\n"), "sesnsp-homologated", db_copy,
                      release="2026-11")
    changed = _scores(db_copy)
    assert not np.allclose(changed["score"], before["score"])
    # remove the first revision while the later one still holds its cell, then the others
    for batch in (a.batch_id, b.batch_id, c.batch_id):
        ingest.remove(batch, db_copy)
    assert table_digest(db_copy) == before_tables
    after = _scores(db_copy)
    pd.testing.assert_frame_equal(after, before, check_exact=True)


def test_batches_are_listed_and_bad_ids_refused(db_copy, tmp_path, capsys):
    a = ingest.ingest(_newer_homologated(tmp_path), "sesnsp-homologated", db_copy, release="2026-10")
    listed = ingest.batches(db_copy)
    assert listed.loc[listed["batch_id"] == a.batch_id, "kind"].item() == "import"
    assert set(listed.loc[listed["batch_id"].str.startswith("derived:"), "kind"]) == {"embedded"}
    before = table_digest(db_copy)
    with pytest.raises(FormatError, match="no batch 'nope'"):
        ingest.remove("nope", db_copy)
    with pytest.raises(FormatError, match="part of the embedded data"):
        ingest.remove("derived:population", db_copy)
    assert table_digest(db_copy) == before
    assert cli.main(["remove", "nope", "--db", str(db_copy)]) == 2
    assert "no batch 'nope'" in capsys.readouterr().err
    assert cli.main(["batches", "--db", str(db_copy)]) == 0
    assert a.batch_id in capsys.readouterr().out


def test_one_imported_event_changes_no_region_it_does_not_name(db_copy, tmp_path):
    before = _scores(db_copy).set_index("region_id")
    ev = write_csv(tmp_path / "one.csv", EVENTS_HEADER + "U9,2026-07-15,day,25,state,killing,3,MyNotes,,\n")
    ingest.ingest(ev, "events", db_copy)
    after = _scores(db_copy).set_index("region_id")
    others = [r for r in before.index if r != "25"]
    pd.testing.assert_series_equal(after.loc[others, "score"], before.loc[others, "score"], check_exact=True)
    pd.testing.assert_series_equal(after.loc[others, "coverage"], before.loc[others, "coverage"], check_exact=True)
    # alone in the window (no systematic source covers 2026), one report is shown, not scored: it
    # would be compared with nothing (matrix.MIN_REPORTED_SHARE)
    assert after.at["25", "score"] == before.at["25", "score"]
    assert after.at["25", "coverage"] == before.at["25", "coverage"]


def test_an_event_after_the_as_of_date_changes_nothing(db_copy, tmp_path):
    before = _scores(db_copy)
    ev = write_csv(tmp_path / "late.csv", EVENTS_HEADER + "U8,2026-11-20,day,28,state,killing,9,MyNotes,,\n")
    ingest.ingest(ev, "events", db_copy)
    pd.testing.assert_frame_equal(_scores(db_copy), before, check_exact=True)


def test_leaving_imports_out_scores_the_data_as_built(db_copy, tmp_path):
    from scoring.index.matrix import TimeOptions

    before = _scores(db_copy)
    ingest.ingest(_newer_homologated(tmp_path), "sesnsp-homologated", db_copy, release="2026-10")
    ingest.ingest(write_csv(tmp_path / "ev.csv", EVENTS_HEADER + "U1,2026-07-10,day,25,state,killing,6,MyNotes,,\n"),
                  "events", db_copy)
    store = Store(db_copy)
    try:
        res = RiskModel(store).run(load_profile("analyst"), TimeOptions(embedded_only=True), mc_draws=40,
                                   boot_draws=20)
        base = res.table[["region_id", "score", "level", "rank", "ci_low", "ci_high", "coverage"]]
    finally:
        store.close()
    assert not np.allclose(_scores(db_copy)["score"], before["score"])       # the imports count by default
    pd.testing.assert_frame_equal(base.reset_index(drop=True), before.reset_index(drop=True), check_exact=True)


def _repeated_cells(db) -> int:
    from scoring.db import schema, store
    con = store.connect(db, read_only=True)
    try:
        key = ", ".join(schema.OFFICIAL_KEY)
        return con.execute(f"SELECT count(*) FROM (SELECT {key} FROM official_stats GROUP BY ALL "
                           "HAVING count(*) > 1)").fetchone()[0]
    finally:
        con.close()


def test_every_official_cell_is_one_row_through_imports_and_removals(db_copy, tmp_path):
    """official_stats has no primary key (its index cost 2 s per release): the loaders keep one
    row per cell, whatever the order of releases, re-imports and removals."""
    assert _repeated_cells(db_copy) == 0
    a = ingest.ingest(_newer_homologated(tmp_path), "sesnsp-homologated", db_copy, release="2026-10")
    older = ingest.ingest(write_csv(tmp_path / "old.csv", "year,month,state_code,crime,unit,count\n"
                                    "2026,7,25,Homicidio doloso,carpetas,380\n2026,6,25,Homicidio doloso,carpetas,1\n"),
                          "sesnsp-homologated", db_copy, release="2026-08")
    c = ingest.ingest(write_csv(tmp_path / "rev2.csv", "year,month,state_code,crime,unit,count\n"
                                "2026,7,25,Homicidio doloso,carpetas,410\n2026,7,14,Extorsión,carpetas,\n"),
                      "sesnsp-homologated", db_copy, release="2026-11")
    assert a.loaded == 3 and older.superseded >= 1 and c.loaded >= 1
    assert _repeated_cells(db_copy) == 0
    for batch in (older.batch_id, a.batch_id):
        ingest.remove(batch, db_copy)
        assert _repeated_cells(db_copy) == 0
    # a file repeating a cell: the repeat is rejected, never written twice
    twice = ingest.ingest(write_csv(tmp_path / "twice.csv", "year,month,state_code,crime,unit,count\n"
                                    "2026,5,25,Homicidio doloso,carpetas,7\n2026,5,25,Homicidio doloso,carpetas,8\n"),
                          "sesnsp-homologated", db_copy, release="2026-11")
    assert twice.rejected == 1
    assert _repeated_cells(db_copy) == 0


def _repeated_events(db) -> tuple[int, int]:
    from scoring.db import store
    con = store.connect(db, read_only=True)
    try:
        return (con.execute("SELECT count(*) - count(DISTINCT event_id) FROM events").fetchone()[0],
                con.execute("SELECT count(*) FROM (SELECT event_id, source_id FROM event_sources GROUP BY ALL "
                            "HAVING count(*) > 1)").fetchone()[0])
    finally:
        con.close()


def test_every_event_id_is_one_row_through_imports_and_removals(db_copy, tmp_path):
    """events and event_sources have no primary keys (their indexes were most of an import's write
    time): one row per event id and per (event, source) pair holds through re-imports, newer
    releases of the same ids, sources named twice and removals."""
    assert _repeated_events(db_copy) == (0, 0)
    rows = ("U1,2026-07-10,day,25,exact,killing,6,MyNotes;MyNotes;Other,24.8,-107.4\n"
            "U2,2026-06-01,day,16,state,armed_clash,3,MyNotes,,\n")
    a = ingest.ingest(write_csv(tmp_path / "a.csv", EVENTS_HEADER + rows), "events", db_copy, release="2026-08")
    again = ingest.ingest(write_csv(tmp_path / "a2.csv", EVENTS_HEADER + rows + "U3,2026-06-02,day,16,state,"
                                    "armed_clash,1,Other,,\n"), "events", db_copy, release="2026-09")
    older = ingest.ingest(write_csv(tmp_path / "a3.csv", EVENTS_HEADER + rows.replace(",6,", ",7,")),
                          "events", db_copy, release="2026-07")
    assert a.loaded == 2 and again.loaded == 3 and older.superseded == 2
    assert _repeated_events(db_copy) == (0, 0)
    for batch in (a.batch_id, again.batch_id, older.batch_id):
        ingest.remove(batch, db_copy)
        assert _repeated_events(db_copy) == (0, 0)


def test_written_frames_are_not_kept_until_the_commit():
    """store.FRAME_SCANS: a frame written inside a transaction is freed when its writer drops it,
    not at the commit (a frame given to ``con.register`` stayed referenced by the dropped view
    until then: a 1M-event import kept every chunk it had written, 350 MB)."""
    import gc
    import weakref

    import duckdb

    from scoring.db import store

    con = duckdb.connect()
    con.execute("CREATE TABLE t (a VARCHAR, b BIGINT)")
    with store.transaction(con):
        df = pd.DataFrame({"a": pd.array(["x", "y", None], dtype="str"), "b": [1, 2, 3]})
        alive = weakref.ref(df)
        assert store.insert_df(con, "t", df) == 3
        del df
        gc.collect()
        assert alive() is None
    assert con.execute("SELECT count(*), count(a) FROM t").fetchall() == [(3, 2)]
