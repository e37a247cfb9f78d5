"""Benchmark of a large user import: a ~200 MB events file through the command line.

Run with ``python -m benchmarks import`` (or ``python -m benchmarks.bench_import``). Builds the
default database into a temporary folder, writes a synthetic events file in the project's own
event format (``BENCH_IMPORT_ROWS`` rows, default 1,070,000, about 200 MB: ids, dates, states,
municipalities, coordinates near the municipal seats, types, tolls, actors, sources, notes),
then times, each in its own process under ``/usr/bin/time -v`` (wall time and peak resident
memory):

* ``python -m scoring ingest FILE --format events`` (read, check every row, write the batch,
  place the events on corridors and in municipalities, one transaction, on a copy swapped in);
* a naive baseline in the same run: ``pandas.read_csv`` of the whole file and one
  ``INSERT INTO events SELECT * FROM frame`` into a copy of the same database, with no check,
  no rejected rows, no placement and no sources (what loading costs before any of the
  guarantees);
* the same events as Parquet (dates as dates, tolls as integers, coordinates as floats, row
  groups of 100,000; ``BENCH_IMPORT_PARQUET=0`` skips it) through the same command into a fresh
  copy of the database, against DuckDB's own ``INSERT ... SELECT FROM read_parquet(...)`` with
  no checks as its naive baseline.

Targets (issue 11): under 1 GB (10^9 bytes, 953.7 MiB) of memory for the 200 MB file. Nothing is asserted: the figures
are printed.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from scoring.load import build as build_mod

ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "1070000"))
ROOT = Path(__file__).resolve().parents[1]
TYPES = ["killing", "armed_clash", "targeted_killing", "attack_on_security_forces", "body_discovery", "kidnapping",
         "disappearance", "blockade_arson", "extortion", "seizure", "arrest_or_operation", "migrant_incident"]
ACTORS = ["Jalisco Cartel New Generation", "Sinaloa Cartel", "Gulf Cartel", "Cártel del Noreste", "La Linea",
          "Los Viagras", "Guerreros Unidos", "Santa Rosa de Lima Cartel", "La Familia Michoacana", "Civilians"]
NOTES = ["reported by local press; toll from the state prosecutor",
         "municipal police report; victims not yet identified",
         "two sources agree on the date, not on the toll",
         "blockade with burned vehicles on the federal highway"]


def say(msg: str) -> None:
    print(msg, flush=True)


def write_events(con, path: Path, n: int, seed: int = 7) -> int:
    """``n`` synthetic events near municipal seats (inside their state), in 100,000-row chunks."""
    rng = np.random.default_rng(seed)
    m = con.execute("""SELECT cvegeo, state_code, name, seat_lat, seat_lon FROM municipalities
                       WHERE seat_lat IS NOT NULL ORDER BY cvegeo""").df()
    first = True
    done = 0
    while done < n:
        k = min(100_000, n - done)
        i = rng.integers(0, len(m), k)
        day = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 700, k), unit="D")
        a1 = rng.integers(0, len(ACTORS), k)
        a2 = rng.integers(0, len(ACTORS), k)
        frame = pd.DataFrame({
            "event_id": [f"BENCH-{done + j:08d}" for j in range(k)],
            "date": day.strftime("%Y-%m-%d"),
            "date_precision": "day",
            "state_code": m["state_code"].to_numpy()[i],
            "municipality_code": m["cvegeo"].to_numpy()[i],
            "place": m["name"].to_numpy()[i],
            "latitude": np.round(m["seat_lat"].to_numpy()[i] + rng.normal(0, 0.004, k), 5),
            "longitude": np.round(m["seat_lon"].to_numpy()[i] + rng.normal(0, 0.004, k), 5),
            "geo_precision": "locality",
            "event_type": np.asarray(TYPES)[rng.integers(0, len(TYPES), k)],
            "fatalities": rng.poisson(1.2, k),
            "injured": rng.poisson(0.5, k),
            "actors": [f"{ACTORS[x]};{ACTORS[y]}" if x != y else ACTORS[x] for x, y in zip(a1, a2)],
            "source_ids": [f"BENCH-SRC-{x % 500:03d}" for x in rng.integers(0, 10_000, k)],
            "confidence": "medium",
            "notes": np.asarray(NOTES)[rng.integers(0, len(NOTES), k)],
        })
        frame.to_csv(path, mode="w" if first else "a", header=first, index=False)
        first = False
        done += k
    return path.stat().st_size


def write_parquet(csv_path: Path, out: Path) -> int:
    """The CSV's events as a typed Parquet file, read and written 100,000 rows at a time."""
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    types = {"date": pa.date32(), "fatalities": pa.int32(), "injured": pa.int32(), "latitude": pa.float64(),
             "longitude": pa.float64()}
    head = pd.read_csv(csv_path, nrows=0).columns
    reader = pacsv.open_csv(csv_path, read_options=pacsv.ReadOptions(block_size=1 << 24),
                            convert_options=pacsv.ConvertOptions(column_types={c: types.get(c, pa.string())
                                                                               for c in head}))
    with pq.ParquetWriter(out, reader.schema) as w:
        for batch in reader:
            w.write_batch(batch, row_group_size=100_000)
    return out.stat().st_size


