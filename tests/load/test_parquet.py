"""A user's file in Parquet (:mod:`scoring.load.parquet`) imports as the same table in CSV does:
the same events, the same rejected rows with the same lines, fields and reasons, whatever the
columns' Parquet types; typed nulls stay missing; a column no import can hold is refused by name
and nothing is written."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from load.test_stream import HEAD, rows
from support import ROOT
from support.datahelpers import query, table_digest

from scoring.errors import FormatError
from scoring.load import ingest, parquet

USER_EVENTS = ("SELECT event_id, date, date_precision, state_code, municipality_code, place, latitude, longitude, "
               "geo_precision, event_type, fatalities FROM events WHERE origin = 'user' ORDER BY event_id")
REJECTS = "SELECT line, field, reason FROM rejected_rows ORDER BY line, field"


def write_csv(path, data):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(HEAD)
    w.writerows(data)
    path.write_text(buf.getvalue(), encoding="utf-8")


def typed_table(data) -> pa.Table:
    """The rows as a Parquet writer would type them: dates as dates where they are dates, the
    death toll as integers, coordinates as floats (a cell that is not a number stays text)."""
    cols = {h: [r[k] for r in data] for k, h in enumerate(HEAD)}

    def date_or_text(values):
        try:
            return pa.array([dt.date.fromisoformat(v) if v else None for v in values], pa.date32())
        except ValueError:
            return pa.array(values, pa.string())

    def number(values, kind):
        try:
            return pa.array([kind(v) if v != "" else None for v in values])
        except ValueError:
            return pa.array(values, pa.string())

    return pa.table({h: (date_or_text(v) if h == "date" else number(v, int) if h == "fatalities"
                         else number(v, float) if h in ("latitude", "longitude")
                         else pa.array([x if x != "" else None for x in v], pa.string()))
                     for h, v in cols.items()})


@pytest.fixture
def two_dbs(ref_db, tmp_path):
    import shutil

    a, b = tmp_path / "csv.duckdb", tmp_path / "parquet.duckdb"
    shutil.copy(ref_db, a)
    shutil.copy(ref_db, b)
    return a, b


@pytest.mark.parametrize("block_rows", [37, None])
def test_a_parquet_event_file_imports_as_its_csv_does(two_dbs, tmp_path, monkeypatch, block_rows):
    data = rows()
    data = [r for r in data if not (r[1] == "2025-13-01")]    # a typed date column cannot hold that day
    csv_path, pq_path = tmp_path / "events.csv", tmp_path / "events.data"    # known by its bytes, not its name
    write_csv(csv_path, data)
    pq.write_table(typed_table(data), pq_path, row_group_size=50)
    assert parquet.is_parquet(pq_path) and not parquet.is_parquet(csv_path)
    if block_rows:
        monkeypatch.setattr(parquet, "ROWS_PER_BLOCK", block_rows)
    db_csv, db_pq = two_dbs
    a = ingest.ingest(csv_path, "events", db_csv, release="2025-12")
    b = ingest.ingest(pq_path, "events", db_pq, release="2025-12")
    assert (b.rows_read, b.loaded, b.rejected) == (a.rows_read, a.loaded, a.rejected)
    assert a.loaded > 150 and a.rejected > 10
    assert query(db_pq, USER_EVENTS) == query(db_csv, USER_EVENTS)
    assert query(db_pq, REJECTS) == query(db_csv, REJECTS)
    # the links to sources and the new sources too
    assert query(db_pq, "SELECT event_id, source_id FROM event_sources WHERE event_id LIKE 'U%' ORDER BY 1, 2") == \
        query(db_csv, "SELECT event_id, source_id FROM event_sources WHERE event_id LIKE 'U%' ORDER BY 1, 2")
    # a missing toll is missing (a null in Parquet), never zero
    assert query(db_pq, "SELECT count(*) FROM events WHERE origin = 'user' AND fatalities IS NULL")[0][0] == \
        query(db_csv, "SELECT count(*) FROM events WHERE origin = 'user' AND fatalities IS NULL")[0][0]
    again = ingest.ingest(pq_path, "events", db_pq, release="2025-12")
    assert again.already_loaded


def test_parquet_cells_read_as_a_csv_export_writes_them(tmp_path):
    t = pa.table({"event_id": [" a ", "b", None], "when": pa.array([dt.datetime(2024, 1, 5), dt.datetime(2024, 1, 6),
                                                                    None]),
                  "at": pa.array([dt.datetime(2024, 1, 5, 13, 30), None, None]),
                  "deaths": pa.array([2.0, float("nan"), None]), "n": pa.array([1, None, None], pa.int32()),
                  "flag": pa.array([True, False, None]), "kind": pa.array(["x", "y", None]).dictionary_encode()})
    path = tmp_path / "t.parquet"
    pq.write_table(t, path)
    (frame,) = parquet.frames(path, text_dtype=ingest.TEXT, max_columns=10)
    assert frame.drop(columns="_line").astype(object).values.tolist() == [
        ["a", "2024-01-05", "2024-01-05 13:30:00", "2", "1", "true", "x"],
        ["b", "2024-01-06", "", "", "", "false", "y"]]           # the row of nulls only: skipped as a blank line
    assert frame["_line"].tolist() == [2, 3]


def test_a_column_no_import_can_hold_is_refused_by_name_and_nothing_is_written(ref_db, tmp_path):
    t = pa.table({"event_id": ["a"], "date": ["2025-01-01"], "state_code": ["25"], "tags": pa.array([["x", "y"]])})
    path = tmp_path / "bad.parquet"
    pq.write_table(t, path)
    before = table_digest(ref_db)
    with pytest.raises(FormatError, match="column 'tags' holds list"):
        ingest.ingest(path, "events", ref_db)
    assert table_digest(ref_db) == before
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"PAR1" + b"\x00" * 64 + b"PAR1")
    with pytest.raises(FormatError, match="not a readable Parquet file"):
        ingest.ingest(broken, "events", ref_db)
    assert table_digest(ref_db) == before


def test_another_format_in_parquet_imports_as_its_csv_does(two_dbs, tmp_path):
    """ACLED's export (a format read whole), the same table in Parquet, every column as text."""
    src = ROOT / "tests" / "fixtures" / "acled_mexico_fictitious.csv"
    table = pacsv.read_csv(src, convert_options=pacsv.ConvertOptions(
        column_types={n: pa.string() for n in pacsv.read_csv(src).column_names}, strings_can_be_null=True))
    path = tmp_path / "acled.parquet"
    pq.write_table(table, path)
    db_csv, db_pq = two_dbs
    a = ingest.ingest(src, "acled", db_csv)
    b = ingest.ingest(path, "acled", db_pq)
    assert (b.rows_read, b.loaded, b.rejected) == (a.rows_read, a.loaded, a.rejected) and a.loaded > 0
    assert query(db_pq, REJECTS) == query(db_csv, REJECTS)
    assert query(db_pq, "SELECT event_id, date, state_code, fatalities FROM events WHERE origin = 'acled' ORDER BY 1") \
        == query(db_csv, "SELECT event_id, date, state_code, fatalities FROM events WHERE origin = 'acled' ORDER BY 1")
