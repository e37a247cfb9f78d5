"""``python -m scoring build`` (issue 2): loaders, strict validation of repository files,
atomic replacement, reproducible content.

Bad repository files are made in a copy of ``data/`` and ``seeds/`` under ``tmp_path``; the
real files are never touched. Speed is measured in ``benchmarks/``, never asserted here.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support.datahelpers import (
    ROOT,
    file_sha,
    fresh_con,
    query,
    table_digest,
    table_dump,
)

from scoring import cli, paths
from scoring.db import store
from scoring.errors import DataError, FormatError
from scoring.load import build as build_mod
from scoring.load import reference
from scoring.load import seeds as seeds_mod

# --- helpers -----------------------------------------------------------------------------------


SMALL_ROWS = 300  # rows kept of each large derived table in ``repo_copy`` (a build then takes ~2 s)


@pytest.fixture
def repo_copy(tmp_path) -> Path:
    """A copy of the repository's data/ and seeds/ that a test may break.

    To keep each failing build short, the large derived tables keep their first
    SMALL_ROWS rows and the state outlines are left out (corridor shares then split evenly);
    neither changes which rows are checked or how.
    """
    root = tmp_path / "repo"
    shutil.copytree(ROOT / "data", root / "data", ignore=shutil.ignore_patterns("*.duckdb*", ".*", "geo"))
    shutil.copytree(ROOT / "seeds", root / "seeds")
    for path in (root / "data" / "derived").glob("*.csv.gz"):
        with gzip.open(path, "rt", encoding="utf-8", newline="") as f:
            head = [line for _, line in zip(range(SMALL_ROWS + 1), f)]
        with gzip.open(path, "wt", encoding="utf-8", newline="") as f:
            f.write("".join(head))
    return root


def read_rows(path: Path) -> list[list[str]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def write_rows(path: Path, rows: list[list[str]]) -> None:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    if path.suffix == ".gz":
        with gzip.open(path, "wt", encoding="utf-8", newline="") as f:
            f.write(buf.getvalue())
    else:
        path.write_text(buf.getvalue(), encoding="utf-8")


def set_cell(path: Path, data_row: int, column: str, value: str) -> int:
    """Change one cell (data_row 0 = first row after the header); returns its file line."""
    rows = read_rows(path)
    rows[data_row + 1][rows[0].index(column)] = value
    write_rows(path, rows)
    return data_row + 2


def point_paths_at(monkeypatch, root: Path) -> None:
    """Make the default build (the CLI's) read the copy under ``root``."""
    monkeypatch.setattr(paths, "REFERENCE", root / "data" / "reference")
    monkeypatch.setattr(paths, "SEEDS", root / "seeds")
    monkeypatch.setattr(paths, "DERIVED", root / "data" / "derived")
    monkeypatch.setattr(paths, "GEO", root / "data" / "geo")


# --- loaders, one by one ---------------------------------------------------------------------------

def data_lines(path: Path) -> int:
    return len(read_rows(path)) - 1


def test_loaders_fill_their_tables_from_the_repository_files():
    con = fresh_con()
    ref, seeds = paths.REFERENCE, paths.SEEDS
    states = reference.load_states(con, ref)
    codes = set(states["state_code"])
    assert codes == {f"{i:02d}" for i in range(1, 33)}
    reference.load_state_names(con, ref, codes)
    places = reference.load_places(con, ref, codes)
    corridors = reference.load_corridors(con, ref, codes, None)
    manifest = seeds_mod.load_manifest(con, seeds)
    events = seeds_mod.load_seed_events(con, seeds, codes, set(corridors["corridor_id"]),
                                        set(manifest["article_id"]), places)
    facts = seeds_mod.load_facts(con, seeds, codes, set(manifest["article_id"]))

    def n(table):
        return con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]

    assert n("states") == 32
    assert n("places") == data_lines(ref / "places.csv") == len(places)
    assert 0 < n("state_names") <= data_lines(ref / "state_names.csv")
    assert n("corridors") == len(corridors) > 0
    assert n("corridor_waypoints") >= 2 * n("corridors")
    assert n("sources") == data_lines(seeds / "manifest.csv") == len(manifest)
    assert n("events") == data_lines(seeds / "events.csv") == len(events)
    assert n("facts") == data_lines(seeds / "facts.csv") == len(facts)
    # every state has its official name among the variants
    missing = con.execute("""SELECT state_code FROM states s WHERE NOT EXISTS (
        SELECT 1 FROM state_names n WHERE n.state_code = s.state_code)""").fetchall()
    assert missing == []
    con.close()


