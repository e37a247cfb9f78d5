"""Stage 1's event sums on two engines over one partitioned Parquet store: ``python -m benchmarks engines``.

docs/SCALE.md's path beyond one machine keeps the events as Parquet partitioned by month and
runs stage 1 on a distributed engine. This checks that path here, as far as one machine can:
the states' and corridors' decayed sums (what ``queries.event_sums`` returns) written once as an
Ibis expression (:func:`sums_expr`), compiled by Ibis for DuckDB and for Apache DataFusion (a
second engine that runs in this process), on the same Parquet files. Each result is compared
with the product's own SQL on the DuckDB tables; the times are printed side by side, with a
naive pandas baseline (load the events, then groupby) in the same run.

Builds the default database into a temporary folder and adds ``BENCH_ENGINES_EVENTS`` synthetic
events (default 1,000,000; the 10M figures in docs/SCALE.md used 10000000). Nothing is
asserted: the figures are printed. ``tests/index/test_portable_engines.py`` checks the
expression against ``queries.event_sums`` on a small database.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

EPOCH = dt.date(1970, 1, 1)
KEY = ["origin", "region_id", "event_type", "bucket", "period"]
SUMS = ["n", "w", "w2", "wf", "wf2", "f"]


def export_parquet(con, folder: Path) -> dict[str, Path]:
    """The events and the event-corridor rows as Parquet partitioned by year and month, the day as
    an integer (days since 1970-01-01: one integer type every engine reads alike)."""
    out = {}
    for name, sql in (
        ("events", """SELECT origin, state_code AS region_id, event_type, fatalities,
                             (date - DATE '1970-01-01')::INTEGER AS day, year(date) AS year, month(date) AS month
                      FROM events"""),
        ("event_corridor", """SELECT origin, corridor_id AS region_id, event_type, fatalities, distance_km,
                                     (date - DATE '1970-01-01')::INTEGER AS day, year(date) AS year,
                                     month(date) AS month
                              FROM event_corridor""")):
        path = folder / name
        con.execute(f"COPY ({sql}) TO '{path}' (FORMAT parquet, PARTITION_BY (year, month))")
        out[name] = path
    return out


def sums_expr(t, windows: dict[str, dt.date], window_days: int, half_life_days: float, thresholds: list[int],
              buffer_km: float | None = None):
    """The decayed sums per origin, region, type, fatality bucket and period, as an Ibis expression
    on a table with origin, region_id, event_type, fatalities, day (and distance_km for corridors):
    the computation of ``queries._decayed_events`` and ``event_sums`` in engine-independent terms.
    The window's end per origin is an integer day, so no engine's date arithmetic is involved
    (Ibis 12 compiles date differences for DuckDB but not for DataFusion)."""
    import ibis

    end = ibis.cases(*[(t.origin == o, (pd.Timestamp(e).date() - EPOCH).days) for o, e in windows.items()])
    f = t.fatalities.fill_null(0)
    th = sorted({0, *(int(x) for x in thresholds)})
    bucket = ibis.cases(*[(f >= k, k) for k in reversed(th)])
    e = t.mutate(age=end - t.day, f=f, bucket=bucket)
    keep = (e.age >= 0) & (e.age < 2 * int(window_days))
    if buffer_km is not None:
        keep = keep & (e.distance_km <= float(buffer_km))
    e = e.filter(keep)
    e = e.mutate(w=0.5 ** (e.age / float(half_life_days)), period=(e.age >= int(window_days)).cast("int32"))
    return e.group_by(KEY).aggregate(n=e.count(), w=e.w.sum(), w2=(e.w * e.w).sum(), wf=(e.w * e.f).sum(),
                                     wf2=(e.w * e.w * e.f * e.f).sum(), f=e.f.sum())


def run_on(backend, tables: dict, windows, window_days, half_life_days, thresholds, buffer_km) -> pd.DataFrame:
    """States and corridors on one Ibis backend: one frame like ``event_sums``'s first."""
    out = []
    for rtype, t, buf in (("state", tables["events"], None), ("corridor", tables["event_corridor"], buffer_km)):
        df = backend.execute(sums_expr(t, windows, window_days, half_life_days, thresholds, buf))
        out.append(df.assign(region_type=rtype))
    return normalise(pd.concat(out, ignore_index=True))


