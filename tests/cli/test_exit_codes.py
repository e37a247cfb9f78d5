"""Exit codes: 0 done, 2 the user's input or arguments are wrong (one line naming the reason),
1 only for a bug. Each case here was an "internal error" (exit 1) before."""

from __future__ import annotations

import datetime as dt

import pytest
from support.datahelpers import FIXTURES

from scoring import cli


def run(capsys, *argv) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "internal error" not in err, err
    return code, out, err


def one_error_line(err: str) -> str:
    lines = [ln for ln in err.splitlines() if not ln.startswith("  ... ")]
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    return lines[0]


@pytest.mark.parametrize("as_of", ["0001-01-01", "1899-12-31", "9999-12-31"])
def test_score_as_of_out_of_range(as_of, built_db, capsys):
    code, _, err = run(capsys, "score", "--db", built_db, "--as-of", as_of, "--no-uncertainty")
    assert code == 2 and "as_of must be between 1900-01-01 and 2100-12-31" in one_error_line(err)


@pytest.mark.parametrize("cut", [16, 4096, 300_000])
def test_score_and_ingest_on_a_truncated_database(cut, built_db, tmp_path, capsys):
    bad = tmp_path / "truncated.duckdb"
    bad.write_bytes(built_db.read_bytes()[:cut])
    for argv in (["score", "--no-uncertainty"], ["ingest", FIXTURES / "hostile" / "utf16_le_bom.csv", "--format",
                                                  "sesnsp"]):
        code, _, err = run(capsys, *argv, "--db", bad)
        line = one_error_line(err)
        assert code == 2 and ("not a valid database" in line or "not a DuckDB database" in line), line
        assert "another process" not in line


def test_a_folder_as_the_database(tmp_path, capsys):
    folder = tmp_path / "db"
    folder.mkdir()
    for argv in (["build"], ["score", "--no-uncertainty"], ["rejects"]):
        code, _, err = run(capsys, *argv, "--db", folder)
        line = one_error_line(err)
        assert code == 2 and ("folder" in line or "not a database file" in line), line
    assert list(folder.iterdir()) == []


def test_a_release_in_the_future_is_refused(ref_db, capsys):
    nxt = dt.date.today().replace(day=1) + dt.timedelta(days=32)
    code, _, err = run(capsys, "ingest", FIXTURES / "hostile" / "utf16_le_bom.csv", "--format", "sesnsp",
                       "--db", ref_db, "--release", f"{nxt:%Y-%m}")
    assert code == 2 and "in the future" in one_error_line(err)
    code, out, _ = run(capsys, "ingest", FIXTURES / "hostile" / "utf16_le_bom.csv", "--format", "sesnsp",
                       "--db", ref_db, "--release", f"{dt.date.today():%Y-%m}")
    assert code == 0 and "loaded 2" in out


def test_a_foreign_duckdb_file_is_not_a_project_database(tmp_path, capsys):
    import duckdb

    foreign = tmp_path / "foreign.duckdb"
    con = duckdb.connect(str(foreign))
    con.execute("CREATE TABLE t (x INTEGER)")
    con.close()
    code, _, err = run(capsys, "ingest", FIXTURES / "hostile" / "utf16_le_bom.csv", "--format", "sesnsp",
                       "--db", foreign)
    assert code == 2 and "not one of this project's" in one_error_line(err)