def test_state_names_loader_refuses_a_name_for_two_states(tmp_path):
    ref = tmp_path / "reference"
    ref.mkdir()
    (ref / "state_names.csv").write_text("variant,state_code,source_note\nJalisco,14,x\nJALISCO,11,y\n",
                                         encoding="utf-8")
    with pytest.raises(DataError) as e:
        reference.load_state_names(fresh_con(), ref, {"11", "14"})
    assert (e.value.line, e.value.field) == (3, "variant")


def test_states_loader_wants_all_32(tmp_path):
    ref = tmp_path / "reference"
    ref.mkdir()
    rows = read_rows(paths.REFERENCE / "states.csv")
    write_rows(ref / "states.csv", rows[:-1])
    with pytest.raises(DataError, match="has 31 states, expected 32"):
        reference.load_states(fresh_con(), ref)


# --- the whole build ---------------------------------------------------------------------------------

@pytest.mark.slow
def test_build_is_reproducible(built_db, tmp_path):
    """Two builds (the session's, by the CLI, and this one, by the API) hold the same data."""
    again, counts, _ = build_mod.build(tmp_path / "again.duckdb")
    assert table_digest(again) == table_digest(built_db)
    small = {"ingest_batches", "sources", "events", "corridors", "corridor_states", "data_quality", "facts"}
    a, b = table_dump(again), table_dump(built_db)
    assert {t: a[t] for t in small if t != "events"} == {t: b[t] for t in small if t != "events"}
    assert counts["states"] == 32 and counts["official_stats"] > 0


def test_build_counts_match_the_provenance_record(built_db):
    prov = json.loads((paths.DERIVED / "provenance.json").read_text(encoding="utf-8"))
    got = dict(query(built_db, "SELECT batch_id, rows_loaded FROM ingest_batches WHERE batch_id LIKE 'derived:%'"))
    assert got == {f"derived:{k}": v["rows_derived"] for k, v in prov.items()}


def test_every_seed_event_has_a_state_and_a_known_source(built_db):
    seeds = query(built_db, "SELECT event_id, state_code FROM events WHERE origin = 'seed' ORDER BY event_id")
    assert len(seeds) == data_lines(paths.SEEDS / "events.csv")
    states = {r[0] for r in query(built_db, "SELECT state_code FROM states")}
    assert all(code in states for _, code in seeds)
    orphans = query(built_db, """
        SELECT e.event_id FROM events e WHERE e.origin = 'seed' AND NOT EXISTS (
            SELECT 1 FROM event_sources es JOIN sources s USING (source_id) WHERE es.event_id = e.event_id)""")
    assert orphans == []
    dangling = query(built_db, "SELECT * FROM event_sources es WHERE source_id NOT IN (SELECT source_id FROM sources)")
    assert dangling == []
    # the primary source is among the event's sources
    assert query(built_db, """SELECT count(*) FROM events e WHERE NOT EXISTS (
        SELECT 1 FROM event_sources es WHERE es.event_id = e.event_id AND es.source_id = e.source_id)""") == [(0,)]


def test_build_leaves_no_temporary_files(built_db):
    # the writers' lock file stays (it is the lock, not a leftover), and so do the change feed and digest
    # written beside the database (scoring/feed.py), and the dashboard's saved default results
    # (dashboard/saved.py, written by a test that prepares this shared database); no temporary copy does
    kept = (built_db.name, f".{built_db.name}.lock", "feed.atom", "changes.json", f"{built_db.name}.results.pkl")
    leftovers = [p.name for p in built_db.parent.iterdir() if p.name not in kept]
    assert leftovers == []


# --- bad repository files: strict, located, atomic ---------------------------------------------------

