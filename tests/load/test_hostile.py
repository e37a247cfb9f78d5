"""The hostile corpus (``tests/fixtures/hostile/``, see its README) through both import paths:
the command line (``python -m scoring ingest``) and the page's ``upload.import_upload``.

For every file: no traceback and the right exit code; the good rows load; every bad row is
rejected once with its line, field and reason; the tables the import must not touch are
byte-identical before and after.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from support.datahelpers import FIXTURES, ROOT, query, table_digest

from scoring import cli
from scoring.errors import RiskError
from scoring.load import upload

HOSTILE = FIXTURES / "hostile"
EVENT_TABLES = {"events", "event_sources", "event_corridor", "event_municipality", "sources"}
OFFICIAL_TABLES = {"official_stats", "data_quality"}
BATCH_TABLES = {"ingest_batches", "rejected_rows"}

# file -> (format, rows loaded, {line: (field or None, words of the reason)})
CASES = {
    "events_bad_values.csv": ("events", 2, {
        3: ("date", "before 1900"), 4: ("date", "in the future"), 5: ("fatalities", "not a whole number"),
        6: ("fatalities", "not a whole number"), 7: ("source_ids", "names no source"),
        8: ("latitude", "outside state 07"), 9: ("latitude", "outside state 26"), 10: ("latitude", "outside state 28"),
        11: ("source_ids", "names no source")}),
    "ucdp_bad_values.csv": ("ucdp", 1, {
        3: ("date_start", "before 1900"), 4: ("date_start", "in the future"), 5: ("best", "not a whole number"),
        6: ("best", "not a whole number"), 7: ("latitude", "outside state 30")}),
    "acled_bad_values.csv": ("acled", 1, {
        3: ("event_date", "in the future"), 4: ("latitude", "outside state 26"), 5: ("fatalities", "not a whole")}),
    "sesnsp_tidy_bad_values.csv": ("sesnsp", 2, {
        3: ("year", "not a year"), 4: ("year", "not a year"), 5: ("month", "not 1-12"),
        6: ("count", "not a whole number"), 7: ("count", "not a whole number"), 8: ("count", "above 1,000,000"),
        9: ("state_code", "'1e1' is not an INEGI code"), 10: ("month", "after the current month"),
        11: (None, "has 9 fields, expected 8")}),
    "sesnsp_wide_ragged.csv": ("sesnsp", 24, {
        3: (None, "has 18 fields, expected 19"), 4: (None, "has 20 fields, expected 19"), 5: ("Año", "in the future")}),
    "sesnsp_victims_ragged.csv": ("sesnsp-victims", 2, {
        3: (None, "has 9 fields, expected 10"), 4: (None, "has 11 fields, expected 10")}),
    "utf16_le_bom.csv": ("sesnsp", 2, {}),
    "utf16_be_nobom.csv": ("sesnsp", 2, {}),
    "unterminated_quote.csv": ("sesnsp", 3, {3: (None, "quote")}),
    "long_field.csv": ("sesnsp", 2, {3: (None, "longer than 131,072 characters")}),
    "mixed_encoding.csv": ("sesnsp", 3, {}),
    "escape_sequences.csv": ("events", 1, {3: ("event_type", "is not one of"), 4: ("date", "not a valid date")}),
}


def untouched(fmt: str, before: dict, after: dict) -> None:
    may_change = BATCH_TABLES | (EVENT_TABLES if fmt in ("events", "ucdp", "acled") else OFFICIAL_TABLES)
    changed = sorted(t for t in before if t not in may_change and before[t] != after[t])
    assert not changed, f"the import changed tables it should not touch: {changed}"


def check_rejects(rejects: list[tuple], expected: dict) -> None:
    got = {line: (field if isinstance(field, str) else None, reason) for line, field, reason in rejects}
    assert sorted(got) == sorted(expected), (got, expected)
    for line, (field, words) in expected.items():
        assert got[line][0] == field, (line, got[line])
        assert words in got[line][1], (line, got[line])
    assert not any("\x1b" in reason for _, _, reason in rejects)


def loaded_rows(db, fmt: str, batch: str) -> int:
    table = "events" if fmt in ("events", "ucdp", "acled") else "official_stats"
    return query(db, f"SELECT count(*) FROM {table} WHERE batch_id = ?", [batch])[0][0]


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_file_through_the_command_line(name, ref_db, capsys):
    fmt, loaded, expected = CASES[name]
    before = table_digest(ref_db)
    code = cli.main(["ingest", str(HOSTILE / name), "--format", fmt, "--db", str(ref_db)])
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "internal error" not in err, err
    assert code == 0, err
    summary = out.splitlines()[0]
    assert f"loaded {loaded:,}, rejected {len(expected)}" in summary
    batch = summary.rsplit("batch ", 1)[1].split(".")[0].split(";")[0]
    if expected:   # the summary names the first rejected rows and how to list the rest
        first = min(expected)
        assert f"line {first}" in summary and expected[first][1] in summary
        assert f"python -m scoring rejects {batch}" in summary
    assert "\x1b" not in out
    rows = query(ref_db, "SELECT line, field, reason FROM rejected_rows WHERE batch_id = ? ORDER BY line", [batch])
    check_rejects(rows, expected)
    assert loaded_rows(ref_db, fmt, batch) == loaded
    read = query(ref_db, "SELECT rows_read FROM ingest_batches WHERE batch_id = ?", [batch])[0][0]
    assert read >= loaded // (12 if name == "sesnsp_wide_ragged.csv" else 1) + len(expected)
    untouched(fmt, before, table_digest(ref_db))
    # the rejects command shows escape sequences escaped, in both layouts
    for layout in ("table", "csv"):
        assert cli.main(["rejects", batch, "--db", str(ref_db), "--format", layout]) == 0
        out, _ = capsys.readouterr()
        assert "\x1b" not in out and "\x07" not in out


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_file_through_the_page_import(name, ref_db):
    fmt, loaded, expected = CASES[name]
    before = table_digest(ref_db)
    up = upload.import_upload(ref_db, name, (HOSTILE / name).read_bytes(), fmt)
    assert up.result.loaded == loaded and up.result.rejected == len(expected)
    check_rejects(list(up.rejects[["line", "field", "reason"]].itertuples(index=False, name=None)), expected)
    assert loaded_rows(ref_db, fmt, up.result.batch_id) == loaded
    untouched(fmt, before, table_digest(ref_db))


def test_what_the_files_hold_is_read_right(ref_db):
    """UTF-16 and mixed-encoding files keep their accents; the wide file's cells are all there."""
    for name in ("utf16_le_bom.csv", "utf16_be_nobom.csv", "mixed_encoding.csv", "sesnsp_wide_ragged.csv"):
        upload.import_upload(ref_db, name, (HOSTILE / name).read_bytes(), "sesnsp")
    codes = {r[0] for r in query(ref_db, "SELECT DISTINCT state_code FROM official_stats")}
    assert {"25", "09", "16", "01"} <= codes
    bad = query(ref_db, "SELECT count(*) FROM official_stats WHERE subtype LIKE '%Ã%' OR crime_type LIKE '%Ã%'")
    assert bad == [(0,)]


