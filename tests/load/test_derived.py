"""The derived-table loader (scoring/load/derived.py) on the repository's own files, and the
``derive`` command that writes them (scoring/load/derive.py) from ../shared/data."""

from __future__ import annotations

import csv
import gzip
import json
import shutil

import pytest
from support.datahelpers import ROOT, SHARED, fresh_con

from scoring import paths
from scoring.errors import DataError
from scoring.load import derive as derive_mod
from scoring.load import derived
from scoring.load.reference import load_reference

DERIVED = ROOT / "data" / "derived"
TARGET = {"sesnsp_carpetas": ("official_stats", "dataset = 'carpetas'"),
          "sesnsp_victims": ("official_stats", "dataset = 'victims'"),
          "sesnsp_homologated": ("official_stats", "dataset = 'homologated'"),
          "sesnsp_federal": ("official_stats", "dataset = 'federal'"),
          "rnpdno_missing": ("official_stats", "dataset = 'rnpdno'"),
          "inegi_deaths": ("official_stats", "dataset = 'inegi'"),
          "population": ("population", "true"),
          "ucdp_ged": ("events", "origin = 'ucdp'"),
          "municipalities": ("municipalities", "true"),
          "sesnsp_municipal": ("municipal_stats", "true"),
          "sesnsp_municipal_coverage": ("municipal_coverage", "true")}


def _csv_rows(path) -> int:
    """Data records of a derived CSV (quoted newlines included), read by the csv module."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", newline="") as f:
        return sum(1 for _ in csv.reader(f)) - 1


@pytest.fixture
def ref_con():
    con = fresh_con()
    load_reference(con, full=False)
    yield con
    con.close()


@pytest.mark.slow
def test_load_all_loads_every_row_of_every_derived_file(ref_con):
    counts = derived.load_all(ref_con)
    assert set(counts) == set(derived.TABLES)
    for name, (file, _) in derived.TABLES.items():
        table, where = TARGET[name]
        stored = ref_con.execute(f"SELECT count(*) FROM {table} WHERE {where}").fetchall()[0][0]
        assert counts[name] == stored == _csv_rows(DERIVED / file), name
        batch = ref_con.execute("SELECT rows_loaded FROM ingest_batches WHERE batch_id = ?",
                                [f"derived:{name}"]).fetchall()
        assert batch == [(counts[name],)]
    # the quality flags are computed over what was loaded
    assert ref_con.execute("SELECT count(*) FROM data_quality WHERE flag = 'backfill'").fetchall()[0][0] > 0


def _copy_derived(tmp_path, monkeypatch, rows: int = 50):
    """A copy of data/derived under a new root, each table cut to its first ``rows`` rows."""
    root = tmp_path / "repo"
    shutil.copytree(DERIVED, root / "data" / "derived")
    for file, _ in derived.TABLES.values():
        path = root / "data" / "derived" / file
        opener = gzip.open if file.endswith(".gz") else open
        with opener(path, "rt", encoding="utf-8", newline="") as f:
            head = [line for _, line in zip(range(rows + 1), f)]
        with opener(path, "wt", encoding="utf-8", newline="") as f:
            f.write("".join(head))
    monkeypatch.setattr(paths, "ROOT", root)       # messages name files relative to the copy
    return root


def test_load_all_reads_a_copy_under_another_root(ref_con, tmp_path, monkeypatch):
    root = _copy_derived(tmp_path, monkeypatch, rows=30)
    want = {name: min(30, _csv_rows(DERIVED / file)) for name, (file, _) in derived.TABLES.items()}
    assert derived.load_all(ref_con, root=root) == want


@pytest.mark.parametrize("name", list(derived.TABLES))
def test_a_changed_header_is_refused_with_its_file_and_line(ref_con, tmp_path, monkeypatch, name):
    root = _copy_derived(tmp_path, monkeypatch)
    file, columns = derived.TABLES[name]
    path = root / "data" / "derived" / file
    opener = gzip.open if file.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", newline="") as f:
        text = f.read()
    first = next(iter(columns))
    header, rest = text.split("\n", 1)
    assert header.split(",")[0] == first
    with opener(path, "wt", encoding="utf-8", newline="") as f:
        f.write(header.replace(first, first + "_renamed", 1) + "\n" + rest)
    with pytest.raises(DataError) as exc:
        derived.load_all(ref_con, root=root)
    assert exc.value.line == 1
    assert exc.value.file == f"data/derived/{file}"
    assert f"{first}_renamed" in exc.value.detail and "expected" in exc.value.detail


@pytest.mark.slow
def test_derive_reproduces_the_committed_files_byte_for_byte(tmp_path):
    if not SHARED.is_dir():
        pytest.skip(f"real data folder {SHARED} is absent: derive reads the original files there")
    for meta in derive_mod.SOURCES.values():
        if not (SHARED / meta["file"]).is_file():
            pytest.skip(f"real data file {SHARED / meta['file']} is absent")
    out = tmp_path / "derived"
    derive_mod.derive(SHARED, out, say=lambda m: None)
    committed = json.loads((DERIVED / "provenance.json").read_text(encoding="utf-8"))
    fresh = json.loads((out / "provenance.json").read_text(encoding="utf-8"))
    differ = [k for k in committed if fresh.get(k, {}).get("source_sha256") != committed[k]["source_sha256"]]
    if differ:
        pytest.skip(f"../shared/data differs from the files data/derived was made from ({', '.join(differ)}): "
                    "run `python -m scoring derive` and commit, or restore the original files")
    for name in ("mx_municipalities.geojson", "mx_municipalities_national.geojson"):
        assert (tmp_path / "geo" / name).read_bytes() == (DERIVED.parent / "geo" / name).read_bytes(), name
    expected = sorted(p.name for p in DERIVED.iterdir())
    assert sorted(p.name for p in out.iterdir()) == expected
    for name in expected:
        assert (out / name).read_bytes() == (DERIVED / name).read_bytes(), name