# (file under the copy, data row, column, bad value, field named, words of the reason)
BAD_SEED_ROWS = {
    "unknown_state": ("seeds/events.csv", 4, "state_code", "99", "state_code", "'99' is not one of"),
    "bad_date": ("seeds/events.csv", 2, "date", "2020-13-45", "date", "is not a valid date"),
    "negative_count": ("seeds/events.csv", 6, "fatalities", "-3", "fatalities", "must be >= 0"),
    "not_a_count": ("seeds/events.csv", 6, "injured", "2.5", "injured", "is not a whole number"),
    "duplicate_id": ("seeds/events.csv", 7, "event_id", "S001", "event_id", "repeats the id 'S001'"),
    "missing_required": ("seeds/events.csv", 3, "event_type", "", "event_type", "is required but empty"),
    "unknown_event_type": ("seeds/events.csv", 3, "event_type", "riot", "event_type", "is not one of"),
    "unknown_source": ("seeds/events.csv", 5, "source_ids", "A000;A999", "source_ids", "A999"),
    "half_coordinates": ("seeds/events.csv", 0, "longitude", "", "longitude", "both be given"),
    "facts_bad_date": ("seeds/facts.csv", 1, "period_start", "2020-02-30", "period_start", "is not a valid date"),
    "facts_unknown_state": ("seeds/facts.csv", 2, "state_code", "33", "state_code", "is not one of"),
    "manifest_duplicate_id": ("seeds/manifest.csv", 2, "article_id", "A000", "article_id", "repeats the id"),
    "manifest_missing_title": ("seeds/manifest.csv", 1, "title", "", "title", "is required but empty"),
    "places_unknown_state": ("data/reference/places.csv", 10, "state_code", "40", "state_code", "is not one of"),
    "places_outside_mexico": ("data/reference/places.csv", 11, "latitude", "45.1", "latitude", "must be <= 33"),
    "states_duplicate_code": ("data/reference/states.csv", 5, "state_code", "01", "state_code", "repeats the id"),
    "state_names_unknown_state": ("data/reference/state_names.csv", 3, "state_code", "0", "state_code", "is not one of"),
}

# the compact official tables are repository files too (checked in SQL by scoring/defaults.py)
BAD_DERIVED_ROWS = {
    "carpetas_unknown_state": ("data/derived/sesnsp_carpetas.csv.gz", 100, "state_code", "99", "state_code",
                               "unknown state code"),
    "carpetas_negative_count": ("data/derived/sesnsp_carpetas.csv.gz", 250, "value", "-4", "value",
                                "negative count"),
    "carpetas_not_a_number": ("data/derived/sesnsp_carpetas.csv.gz", 7, "value", "12a", "value",
                              "is not a valid double"),
    "victims_bad_month": ("data/derived/sesnsp_victims.csv.gz", 20, "month", "13", "month", "month outside 1-12"),
    "population_missing": ("data/derived/population.csv", 3, "pop_mid_year", "", "pop_mid_year",
                           "population must be positive"),
    "ucdp_bad_date": ("data/derived/ucdp_events.csv.gz", 50, "date", "2019-02-30", "date", "is not a valid date"),
    "ucdp_missing_state": ("data/derived/ucdp_events.csv.gz", 60, "state_code", "", "state_code",
                           "is required but empty"),
    "ucdp_negative_count": ("data/derived/ucdp_events.csv.gz", 61, "fatalities", "-1", "fatalities",
                            "negative count"),
}


def _expect_located(err_text: str, file: str, line: int, field: str, words: str) -> None:
    name = Path(file).name
    assert f"{name}, line {line}, field '{field}': " in err_text, err_text
    assert words in err_text, err_text


@pytest.mark.parametrize("case", sorted(BAD_SEED_ROWS) + sorted(BAD_DERIVED_ROWS))
def test_bad_row_stops_the_build_with_file_line_and_field(case, repo_copy, tmp_path):
    file, row, column, value, field, words = (BAD_SEED_ROWS | BAD_DERIVED_ROWS)[case]
    line = set_cell(repo_copy / file, row, column, value)
    db = tmp_path / "out.duckdb"
    with pytest.raises(DataError) as e:
        build_mod.build(db, root=repo_copy)
    assert (Path(e.value.file).name, e.value.line, e.value.field) == (Path(file).name, line, field)
    _expect_located(str(e.value), file, line, field, words)
    assert not db.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out")] == []


def test_duplicate_derived_cell_is_refused(repo_copy, tmp_path):
    path = repo_copy / "data" / "derived" / "population.csv"
    rows = read_rows(path)
    rows.insert(10, list(rows[4]))  # a second copy of data row 3, at file line 11
    write_rows(path, rows)
    with pytest.raises(DataError) as e:
        build_mod.build(tmp_path / "x.duckdb", root=repo_copy)
    assert (e.value.line, e.value.field) == (11, "year") and "repeats the key" in str(e.value)


def test_derived_file_with_a_wrong_header_is_refused(repo_copy, tmp_path):
    path = repo_copy / "data" / "derived" / "population.csv"
    rows = read_rows(path)
    rows[0][2], rows[0][3] = rows[0][3], rows[0][2]  # columns swapped: values would land in the wrong place
    write_rows(path, rows)
    with pytest.raises(DataError) as e:
        build_mod.build(tmp_path / "x.duckdb", root=repo_copy)
    assert e.value.line == 1 and "population.csv" in str(e.value)