NAIVE_PARQUET = """
import sys, duckdb
db, path = sys.argv[1], sys.argv[2]
con = duckdb.connect(db)
cols = [r[0] for r in con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [path]).fetchall() if r[0] != "source_ids"]
con.execute(f"INSERT INTO events ({', '.join(cols)}, source_id, origin, batch_id) SELECT {', '.join(cols)}, "
            f"split_part(source_ids, ';', 1), 'user', 'naive' FROM read_parquet(?)", [path])
print("rows", con.execute("SELECT count(*) FROM events WHERE batch_id = 'naive'").fetchone()[0])
con.close()
"""


NAIVE = """
import sys, duckdb, pandas as pd
db, csv = sys.argv[1], sys.argv[2]
df = pd.read_csv(csv, dtype=str, keep_default_na=False)
con = duckdb.connect(db)
cols = [c for c in df.columns if c != "source_ids"]
df = df[cols].assign(source_id=df["source_ids"].str.split(";").str[0], origin="user", batch_id="naive")
df = df.replace("", None)
con.register("f", df)
con.execute(f"INSERT INTO events ({', '.join(df.columns)}) SELECT {', '.join(df.columns)} FROM f")
print("rows", con.execute("SELECT count(*) FROM events WHERE batch_id = 'naive'").fetchone()[0])
con.close()
"""


# On this project's virtual machines memory that has not been used for a while is handed back to
# the host, and touching it again costs seconds per GB (4 GB: 32-41 s after a minute idle, 0.7 s
# right after another process used it): a run's figures then depend on what ran before it. Each
# measured process is preceded by this probe, whose time says how cold the machine's memory was
# (the probe warms that gigabyte for the run after it, the same for both runs).
FRESH_PROBE = "import numpy, time; t = time.perf_counter(); numpy.ones(10**9, numpy.uint8); print(time.perf_counter() - t)"


def fresh_memory_seconds() -> float:
    """Seconds to touch 1 GB of new memory in a new process (about 0.1-0.3 s on a warm machine)."""
    p = subprocess.run([sys.executable, "-c", FRESH_PROBE], capture_output=True, text=True)
    try:
        return float(p.stdout.strip())
    except ValueError:
        return float("nan")


def timed_process(args: list[str], env: dict | None = None) -> dict:
    """Run ``args`` under /usr/bin/time -v: wall seconds, peak RSS (MB), exit code, output tail."""
    t = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-v", *args], capture_output=True, text=True, cwd=ROOT,
                       env={**os.environ, **(env or {})})
    wall = time.perf_counter() - t
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
    sys_s = re.search(r"System time \(seconds\): ([\d.]+)", p.stderr)
    return {"wall": wall, "rss_mib": int(rss.group(1)) / 1024 if rss else float("nan"), "rc": p.returncode,
            "sys": float(sys_s.group(1)) if sys_s else float("nan"),
            "out": (p.stdout.strip().splitlines() or [""])[-1][:300],
            "err": p.stderr.split("\tCommand being timed")[0][-600:]}


