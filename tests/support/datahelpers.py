"""Helpers shared by the loader, importer and query tests (no fixtures here: see conftest.py).

The real data lives in ``../shared/data`` (not in the repository); tests that need it skip
with a clear reason when it is absent.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from scoring import paths
from scoring.db import schema, store
from scoring.load.reference import load_reference
from scoring.load.seeds import load_seeds
from support import FIXTURES, ROOT, SHARED  # noqa: F401  (re-exported for the tests)

CARPETAS = "sesnsp_carpetas_state_month_2015-01_2024-11.csv"
VICTIMS = "sesnsp_victims_state_month_2015-01_2025-06.csv"
UCDP = "ucdp_ged_mexico_events_1989-2023.csv"
CONAPO = "conapo2023_population_state_year_1990-2030.csv"
HOMOLOGATED = "sesnsp_state_month_homologated_2015-01_2026-07.csv"
FEDERAL = "sesnsp_federal_state_month_2012-01_2025-07_latin1.csv"
RNPDNO = "rnpdno_missing_persons_by_state_2026-06-03.csv"
WIDE_FIXTURE = "fixtures/sesnsp_idefc_nm_nov2024_rows2023-2024_latin1.csv"


def shared_file(name: str) -> Path:
    """A file of ../shared/data, or skip the test saying what is missing."""
    path = SHARED / name
    if not path.is_file():
        pytest.skip(f"real data file {path} is absent (../shared/data holds the SESNSP, UCDP and CONAPO files)")
    return path


def table_dump(db) -> dict[str, list[tuple]]:
    """Every table's rows in a stable order: two databases with equal dumps hold the same data."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = [r[0] for r in con.execute(
            "SELECT table_name FROM duckdb_tables() ORDER BY table_name").fetchall()]
        return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in tables}
    finally:
        con.close()


def table_digest(db) -> dict[str, tuple[int, int]]:
    """Per table: row count and the sum of the rows' hashes (order-free, content-sensitive).
    Cheap enough for the 250,000 official cells; equal digests mean equal contents."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = [r[0] for r in con.execute(
            "SELECT table_name FROM duckdb_tables() ORDER BY table_name").fetchall()]
        return {t: tuple(con.execute(f"SELECT count(*), coalesce(sum(hash(x)::HUGEINT), 0) FROM {t} x")
                         .fetchall()[0]) for t in tables}
    finally:
        con.close()


def file_sha(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def query(db, sql: str, params=None) -> list[tuple]:
    """Run one read-only query on a database file and close it again."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def fill_reference(con) -> None:
    """Reference tables and seeds without the large official tables: a small database for
    the importers (event imports need states, places, corridors and sources)."""
    ref = load_reference(con, polygons=False)
    load_seeds(con, paths.SEEDS, ref.codes, set(ref.corridors["corridor_id"]), ref.places)
    store.insert_df(con, "sources", pd.DataFrame([
        {"source_id": "D:acled", "kind": "dataset", "title": "ACLED"},
        {"source_id": "D:ucdp_ged", "kind": "dataset", "title": "UCDP GED"}]))


def write_csv(path: Path, text: str, *, encoding: str = "utf-8", newline: str = "\n") -> Path:
    """Write CSV text (written with '\\n') in the given encoding and line ending."""
    path.write_bytes(text.replace("\n", newline).encode(encoding))
    return path


# --- small hand-made databases (in memory) ----------------------------------------------------

def fresh_con():
    """An in-memory DuckDB with the project's schema and nothing else: for tests that write a
    handful of rows by hand and check a query or a loader against them."""
    con = duckdb.connect()
    schema.create_all(con)
    return con


def add_event(con, event_id: str, date, *, state_code: str = "01", event_type: str = "killing",
              fatalities: int | None = None, actors: str | None = None, origin: str = "ucdp",
              latitude: float | None = None, longitude: float | None = None, batch_id: str | None = None) -> None:
    """Insert one event with the required columns filled in (source 'D:test')."""
    con.execute("""INSERT INTO events (event_id, origin, date, date_precision, state_code, latitude, longitude,
                                       geo_precision, event_type, fatalities, actors, source_id, batch_id)
                   VALUES (?, ?, ?, 'day', ?, ?, ?, 'exact', ?, ?, ?, 'D:test', ?)""",
                [event_id, origin, date, state_code, latitude, longitude, event_type, fatalities, actors, batch_id])


def add_stat(con, dataset: str, state_code: str, year: int, month: int, series: str | None, value,
             *, crime_type: str | None = None) -> None:
    """Insert one official_stats cell (one crime row per series unless ``crime_type`` says otherwise)."""
    con.execute("""INSERT INTO official_stats (dataset, state_code, year, month, crime_type, subtype, modality,
                                               series, value, release, batch_id)
                   VALUES (?, ?, ?, ?, ?, '-', '-', ?, ?, '2025-01', 'test')""",
                [dataset, state_code, year, month, crime_type or f"crime {series}", series, value])
