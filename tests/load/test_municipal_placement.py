"""Municipal data layer (issue 10): point-in-polygon placement, the derived tables, stretches."""

from __future__ import annotations

import numpy as np
import pytest

from scoring.load import municipal

# (latitude, longitude, the municipality that contains the point)
KNOWN = [
    (21.1619, -86.8515, "23005"),   # Cancún's centre: Benito Juárez, Quintana Roo
    (20.6296, -87.0739, "23008"),   # Playa del Carmen: Solidaridad
    (22.8905, -109.9167, "03008"),  # Cabo San Lucas: Los Cabos
    (20.6534, -105.2253, "14067"),  # Puerto Vallarta
    (20.9144, -100.7452, "11003"),  # San Miguel de Allende
    (24.8091, -107.3940, "25006"),  # Culiacán
    (19.4326, -99.1332, "09015"),   # the Zócalo: Cuauhtémoc, Mexico City
    (32.5149, -117.0382, "02004"),  # Tijuana
    (27.4779, -99.5496, "28027"),   # Nuevo Laredo
]


def test_known_points_land_in_their_municipality():
    lat, lon, want = zip(*KNOWN)
    got = municipal.place_points(np.array(lat), np.array(lon))
    assert list(got) == list(want)


def test_points_at_sea_abroad_or_missing_land_nowhere():
    got = municipal.place_points(np.array([20.0, 33.5, np.nan, 15.5]), np.array([-95.0, -112.0, -99.0, -88.5]))
    assert list(got) == ["", "", "", ""]   # the Gulf, Arizona, no coordinates, Honduras


def test_outlines_are_the_2475_municipalities_with_clockwise_rings():
    import json

    from scoring import paths

    geo = json.loads((paths.GEO / municipal.GEOJSON_OUT).read_text(encoding="utf-8"))
    assert len(geo["features"]) == 2475
    ids = [f["id"] for f in geo["features"]]
    assert len(set(ids)) == 2475 and all(len(i) == 5 for i in ids)
    import shapely
    from shapely.geometry import shape

    for f in geo["features"][:200]:
        g = shape(f["geometry"])
        assert g.is_valid
        polys = getattr(g, "geoms", [g])
        assert all(not shapely.is_ccw(p.exterior) for p in polys)   # clockwise: plotly's geo convention


def test_built_database_places_events_and_holds_the_municipal_tables(store):
    n = store.query("SELECT count(*) AS n FROM municipalities")["n"].iat[0]
    assert n == 2475
    placed = store.query("SELECT method, count(*) AS n FROM event_municipality GROUP BY method")
    assert placed["n"].sum() > 0.9 * store.query("SELECT count(*) AS n FROM events WHERE latitude IS NOT NULL")["n"].iat[0]
    cov = store.query("SELECT * FROM municipal_coverage")
    assert len(cov) >= 20
    # inside coverage only positive counts are stored; zeros are implied
    assert store.query("SELECT min(value) AS v FROM municipal_stats")["v"].iat[0] >= 1


def test_corridors_crossing_a_municipality(store):
    wp = store.query("SELECT corridor_id, seq, latitude, longitude FROM corridor_waypoints")
    assert "cancun-playa-tulum" in municipal.corridors_crossing(wp, "23008")
    assert municipal.corridors_crossing(wp, "31050") == []        # Mérida: no corridor of ours


def test_stretch_lengths_inside_municipalities_add_up(store):
    df = store.query("""SELECT s.corridor_id, s.seq, s.length_km, sum(m.length_km) AS inside
                        FROM corridor_stretches s JOIN stretch_municipality m USING (corridor_id, seq)
                        GROUP BY ALL""")
    # a stretch's km inside municipalities equal its length, but for sea crossings and rounding
    ratio = df["inside"] / df["length_km"]
    assert (ratio < 1.05).all()         # a line along a shared border counts in both, a little
    assert (ratio > 0.9).mean() > 0.9


@pytest.mark.skipif(not (municipal.paths.SHARED_DATA / municipal.MUNICIPAL_FILE).is_file(),
                    reason="../shared/data is absent: the municipal derivation reads the original files")
def test_derive_reads_the_tidy_file_and_keeps_zeros_implied():
    d = municipal.derive(municipal.paths.SHARED_DATA, [f"{i:02d}" for i in range(1, 33)])
    assert len(d.municipalities) == 2475
    assert (d.months["value"] > 0).all()
    assert set(d.months["series"]) == set(municipal.SERIES.values())
    assert len(d.coverage) >= 20


def test_each_event_is_placed_once_however_often_placement_runs():
    # event_municipality has no key index (scoring/db/schema.py): one row per event rests on the placement itself
    from support.datahelpers import add_event, fresh_con

    con = fresh_con()
    con.execute("INSERT INTO municipalities (cvegeo, state_code, name) SELECT '25006', '25', 'Culiacán'")
    for k, (lat, lon, _) in enumerate(KNOWN):
        add_event(con, f"P{k}", "2023-06-01", latitude=lat, longitude=lon, batch_id="b1" if k % 2 else "b2")
        add_event(con, f"Q{k}", "2023-06-01", latitude=lat, longitude=lon, batch_id="b1")   # the same place twice
    for batch in (None, "b1", "b2", None, "b1"):
        municipal.refresh_placement(con, batch)
    rows = con.execute("SELECT event_id, count(*) FROM event_municipality GROUP BY ALL").fetchall()
    assert len(rows) == 2 * len(KNOWN) and all(n == 1 for _, n in rows)
    con.close()


def test_municipal_event_sums_are_the_same_from_copied_columns_and_an_old_table_is_upgraded():
    """event_municipality carries its events' columns; a table written before them is read through
    a join with the events (same sums) and rewritten with them at the next placement."""
    import datetime as dt

    import pandas as pd
    from support.datahelpers import add_event, fresh_con

    from scoring.db import schema
    from scoring.index import queries
    from scoring.index.queries import ConQuery

    con = fresh_con()
    con.execute("INSERT INTO municipalities (cvegeo, state_code, name) VALUES ('25006', '25', 'Culiacán'), "
                "('02004', '02', 'Tijuana')")
    end = dt.date(2023, 12, 31)
    for k, (lat, lon, _) in enumerate(KNOWN):
        add_event(con, f"P{k}", end - dt.timedelta(days=30 * k), latitude=lat, longitude=lon, fatalities=k % 3,
                  batch_id="b1")
    municipal.refresh_placement(con)
    db = ConQuery(con)
    assert schema.has_placed_copies(db, "event_municipality")

    def sums():
        df = queries.municipal_event_groups(db, {"ucdp": end}, 90, 45.0, [1])
        return df.sort_values(["cvegeo", "event_type", "bucket", "period"]).reset_index(drop=True)

    new = sums()
    assert new["n"].sum() == 6      # the events of the two 90-day windows (0 to 150 days old)
    con.execute("CREATE TABLE old AS SELECT event_id, cvegeo, method FROM event_municipality")
    con.execute("DROP TABLE event_municipality")
    con.execute("ALTER TABLE old RENAME TO event_municipality")
    assert not schema.has_placed_copies(db, "event_municipality")
    pd.testing.assert_frame_equal(new, sums())
    municipal.refresh_placement(con, "b1")       # the next write upgrades the table
    assert schema.has_placed_copies(db, "event_municipality")
    pd.testing.assert_frame_equal(new, sums())
    con.close()