def normalise(df: pd.DataFrame) -> pd.DataFrame:
    df = df[["region_type", *KEY, *SUMS]].copy()
    for c in ("region_type", "origin", "region_id", "event_type"):
        df[c] = df[c].astype(object)
    for c in ("bucket", "period", "n"):
        df[c] = df[c].astype("int64")
    for c in ("w", "w2", "wf", "wf2", "f"):
        df[c] = df[c].astype("float64")
    return df.sort_values(["region_type", *KEY]).reset_index(drop=True)


def largest_difference(a: pd.DataFrame, b: pd.DataFrame) -> float:
    """The largest relative difference of the sums, or inf when the groups differ."""
    if len(a) != len(b) or not (a[["region_type", *KEY]].to_numpy() == b[["region_type", *KEY]].to_numpy()).all():
        return float("inf")
    x, y = a[SUMS].to_numpy(float), b[SUMS].to_numpy(float)
    return float(np.max(np.abs(x - y) / np.maximum(np.abs(x), 1e-12))) if len(x) else 0.0


def naive(con, windows, window_days, half_life_days, thresholds, buffer_km) -> pd.DataFrame:
    """Load the rows into pandas, then compute and group there."""
    th = sorted({0, *thresholds})
    out = []
    for rtype, sql in (("state", "SELECT origin, state_code AS region_id, event_type, fatalities, date FROM events"),
                       ("corridor", f"""SELECT origin, corridor_id AS region_id, event_type, fatalities, date
                                        FROM event_corridor WHERE distance_km <= {float(buffer_km)!r}""")):
        ev = con.execute(sql).df()
        end = ev["origin"].map({o: pd.Timestamp(e) for o, e in windows.items()})
        ev["age"] = (end - pd.to_datetime(ev["date"])).dt.days
        ev = ev[(ev["age"] >= 0) & (ev["age"] < 2 * window_days)].copy()
        ev["f"] = ev["fatalities"].fillna(0).astype(float)
        ev["bucket"] = np.select([ev["f"] >= k for k in reversed(th)], list(reversed(th)))
        ev["period"] = (ev["age"] >= window_days).astype(int)
        ev["w"] = 0.5 ** (ev["age"] / half_life_days)
        ev["w2"], ev["wf"] = ev["w"] ** 2, ev["w"] * ev["f"]
        ev["wf2"] = ev["w2"] * ev["f"] ** 2
        g = ev.groupby(KEY).agg(n=("w", "size"), w=("w", "sum"), w2=("w2", "sum"), wf=("wf", "sum"),
                                wf2=("wf2", "sum"), f=("f", "sum")).reset_index()
        out.append(g.assign(region_type=rtype))
    return normalise(pd.concat(out, ignore_index=True))