def main() -> int:
    if not Path("/usr/bin/time").exists():
        say("skipped: /usr/bin/time is not installed (it measures peak memory)")
        return 0
    with tempfile.TemporaryDirectory(prefix="bench_import_") as tmp:
        tmp = Path(tmp)
        db = tmp / "risk.duckdb"
        build_mod.build(db)
        csv = tmp / "events_big.csv"
        con = duckdb.connect(str(db), read_only=True)
        t = time.perf_counter()
        size = write_events(con, csv, ROWS)
        con.close()
        say(f"wrote {ROWS:,} events, {size / 1e6:.0f} MB, in {time.perf_counter() - t:.1f} s")

        naive_db = tmp / "naive.duckdb"
        shutil.copy(db, naive_db)
        parquet_runs = os.environ.get("BENCH_IMPORT_PARQUET", "1") != "0"
        if parquet_runs:
            pq_db, pq_naive_db, pq_file = tmp / "pq.duckdb", tmp / "pq_naive.duckdb", tmp / "events_big.parquet"
            shutil.copy(db, pq_db)
            shutil.copy(db, pq_naive_db)
            t = time.perf_counter()
            pq_size = write_parquet(csv, pq_file)
            say(f"wrote the same events as Parquet, {pq_size / 1e6:.0f} MB, in {time.perf_counter() - t:.1f} s")
        def run(label: str, args: list[str]) -> dict:
            probe = fresh_memory_seconds()
            r = timed_process(args)
            say(f"{label}: {r['wall']:.1f} s ({r['sys']:.1f} s in the kernel), peak {r['rss_mib']:,.0f} MiB, "
                f"exit {r['rc']}: {r['out']}; fresh memory before it: {probe:.2f} s per GB")
            if r["rc"] != 0:
                say(r["err"])
            return r

        ingest_args = ["--format", "events", "--release", "2025-12", "--db"]
        # ours first, the naive CSV run last: it peaks at about 7 GB, and the process right after it
        # meets memory the machine's host is taking back (the 10M import: 63 s after it, 43-54 s alone)
        ours = run("ours (python -m scoring ingest)", [sys.executable, "-m", "scoring", "ingest", str(csv),
                                                       *ingest_args, str(db)])
        pq_ours = pq_naive = None
        if parquet_runs:
            pq_ours = run("ours, Parquet (python -m scoring ingest)",
                          [sys.executable, "-m", "scoring", "ingest", str(pq_file), *ingest_args, str(pq_db)])
            pq_naive = run("naive Parquet (DuckDB read_parquet + one INSERT, no checks)",
                           [sys.executable, "-c", NAIVE_PARQUET, str(pq_naive_db), str(pq_file)])
        naive = run("naive (read_csv + one INSERT, no checks)", [sys.executable, "-c", NAIVE, str(naive_db), str(csv)])
        print()
        print(f"{'measure':<52}{'ours':>12}{'naive':>12}  target")
        print(f"{'import of ' + f'{size / 1e6:.0f} MB ({ROWS:,} events), wall':<52}{ours['wall']:>10.1f} s"
              f"{naive['wall']:>10.1f} s  -")
        print(f"{'  peak resident memory':<52}{ours['rss_mib']:>8,.0f} MiB{naive['rss_mib']:>8,.0f} MiB  < 1 GB (953.7 MiB)")
        if pq_ours is not None:
            print(f"{'the same events as Parquet, ' + f'{pq_size / 1e6:.0f} MB, wall':<52}{pq_ours['wall']:>10.1f} s"
                  f"{pq_naive['wall']:>10.1f} s  -")
            print(f"{'  peak resident memory':<52}{pq_ours['rss_mib']:>8,.0f} MiB{pq_naive['rss_mib']:>8,.0f} MiB")
        print(f"note: {os.cpu_count()} CPUs; load average at the end {os.getloadavg()[0]:.1f}")
        print("note: 'fresh memory' is the seconds a new process took to touch 1 GB just before each run; well "
              "above 0.3 s, the machine's host was handing memory back (seen: 8-10 s per GB after a minute idle), "
              "and the run's time in the kernel grows with its peak memory: compare runs with like probes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
