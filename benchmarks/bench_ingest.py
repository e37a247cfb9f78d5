"""Benchmark of the importers and the build.

Run with ``python -m benchmarks`` (every bench_*.py) or ``python -m benchmarks.bench_ingest``.

* the whole default build (``scoring.build.build``), best of ``BENCH_BUILD_RUNS`` (default 2);
* importing the full tidy SESNSP carpetas file (167,552 rows) and the UCDP GED file
  (18,957 rows) from ``../shared/data`` through ``scoring.ingest.ingest`` into a fresh copy of
  the built database, in rows per second (read, check, write and commit; also the parse step
  alone). The import is given the current month as ``--release`` so every row is really written: with the
  release inferred from the file, the embedded newer release would win and nothing be written;
* against a naive baseline in the same run: ``csv`` module parsing and one
  ``con.execute("INSERT ... VALUES (?, ...)")`` per row, in one transaction, into an empty
  database with the same schema. Only the first 20,000 rows are timed and the rate
  extrapolated (the full file would take minutes); the output says so.

Nothing is asserted: the figures are printed.
"""

from __future__ import annotations

import csv
import os
import platform
import shutil
import tempfile
import time
from pathlib import Path

import duckdb

from scoring import paths
from scoring.db import store
from scoring.load import build as build_mod
from scoring.load import ingest
from scoring.load.names import StateNames
from scoring.load.validate import current_month

SHARED = paths.SHARED_DATA
CARPETAS = SHARED / "sesnsp_carpetas_state_month_2015-01_2024-11.csv"
UCDP = SHARED / "ucdp_ged_mexico_events_1989-2023.csv"
NAIVE_ROWS = 20_000
BUILD_RUNS = int(os.environ.get("BENCH_BUILD_RUNS", "2"))
# the current month: newer than anything embedded, so every row is written (a release in the
# future is refused since the import checks releases)
RELEASE = "{:04d}-{:02d}".format(*current_month())


def line_count(path: Path) -> int:
    with open(path, "rb") as f:
        return sum(1 for _ in f) - 1


# --- naive baselines ------------------------------------------------------------------------------

def naive_carpetas(con, path: Path, limit: int) -> int:
    names = StateNames()
    n = 0
    con.execute("BEGIN TRANSACTION")
    with open(path, newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if n >= limit:
                break
            code = r["state_code"].zfill(2) if r["state_code"] else names.resolve(r["state_name"])
            value = float(r["count"].replace(",", "")) if r["count"] else None
            con.execute("INSERT INTO official_stats VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        ["carpetas", code, int(r["year"]), int(r["month"]), r["crime_type"], r["subtype"],
                         r["modality"], None, value, None, None, RELEASE, "naive"])
            n += 1
    con.execute("COMMIT")
    return n


def naive_ucdp(con, path: Path, limit: int) -> int:
    names = StateNames()
    n = 0
    con.execute("BEGIN TRANSACTION")
    with open(path, newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if n >= limit:
                break
            con.execute(
                "INSERT INTO events (event_id, origin, date, date_precision, state_code, latitude, longitude, "
                "geo_precision, event_type, fatalities, actors, source_id, batch_id) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                ["UCDP-" + r["id"], "ucdp", r["date_start"], "day", names.resolve(r["adm_1"]) or "00",
                 float(r["latitude"]), float(r["longitude"]), "exact",
                 "killing" if r["type_of_violence"] == "3" else "armed_clash", int(r["best"]),
                 r["side_a"] + ";" + r["side_b"], "D:ucdp_ged", "naive"])
            n += 1
    con.execute("COMMIT")
    return n


# --- runs -------------------------------------------------------------------------------------------

def time_build(tmp: Path) -> tuple[Path, list[float], dict]:
    times, counts, db = [], {}, tmp / "built.duckdb"
    for _ in range(max(1, BUILD_RUNS)):
        t0 = time.perf_counter()
        _, counts, _ = build_mod.build(db)
        times.append(time.perf_counter() - t0)
    return db, times, counts