def test_a_million_column_header_is_refused_in_under_a_second(ref_db, tmp_path):
    path = tmp_path / "million_columns.csv"
    path.write_text(",".join(f"c{i}" for i in range(1_000_000)) + "\n1,2,3\n", encoding="utf-8")
    before = table_digest(ref_db)
    t0 = time.perf_counter()
    with pytest.raises(RiskError, match="1,000,000 columns"):
        upload.import_upload(ref_db, path.name, path.read_bytes(), "events")
    assert time.perf_counter() - t0 < 1.0
    done = subprocess.run([sys.executable, "-m", "scoring", "ingest", str(path), "--format", "sesnsp",
                           "--db", str(ref_db)], check=False, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "1,000,000 columns" in done.stderr
    assert table_digest(ref_db) == before


def test_a_file_name_that_is_not_utf8_is_imported(ref_db, tmp_path, capsys):
    path = os.fsdecode(os.fsencode(str(tmp_path)) + b"/events_\xff.csv")
    with open(path, "wb") as f:
        f.write((HOSTILE / "events_bad_values.csv").read_bytes())
    code = cli.main(["ingest", path, "--format", "events", "--db", str(ref_db)])
    out, err = capsys.readouterr()
    assert code == 0 and "internal error" not in err, err
    assert "events_\\xff.csv: loaded 2, rejected 9" in out
    assert query(ref_db, "SELECT file_name FROM ingest_batches") == [("events_\\xff.csv",)]


@pytest.mark.parametrize("argv", [
    ["score", "--no-uncertainty"], ["ingest", str(HOSTILE / "utf16_le_bom.csv"), "--format", "sesnsp"],
    ["rejects"], ["batches"],
])
def test_a_garbage_database_is_not_a_valid_database(argv, capsys):
    code = cli.main([*argv, "--db", str(HOSTILE / "garbage.duckdb")])
    _, err = capsys.readouterr()
    assert code == 2, err
    assert err.count("\n") == 1 and "is not a valid database" in err and "another process" not in err
