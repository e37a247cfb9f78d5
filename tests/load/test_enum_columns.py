"""The events' closed vocabularies stored as DuckDB ENUM types (schema.TYPES): what they must
cover, how they read back, and that a database written before them scores and imports alike."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from scoring.db import schema
from scoring.db.store import Store
from scoring.index import matrix, queries
from scoring.index.queries import ConQuery
from scoring.load import ingest

ROOT = Path(__file__).resolve().parents[2]
ENUM_COLUMNS = {"events": ("origin", "state_code", "event_type"),
                "event_corridor": ("origin", "event_type"),
                "event_municipality": ("origin", "event_type")}


def test_the_vocabularies_are_the_ones_the_code_and_reference_use():
    assert set(schema.ORIGINS) == set(queries.SYSTEMATIC_ORIGINS) | set(queries.REPORT_ORIGINS)
    with open(ROOT / "data" / "reference" / "states.csv", encoding="utf-8") as fh:
        codes = sorted(r["state_code"] for r in csv.DictReader(fh))
    assert list(schema.STATE_CODES) == codes
    assert schema.TYPES["event_type_t"] == tuple(schema.EVENT_TYPES)


def test_event_columns_are_enums_and_read_back_as_strings(built_db):
    con = duckdb.connect(str(built_db), read_only=True)
    try:
        types = dict(con.execute("SELECT table_name || '.' || column_name, data_type FROM duckdb_columns() "
                                 "WHERE table_name IN ('events', 'event_corridor', 'event_municipality')").fetchall())
    finally:
        con.close()
    for table, cols in ENUM_COLUMNS.items():
        for c in cols:
            assert types[f"{table}.{c}"].startswith("ENUM("), (table, c, types[f"{table}.{c}"])
    store = Store(built_db)
    try:
        df = store.query("SELECT origin, state_code, event_type, place FROM events ORDER BY event_id LIMIT 50")
    finally:
        store.close()
    assert len(df) == 50
    assert all(str(t) == "str" for t in df.dtypes), df.dtypes
    assert set(df["origin"]) <= set(schema.ORIGINS)


def test_a_value_outside_a_vocabulary_is_refused_by_the_database(ref_db):
    con = duckdb.connect(str(ref_db))
    try:
        with pytest.raises(duckdb.ConversionException):
            con.execute("INSERT INTO events (event_id, origin, date, date_precision, state_code, geo_precision, "
                        "event_type, source_id) VALUES ('X1', 'rumour', DATE '2024-01-01', 'day', '01', 'state', "
                        "'killing', 'A000')")
        assert con.execute("SELECT count(*) FROM events WHERE event_id = 'X1'").fetchone()[0] == 0
    finally:
        con.close()


def _as_before_the_enums(path: Path) -> None:
    """Rewrite ``path`` as the previous version wrote it: VARCHAR columns and no ENUM types."""
    con = duckdb.connect(str(path))
    try:
        for table in [*ENUM_COLUMNS, "replaced_events"]:
            cols = [r[0] for r in con.execute("SELECT column_name FROM duckdb_columns() WHERE table_name = ? "
                                              "ORDER BY column_index", [table]).fetchall()]
            sel = ", ".join(f"{c}::VARCHAR AS {c}" if c in ("origin", "state_code", "event_type") else c
                            for c in cols)
            con.execute(f"CREATE TABLE {table}_old AS SELECT {sel} FROM {table}")
            con.execute(f"DROP TABLE {table}")
            con.execute(f"ALTER TABLE {table}_old RENAME TO {table}")
        for name in schema.TYPES:
            con.execute(f"DROP TYPE {name}")
        assert con.execute("SELECT count(*) FROM duckdb_types() WHERE type_name IN ('origin_t', 'state_t', "
                           "'event_type_t')").fetchone()[0] == 0
    finally:
        con.close()


def _stage_one(path: Path) -> matrix.Matrix:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return matrix.compute_matrix(ConQuery(con), matrix.TimeOptions(as_of=dt.date(2024, 6, 30)))
    finally:
        con.close()


def test_a_database_written_before_the_enums_scores_and_imports_alike(built_db, tmp_path):
    import shutil

    new, old = tmp_path / "new.duckdb", tmp_path / "old.duckdb"
    shutil.copy(built_db, new)
    shutil.copy(built_db, old)
    _as_before_the_enums(old)

    def same(a: matrix.Matrix, b: matrix.Matrix) -> None:
        # equal but for the order of floating-point additions (DuckDB sums in parallel)
        np.testing.assert_allclose(a.raw, b.raw, rtol=1e-12)
        pd.testing.assert_frame_equal(a.detail, b.detail, check_exact=False, rtol=1e-12)

    same(_stage_one(new), _stage_one(old))
    acled = ROOT / "tests" / "fixtures" / "acled_mexico_fictitious.csv"
    res_new = ingest.ingest(acled, "acled", new)
    res_old = ingest.ingest(acled, "acled", old)
    assert res_new.loaded == res_old.loaded > 0
    same(_stage_one(new), _stage_one(old))
    for path in (new, old):
        con = duckdb.connect(str(path), read_only=True)
        try:
            assert con.execute("SELECT count(*) FROM events WHERE origin = 'acled'").fetchone()[0] == res_new.loaded
        finally:
            con.close()
