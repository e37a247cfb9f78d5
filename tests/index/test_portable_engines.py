"""Stage 1's event sums as one Ibis expression give the product's figures on DuckDB and on
DataFusion over the same Parquet partitions (docs/SCALE.md, "Beyond one machine";
benchmarks/bench_engines.py times them)."""

from __future__ import annotations

import datetime as dt

import pytest
from support.datahelpers import add_event, fresh_con

from benchmarks import bench_engines as be
from scoring.db import schema
from scoring.index import queries
from scoring.index.queries import ConQuery

ibis = pytest.importorskip("ibis", reason="ibis-framework is a development requirement (requirements-dev.txt)")
pytest.importorskip("datafusion", reason="datafusion is a development requirement (requirements-dev.txt)")

END = dt.date(2023, 12, 31)


@pytest.fixture
def con():
    con = fresh_con()
    rows = [("A", 0, 1, "killing", "01", "ucdp"), ("B", 10, None, "killing", "01", "ucdp"),
            ("C", 200, 12, "armed_clash", "02", "ucdp"), ("D", 400, 3, "killing", "02", "ucdp"),
            ("E", 5, 2, "killing", "01", "seed"), ("F", 900, 4, "killing", "01", "ucdp"),   # F: outside both windows
            ("G", 30, 0, "kidnapping", "25", "ucdp")]
    for eid, age, f, etype, state, origin in rows:
        add_event(con, eid, END - dt.timedelta(days=age), fatalities=f, event_type=etype, state_code=state,
                  origin=origin)
    cols = ", ".join(schema.PLACED_COPIES)
    for eid, cor, km in (("A", "C1", 2.0), ("C", "C1", 30.0), ("D", "C2", 5.0), ("E", "C2", 1.0)):
        con.execute(f"""INSERT INTO event_corridor (event_id, corridor_id, distance_km, {cols})
                        SELECT event_id, ?, ?, {cols} FROM events WHERE event_id = ?""", [cor, km, eid])
    yield con
    con.close()


def test_the_ibis_expression_gives_the_product_sums_on_duckdb_and_datafusion(con, tmp_path):
    windows, wd, hl, th, buf = {"ucdp": END, "seed": END - dt.timedelta(days=3)}, 365, 90.0, [1, 10], 10.0
    ref = be.normalise(queries.event_sums(ConQuery(con), windows, wd, hl, th, buf, [])[0])
    assert len(ref) and set(ref["region_type"]) == {"state", "corridor"}
    assert ref.loc[ref["region_type"] == "corridor", "n"].sum() == 3     # C is 30 km away: outside the buffer
    files = be.export_parquet(con, tmp_path)
    duck = ibis.duckdb.connect()
    dfn = ibis.datafusion.connect()
    for backend, name in ((duck, "duckdb"), (dfn, "datafusion")):
        tables = {k: (backend.read_parquet(f"{p}/**/*.parquet", table_name=f"t_{k}", hive_partitioning=True)
                      if name == "duckdb" else backend.read_parquet(str(p), table_name=f"t_{k}"))
                  for k, p in files.items()}
        got = be.run_on(backend, tables, windows, wd, hl, th, buf)
        assert be.largest_difference(ref, got) < 1e-12, name


def test_a_difference_in_the_groups_is_reported_as_infinite(con):
    ref = be.normalise(queries.event_sums(ConQuery(con), {"ucdp": END}, 365, 90.0, [1], 10.0, [])[0])
    assert be.largest_difference(ref, ref.iloc[1:].reset_index(drop=True)) == float("inf")
    changed = ref.copy()
    changed.loc[0, "w"] *= 1.01
    assert be.largest_difference(ref, changed) == pytest.approx(0.01, rel=1e-6)
