"""Event-to-corridor distances (scoring/load/proximity.py) on a hand-made corridor."""

from __future__ import annotations

import datetime as dt

import pytest
from support.datahelpers import add_event, fresh_con

from scoring.index import queries
from scoring.index.queries import ConQuery
from scoring.load import proximity

DAY = dt.date(2023, 6, 1)
KM = proximity.KM_PER_DEG   # km per degree of latitude


@pytest.fixture
def con():
    """One corridor along the 20th parallel from 100 W to 99 W (about 104.5 km)."""
    c = fresh_con()
    c.execute("INSERT INTO corridor_waypoints VALUES ('C1', 1, 'west', 20.0, -100.0), ('C1', 2, 'mid', 20.0, -99.5),"
              " ('C1', 3, 'east', 20.0, -99.0)")
    yield c
    c.close()


def _distances(con) -> dict[str, float]:
    return dict(con.execute("SELECT event_id, distance_km FROM event_corridor WHERE corridor_id = 'C1'").fetchall())


def test_an_event_on_the_line_is_at_zero_and_one_30_km_off_is_kept_up_to_50(con):
    add_event(con, "ON", DAY, latitude=20.0, longitude=-99.75)
    add_event(con, "N30", DAY, latitude=20.0 + 30 / KM, longitude=-99.3)
    add_event(con, "S60", DAY, latitude=20.0 - 60 / KM, longitude=-99.5)   # beyond the 50 km kept
    add_event(con, "NOGEO", DAY)                                             # no coordinates
    assert proximity.refresh(con) == 2
    d = _distances(con)
    assert set(d) == {"ON", "N30"}
    assert d["ON"] == pytest.approx(0.0, abs=1e-6)
    assert d["N30"] == pytest.approx(30.0, abs=0.1)


def test_past_the_end_the_distance_is_to_the_end_point(con):
    # 0.1 degree of longitude east of the last waypoint at 20 N: 0.1 * cos(20) * KM km
    add_event(con, "EAST", DAY, latitude=20.0, longitude=-98.9)
    proximity.refresh(con)
    import math

    assert _distances(con)["EAST"] == pytest.approx(0.1 * math.cos(math.radians(20)) * KM, rel=1e-3)


def test_the_buffer_decides_which_corridor_events_count(con):
    add_event(con, "ON", DAY, latitude=20.0, longitude=-99.75, fatalities=1)
    add_event(con, "N30", DAY, latitude=20.0 + 30 / KM, longitude=-99.3, fatalities=2)
    proximity.refresh(con)

    def corridor_deaths(buffer_km):
        df = queries.event_groups(ConQuery(con), {"ucdp": DAY}, 90, 30.0, [], buffer_km)
        return df.loc[df["region_type"] == "corridor", "f"].sum()

    assert corridor_deaths(50.0) == 3
    assert corridor_deaths(25.0) == 1
    shown = queries.events_for_region(ConQuery(con), "C1", "corridor", DAY, 90, buffer_km=25.0)
    assert shown["event_id"].tolist() == ["ON"]


def test_refresh_of_one_batch_leaves_the_other_distances_alone(con):
    add_event(con, "OLD", DAY, latitude=20.0, longitude=-99.75, batch_id="b1")
    proximity.refresh(con)
    con.execute("UPDATE event_corridor SET distance_km = 7.0 WHERE event_id = 'OLD'")   # a marker
    add_event(con, "NEW", DAY, latitude=20.0 + 10 / KM, longitude=-99.5, batch_id="b2")
    assert proximity.refresh(con, "b2") == 2
    d = _distances(con)
    assert d["OLD"] == 7.0 and d["NEW"] == pytest.approx(10.0, abs=0.05)
    proximity.refresh(con)                                                              # all again
    assert _distances(con)["OLD"] == pytest.approx(0.0, abs=1e-6)


def test_each_event_has_at_most_one_row_per_corridor_however_often_it_is_placed(con):
    # the table has no key index (scoring/db/schema.py): uniqueness rests on the placement itself
    con.execute("INSERT INTO corridor_waypoints VALUES ('C2', 1, 'a', 19.9, -100.0), ('C2', 2, 'b', 20.1, -99.0)")
    for k in range(3):                                       # three events at one place, one elsewhere
        add_event(con, f"SAME{k}", DAY, latitude=20.01, longitude=-99.5, batch_id="b1")
    add_event(con, "OTHER", DAY, latitude=20.0, longitude=-99.25, batch_id="b2")
    proximity.refresh(con)
    proximity.refresh(con, "b1")
    proximity.refresh(con, "b2")
    proximity.refresh(con)
    rows = con.execute("SELECT event_id, corridor_id, count(*) FROM event_corridor GROUP BY ALL").fetchall()
    assert {(e, c) for e, c, _ in rows} == {(e, c) for e in ("SAME0", "SAME1", "SAME2", "OTHER") for c in ("C1", "C2")}
    assert all(n == 1 for _, _, n in rows)