def main() -> int:
    import datafusion
    import ibis

    from benchmarks.bench_scoring import AS_OF, add_synthetic_events
    from scoring.index import queries
    from scoring.index.queries import ConQuery
    from scoring.load import build as build_mod
    from scoring.load import proximity

    n = int(os.environ.get("BENCH_ENGINES_EVENTS", "1000000"))
    windows = {"ucdp": AS_OF, "synthetic": AS_OF}
    wd, hl, th, buf = 365, 182.5, [1, 10], 10.0
    rows = []

    def timed(label, fn, runs=3):
        fn()                                   # warm-up: imports, plans, file caches
        ts = []
        for _ in range(runs):
            t = time.perf_counter()
            out = fn()
            ts.append(time.perf_counter() - t)
        rows.append((label, statistics.median(ts)))
        return out

    with tempfile.TemporaryDirectory(prefix="bench_engines_") as tmp:
        path = Path(tmp) / "risk.duckdb"
        build_mod.build(path)
        con = duckdb.connect(str(path))
        con.execute("SET enable_progress_bar = false")
        t = time.perf_counter()
        add_synthetic_events(con, n, 0, np.random.default_rng(7), "synthetic-0")
        proximity.refresh(con, "synthetic-0")
        print(f"{n:,} synthetic events added and placed in {time.perf_counter() - t:.1f} s", flush=True)
        t = time.perf_counter()
        files = export_parquet(con, Path(tmp))
        n_files = sum(1 for _ in Path(tmp).rglob("*.parquet"))
        print(f"exported to {n_files} Parquet files (by year and month) in {time.perf_counter() - t:.1f} s",
              flush=True)

        def ours():
            g = queries.event_sums(ConQuery(con), windows, wd, hl, th, buf, [])[0]
            return normalise(g)

        ref = timed("product SQL on the DuckDB tables (queries.event_sums)", ours)

        # views, not Ibis's .sql(): Ibis 12 reads a query's schema with a DuckDB 1 method DuckDB 2 no longer has
        con.execute("""CREATE TEMP VIEW v_events AS SELECT origin, state_code AS region_id, event_type, fatalities,
                                                           (date - DATE '1970-01-01')::INTEGER AS day FROM events""")
        con.execute("""CREATE TEMP VIEW v_event_corridor AS
                       SELECT origin, corridor_id AS region_id, event_type, fatalities, distance_km,
                              (date - DATE '1970-01-01')::INTEGER AS day FROM event_corridor""")
        ib_duck = ibis.duckdb.from_connection(con)
        duck_tables = {"events": ib_duck.table("v_events"), "event_corridor": ib_duck.table("v_event_corridor")}
        a = timed("Ibis -> DuckDB, on the DuckDB tables", lambda: run_on(ib_duck, duck_tables, windows, wd, hl, th, buf))

        pq_duck = ibis.duckdb.connect()
        pq_duck.raw_sql("SET enable_progress_bar = false")
        pq_tables = {k: pq_duck.read_parquet(f"{p}/**/*.parquet", table_name=f"pq_{k}", hive_partitioning=True)
                     for k, p in files.items()}
        b = timed("Ibis -> DuckDB, on the Parquet partitions", lambda: run_on(pq_duck, pq_tables, windows, wd, hl, th, buf))

        df_con = ibis.datafusion.connect()
        df_tables = {k: df_con.read_parquet(str(p), table_name=f"df_{k}") for k, p in files.items()}
        c = timed("Ibis -> DataFusion, on the same Parquet partitions",
                  lambda: run_on(df_con, df_tables, windows, wd, hl, th, buf))

        d = timed("naive: pandas load + groupby (DuckDB tables)", lambda: naive(con, windows, wd, hl, th, buf), runs=1)
        con.close()

    diffs = {"Ibis -> DuckDB, on the DuckDB tables": largest_difference(ref, a),
             "Ibis -> DuckDB, on the Parquet partitions": largest_difference(ref, b),
             "Ibis -> DataFusion, on the same Parquet partitions": largest_difference(ref, c),
             "naive: pandas load + groupby (DuckDB tables)": largest_difference(ref, d)}
    w = max(len(r[0]) for r in rows) + 2
    print(f"\nstates' and corridors' event sums, {n:,} synthetic events ({len(ref):,} groups; median of 3 after a "
          f"warm-up, naive one run)")
    print(f"{'engine':<{w}}{'time':>10}  largest relative difference from the product's SQL")
    for label, sec in rows:
        d = diffs.get(label)
        print(f"{label:<{w}}{sec:>9.2f}s  {'-' if d is None else f'{d:.1e}'}")
    print(f"note: DuckDB {duckdb.__version__}, DataFusion {datafusion.__version__}, Ibis {ibis.__version__}; "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