def test_missing_provenance_says_how_to_regenerate(repo_copy, tmp_path):
    (repo_copy / "data" / "derived" / "provenance.json").unlink()
    with pytest.raises(DataError, match="scoring derive"):
        build_mod.build(tmp_path / "x.duckdb", root=repo_copy)


def test_bad_corridor_names_the_field(repo_copy, tmp_path):
    path = repo_copy / "data" / "reference" / "corridors.yml"
    text = path.read_text(encoding="utf-8")
    import yaml

    doc = yaml.safe_load(text)
    doc["corridors"][0]["states"] = ["99"]
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    with pytest.raises(DataError) as e:
        build_mod.build(tmp_path / "x.duckdb", root=repo_copy)
    assert e.value.field == "states" and "corridors.yml" in str(e.value) and "'99'" in str(e.value)


def test_unreadable_seed_file_is_a_format_error(repo_copy, tmp_path):
    (repo_copy / "seeds" / "facts.csv").write_bytes(b"\x00\x01binary")
    with pytest.raises(FormatError, match="facts.csv"):
        build_mod.build(tmp_path / "x.duckdb", root=repo_copy)


@pytest.mark.parametrize("case", ["unknown_state", "bad_date", "negative_count", "duplicate_id", "missing_required",
                                  "carpetas_negative_count", "ucdp_bad_date"])
def test_cli_build_exits_2_and_keeps_the_previous_database(case, repo_copy, ref_db_template, tmp_path,
                                                           monkeypatch, capsys):
    file, row, column, value, field, words = (BAD_SEED_ROWS | BAD_DERIVED_ROWS)[case]
    line = set_cell(repo_copy / file, row, column, value)
    db = tmp_path / "risk.duckdb"
    shutil.copy(ref_db_template, db)   # a small previous database (the built one: see the next test)
    before = file_sha(db)
    point_paths_at(monkeypatch, repo_copy)
    code = cli.main(["build", "--db", str(db)])
    out, err = capsys.readouterr()
    assert code == 2
    assert "Traceback" not in err and out == ""
    assert err.startswith("error: ") and err.count("\n") == 1
    _expect_located(err, file, line, field, words)
    assert file_sha(db) == before                         # byte-identical
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["risk.duckdb"]
    assert query(db, "SELECT count(*) FROM states") == [(32,)]  # and still opens


def test_failed_build_keeps_previous_content(repo_copy, built_db, tmp_path):
    set_cell(repo_copy / "seeds" / "events.csv", 1, "state_code", "77")
    db = tmp_path / "risk.duckdb"
    shutil.copy(built_db, db)
    with pytest.raises(DataError):
        build_mod.build(db, root=repo_copy)
    assert table_digest(db) == table_digest(built_db)


@pytest.mark.slow
def test_cli_build_subprocess_bad_seed(repo_copy, tmp_path):
    """The real process: exit status 2, one line naming file, line and field, no traceback."""
    line = set_cell(repo_copy / "seeds" / "events.csv", 4, "state_code", "99")
    db = tmp_path / "risk.duckdb"
    db.write_bytes(b"previous database stand-in")
    code = (
        "import sys; from pathlib import Path; from scoring import paths, cli\n"
        f"root = Path({str(repo_copy)!r})\n"
        "paths.REFERENCE = root / 'data' / 'reference'; paths.SEEDS = root / 'seeds'\n"
        "paths.DERIVED = root / 'data' / 'derived'; paths.GEO = root / 'data' / 'geo'\n"
        f"sys.exit(cli.main(['build', '--db', {str(db)!r}]))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], check=False, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    _expect_located(done.stderr, "events.csv", line, "state_code", "is not one of")
    assert db.read_bytes() == b"previous database stand-in"


def test_fill_failure_removes_the_temporary_file(tmp_path):
    target = tmp_path / "x.duckdb"

    def boom(con):
        raise DataError("somewhere.csv", "broken", line=3, field="f")

    with pytest.raises(DataError):
        store.build_atomically(target, boom)
    assert list(tmp_path.iterdir()) == []


def test_corridor_states_must_be_a_list(repo_copy, tmp_path):
    import yaml

    path = repo_copy / "data" / "reference" / "corridors.yml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc["corridors"][1]["states"] = "14"   # a string would silently become ['01', '04']
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    with pytest.raises(DataError, match="'states' must be a list") as e:
        build_mod.build(tmp_path / "x.duckdb", root=repo_copy)
    assert e.value.field == "states"