def time_ingest(template: Path, tmp: Path, path: Path, fmt: str) -> dict:
    db = tmp / f"ingest-{fmt}.duckdb"
    shutil.copy(template, db)
    con = store.connect(db, read_only=True)
    try:
        t0 = time.perf_counter()
        parsed, _ = ingest.parse(path, fmt, con=con)
        parse_s = time.perf_counter() - t0
    finally:
        con.close()
    t0 = time.perf_counter()
    res = ingest.ingest(path, fmt, db, release=RELEASE)
    total_s = time.perf_counter() - t0
    return {"rows": res.rows_read, "loaded": res.loaded, "rejected": res.rejected, "seconds": total_s,
            "parse_seconds": parse_s, "parsed_rows": len(parsed.rows)}


def time_naive(tmp: Path, path: Path, fn, name: str) -> dict:
    db = tmp / f"naive-{name}.duckdb"
    store.build_atomically(db, lambda con: None)
    con = duckdb.connect(str(db))
    try:
        t0 = time.perf_counter()
        n = fn(con, path, NAIVE_ROWS)
        s = time.perf_counter() - t0
    finally:
        con.close()
    return {"rows": n, "seconds": s}


def row(label: str, rows, seconds, rate=None, note: str = "") -> str:
    rows_s = f"{rows:,}" if isinstance(rows, int) else str(rows)
    rate = rate if rate is not None else (rows / seconds if isinstance(rows, int) and seconds else None)
    rate_s = f"{rate:,.0f}" if rate else "-"
    return f"  {label:<68} {rows_s:>9} {seconds:>9.2f} {rate_s:>11}  {note}"


def main() -> int:
    print(f"machine: {os.cpu_count()} cores, Python {platform.python_version()}, DuckDB {duckdb.__version__}")
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as d:
        tmp = Path(d)
        template, build_times, counts = time_build(tmp)
        lines = [f"  {'what':<68} {'rows':>9} {'seconds':>9} {'rows/s':>11}"]
        lines.append(row(f"build, whole default data (best of {len(build_times)})",
                         counts.get("official_stats", 0) + counts.get("events", 0), min(build_times),
                         note=f"runs: {', '.join(f'{t:.2f}' for t in build_times)} s; rows = official cells + events"))
        cases = [("SESNSP carpetas, tidy", CARPETAS, "sesnsp", naive_carpetas),
                 ("UCDP GED", UCDP, "ucdp", naive_ucdp)]
        for label, path, fmt, naive in cases:
            if not path.is_file():
                lines.append(f"  {label}: skipped, {path} is absent")
                continue
            r = time_ingest(template, tmp, path, fmt)
            nv = time_naive(tmp, path, naive, fmt)
            ingest_rate = r["rows"] / r["seconds"]
            naive_rate = nv["rows"] / nv["seconds"]
            file_rows = line_count(path)
            lines.append(row(f"{label}: scoring.ingest (parse, check, write, commit)", r["rows"], r["seconds"],
                             note=f"loaded {r['loaded']:,}, rejected {r['rejected']:,}"))
            lines.append(row(f"{label}:   of which parse and check only", r["rows"], r["parse_seconds"]))
            timed = (f"whole file timed (under {NAIVE_ROWS:,} rows)" if nv["rows"] >= file_rows else
                     f"first {nv['rows']:,} rows timed; whole file ({file_rows:,}) extrapolated: "
                     f"{file_rows / naive_rate:,.1f} s")
            lines.append(row(f"{label}: naive csv + 1 INSERT per row", nv["rows"], nv["seconds"], note=timed))
            lines.append(f"  {'':<68} {'':>9} {'':>9} {'':>11}  scoring.ingest is "
                         f"{ingest_rate / naive_rate:,.1f}x the naive rate")
        print("\n".join(lines))
        print(f"  (imports use --release {RELEASE}, so every row replaces the embedded release's cell; "
              "the naive loop runs in one transaction into an empty database)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
