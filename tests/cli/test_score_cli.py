"""`python -m scoring score`: the output formats and the errors a user can make.

Each full run takes a few seconds, so the runs are few and each checks several things.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import pytest
from support import ROOT

from scoring.index.model import OUTPUT_COLUMNS
from scoring.index.registry import load_registry

pytestmark = pytest.mark.slow   # each run is a fresh interpreter and a stage 1: a few seconds

REG = load_registry()
INEGI = [f"{i:02d}" for i in range(1, 33)]
JSON_KEYS = {"region_id", "region_type", "name", "score", "level", "level_name", "ci_low", "ci_high", "rank",
             "rank_low", "rank_high", "coverage", "contributions", "drivers"}


def score_cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "scoring", "score", *map(str, args)], check=False, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def json_records(built_db):
    res = score_cli("--db", built_db, "--format", "json")
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


def test_json_has_every_documented_field(json_records):
    assert isinstance(json_records, list)
    for r in json_records:
        assert JSON_KEYS <= set(r)
        assert set(r["contributions"]) == set(REG.ids)
        assert isinstance(r["drivers"], list) and all(isinstance(d, str) for d in r["drivers"])


def test_json_states_are_the_32_inegi_codes(json_records):
    states = [r["region_id"] for r in json_records if r["region_type"] == "state"]
    assert states == INEGI
    assert {r["region_type"] for r in json_records} == {"state", "corridor", "municipality"}
    munis = [r["region_id"] for r in json_records if r["region_type"] == "municipality"]
    assert len(munis) == 2475 and len(set(munis)) == 2475


def test_json_values_are_consistent(json_records):
    for r in json_records:
        if r["score"] is None:
            assert r["level"] == 0 and r["level_name"] == "No data"
            continue
        assert 0 <= r["score"] <= 10
        assert 1 <= r["level"] <= 5
        assert r["ci_low"] <= r["score"] <= r["ci_high"]
        assert r["rank_low"] <= r["median_rank"] <= r["rank_high"]
        assert r["rank"] == int(r["rank"]) and r["rank"] >= 1
        assert 0 <= r["coverage"] <= 1
        # contributions are rounded to 4 places each
        assert sum(r["contributions"].values()) == pytest.approx(r["score"], abs=1e-3)
    states = [r for r in json_records if r["region_type"] == "state"]
    assert sorted(r["rank"] for r in states) == list(range(1, 33))   # no ties in real data
    assert all(1 <= r["rank_low"] and r["rank_high"] <= 32 for r in states)


def test_csv_corridors_only_with_flat_columns(built_db):
    res = score_cli("--db", built_db, "--format", "csv", "--regions", "corridors", "--no-uncertainty",
                    "--profile", "traveler")
    assert res.returncode == 0, res.stderr
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    assert rows and {r["region_type"] for r in rows} == {"corridor"}
    cols = set(rows[0])
    assert set(OUTPUT_COLUMNS) <= cols
    assert {f"contrib_{k}" for k in REG.ids} <= cols
    assert {f"pillar_{p}" for p in REG.pillar_ids} <= cols
    assert "drivers" in cols and "summary" in cols
    for r in rows:
        s = float(r["score"])
        # without uncertainty the interval collapses on the score
        assert float(r["ci_low"]) == s == float(r["ci_high"])
        assert 0 <= s <= 10


def test_table_states_only(built_db):
    res = score_cli("--db", built_db, "--regions", "states", "--no-uncertainty", "--as-of", "2023-12-31")
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert lines[0].startswith("profile analyst; as of 2023-12-31")
    body = [x for x in lines if x.startswith("state")]
    assert len(body) == 32 and not any(x.startswith("corridor") for x in lines)


def test_bad_weights_file_exits_2_without_traceback(built_db, tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text("pillars: {lethal: -1}\n", encoding="utf-8")
    res = score_cli("--db", built_db, "--weights", bad)
    assert res.returncode == 2
    assert "bad.yml" in res.stderr and "must not be negative" in res.stderr
    assert "Traceback" not in res.stderr and res.stdout == ""


def test_bad_thresholds_exit_2_without_traceback(built_db, tmp_path):
    bad = tmp_path / "th.yml"
    bad.write_text("thresholds: [1, 2, three, 4]\n", encoding="utf-8")
    res = score_cli("--db", built_db, "--weights", bad)
    assert res.returncode == 2 and "'thresholds'" in res.stderr
    assert "Traceback" not in res.stderr and "internal error" not in res.stderr


@pytest.mark.parametrize("args, message", [
    (["--as-of", "2023-13-01"], "expected YYYY-MM-DD"),
    (["--as-of", "yesterday"], "expected YYYY-MM-DD"),
    (["--profile", "tourist"], "unknown profile 'tourist'"),
    (["--window-days", "5"], "window_days must be between"),
    (["--buffer-km", "500"], "buffer_km must be between"),
])
def test_bad_options_exit_2(built_db, args, message):
    res = score_cli("--db", built_db, *args)
    assert res.returncode == 2
    assert message in res.stderr
    assert "Traceback" not in res.stderr


def test_missing_database_exits_2(tmp_path):
    res = score_cli("--db", tmp_path / "none.duckdb")
    assert res.returncode == 2 and "no database here" in res.stderr


def test_output_cut_short_by_the_reader_is_not_an_error(built_db):
    proc = subprocess.Popen([sys.executable, "-m", "scoring", "score", "--db", str(built_db), "--format", "json",
                             "--no-uncertainty"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.readline()
    proc.stdout.close()          # like `| head -1`
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 0
    assert "internal error" not in err and "Traceback" not in err
