"""The DuckDB aggregations of scoring/index/queries.py, on small hand-made databases (and
``regions`` on the real build)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from support.datahelpers import add_event, add_stat, fresh_con

from scoring.db import schema
from scoring.index import queries
from scoring.index.queries import ConQuery

END = dt.date(2023, 12, 31)


@pytest.fixture
def con():
    c = fresh_con()
    yield c
    c.close()


def test_regions_lists_the_32_states_then_the_15_corridors(built_db):
    import duckdb

    c = duckdb.connect(str(built_db), read_only=True)
    try:
        df = queries.regions(ConQuery(c))
    finally:
        c.close()
    assert list(df.columns) == ["region_id", "region_type", "name", "pop_2020", "length_km"]
    states, cors = df[df["region_type"] == "state"], df[df["region_type"] == "corridor"]
    assert states["region_id"].tolist() == [f"{i:02d}" for i in range(1, 33)]
    assert len(cors) == 20 and cors["region_id"].is_monotonic_increasing
    assert df.index[:32].tolist() == states.index.tolist()          # states first
    assert (states["pop_2020"] > 0).all() and states["length_km"].isna().all()
    assert cors["pop_2020"].isna().all() and (cors["length_km"] > 0).all()
    assert df["name"].str.len().gt(0).all()


def test_source_ends_ignore_empty_cells_unmapped_rows_and_non_systematic_events(con):
    add_stat(con, "carpetas", "01", 2024, 11, "extortion", 5)
    add_stat(con, "carpetas", "01", 2024, 12, "extortion", None)          # not published: no data
    add_stat(con, "carpetas", "01", 2025, 1, None, 7, crime_type="other")  # a row the mapping does not know
    add_stat(con, "victims", "02", 2025, 2, "homicide", 0)               # zero is data
    add_event(con, "U1", dt.date(2020, 3, 4))
    add_event(con, "U2", dt.date(2023, 6, 30), origin="acled")
    add_event(con, "S1", dt.date(2024, 8, 1), origin="seed")             # seeds are not systematic
    ends = queries.source_ends(ConQuery(con))
    # each systematic origin has its own span; "events" is the latest end, "events_start" the earliest start
    assert ends == {"carpetas": dt.date(2024, 11, 30), "victims": dt.date(2025, 2, 28),
                    "events:ucdp": dt.date(2020, 3, 4), "events_start:ucdp": dt.date(2020, 3, 4),
                    "events:acled": dt.date(2023, 6, 30), "events_start:acled": dt.date(2023, 6, 30),
                    "events": dt.date(2023, 6, 30), "events_start": dt.date(2020, 3, 4)}


def test_source_ends_without_systematic_events_has_no_events_key(con):
    add_stat(con, "victims", "01", 2024, 2, "homicide", 3)
    add_event(con, "S1", dt.date(2024, 1, 1), origin="seed")
    assert queries.source_ends(ConQuery(con)) == {"victims": dt.date(2024, 2, 29)}


def test_population_is_clamped_to_the_years_available(con):
    for year, (a, b) in {2020: (100, 200), 2021: (110, 210), 2022: (120, 220)}.items():
        con.execute("INSERT INTO population VALUES ('01', ?, ?, NULL, 'r', 'b'), ('02', ?, ?, NULL, 'r', 'b')",
                    [year, a, year, b])
    db = ConQuery(con)
    assert queries.population(db, 2021).to_dict() == {"01": 110.0, "02": 210.0}
    assert queries.population(db, 2035).to_dict() == {"01": 120.0, "02": 220.0}   # after the last year
    assert queries.population(db, 1995).to_dict() == {"01": 100.0, "02": 200.0}   # before the first
    assert queries.population(db, 2021).dtype == float


def test_population_falls_back_on_the_census_without_conapo(con):
    con.execute("""INSERT INTO states (state_code, iso_3166_2, hasc, name_official, name_common, pop_2020)
                   VALUES ('01', 'MX-AGU', 'MX.AG', 'Aguascalientes', 'Aguascalientes', 1425607)""")
    assert queries.population(ConQuery(con), 2023).to_dict() == {"01": 1425607.0}


def _months(con, start=dt.date(2022, 12, 31), end=dt.date(2023, 4, 30)) -> dict:
    df = queries.official_months(ConQuery(con), start, end)
    return {(r.dataset, r.state_code, r.series, r.month): (None if pd.isna(r.v) else r.v)
            for r in df.itertuples(index=False)}


def test_official_months_sums_cells_and_keeps_unpublished_months_missing(con):
    add_stat(con, "victims", "01", 2023, 1, "homicide", 4, crime_type="a")
    add_stat(con, "victims", "01", 2023, 1, "homicide", 6, crime_type="b")
    add_stat(con, "victims", "01", 2023, 2, "homicide", None, crime_type="a")
    add_stat(con, "victims", "01", 2023, 2, "homicide", None, crime_type="b")
    add_stat(con, "victims", "01", 2023, 3, "homicide", None, crime_type="a")
    add_stat(con, "victims", "01", 2023, 3, "homicide", 2, crime_type="b")   # one cell published: 2
    add_stat(con, "victims", "01", 2022, 12, "homicide", 99)                 # before the window: out
    add_stat(con, "victims", "01", 2023, 5, "homicide", 99)                  # after it: out
    add_stat(con, "victims", "01", 2023, 4, None, 50, crime_type="unmapped")  # no series: out
    got = _months(con)
    assert got == {("victims", "01", "homicide", 1): 10, ("victims", "01", "homicide", 2): None,
                   ("victims", "01", "homicide", 3): 2}


def test_official_months_reporting_gap_is_missing_and_suspect_zero_only_for_homicide(con):
    for month in (1, 2, 3):
        add_stat(con, "victims", "01", 2023, month, "homicide", 0 if month > 1 else 9)
        add_stat(con, "victims", "01", 2023, month, "extortion", 0 if month == 2 else 3)
        add_stat(con, "carpetas", "01", 2023, month, "homicide", 0 if month == 2 else 8)
    con.execute("INSERT INTO data_quality VALUES ('victims', '01', 2023, 2, 'reporting_gap', 'gap')")
    con.execute("INSERT INTO data_quality VALUES ('victims', '01', 2023, 3, 'suspect_zero', 'zero')")
    con.execute("INSERT INTO data_quality VALUES ('victims', '02', 2023, 1, 'reporting_gap', 'other state')")
    con.execute("INSERT INTO data_quality VALUES ('victims', '01', 2023, 1, 'sudden_drop', 'a warning only')")
    got = _months(con)
    # a gap month is missing in every series of its dataset (not in the other dataset)
    assert got[("victims", "01", "homicide", 2)] is None and got[("victims", "01", "extortion", 2)] is None
    assert got[("carpetas", "01", "homicide", 2)] == 0
    # a suspect zero hides homicide only; the other series keeps its value
    assert got[("victims", "01", "homicide", 3)] is None and got[("victims", "01", "extortion", 3)] == 3
    # other flags and other states' flags change nothing
    assert got[("victims", "01", "homicide", 1)] == 9 and got[("victims", "01", "extortion", 1)] == 3


def test_event_groups_sum_decay_weights_by_hand(con):
    # half-life 30 days, window 90: today's event weighs 1, one 30 days old 0.5, one 60 days old 0.25
    add_event(con, "A", END, fatalities=2)
    add_event(con, "B", END - dt.timedelta(days=30), fatalities=4)
    add_event(con, "C", END - dt.timedelta(days=60), fatalities=None)               # unknown -> 0 deaths
    add_event(con, "D", END - dt.timedelta(days=120), fatalities=1)                 # the window before
    add_event(con, "E", END - dt.timedelta(days=200), fatalities=50)                # older still: out
    add_event(con, "F", END + dt.timedelta(days=1), fatalities=50)                  # after the end: out
    add_event(con, "G", END, state_code="02", event_type="kidnapping")
    df = queries.event_groups(ConQuery(con), {"ucdp": END}, 90, 30.0, [3], 25.0)
    key = ["region_id", "event_type", "bucket", "period"]
    got = df.set_index(key).sort_index()
    assert set(got.index) == {("01", "killing", 0, 0), ("01", "killing", 3, 0), ("01", "killing", 0, 1),
                              ("02", "kidnapping", 0, 0)}
    low = got.loc[("01", "killing", 0, 0)]         # A (2 deaths, w 1) and C (0, w 0.25)
    assert low["n"] == 2 and low["w"] == pytest.approx(1.25) and low["w2"] == pytest.approx(1 + 0.0625)
    assert low["wf"] == pytest.approx(2.0) and low["wf2"] == pytest.approx(4.0) and low["f"] == 2
    high = got.loc[("01", "killing", 3, 0)]        # B: 4 deaths >= 3, w 0.5
    assert high["n"] == 1 and high["w"] == pytest.approx(0.5) and high["wf"] == pytest.approx(2.0)
    assert high["wf2"] == pytest.approx(0.25 * 16)
    before = got.loc[("01", "killing", 0, 1)]      # D: 120 days old, w 2^-4
    assert before["n"] == 1 and before["w"] == pytest.approx(0.0625) and before["f"] == 1
    assert (df["region_type"] == "state").all()


def test_event_groups_count_corridor_events_within_the_buffer_only(con):
    add_event(con, "A", END, fatalities=1)
    add_event(con, "B", END, fatalities=2)
    add_corridor_rows(con, [("A", "C1", 10.0), ("B", "C1", 40.0), ("B", "C2", 0.5)])
    df = queries.event_groups(ConQuery(con), {"ucdp": END}, 90, 30.0, [], 25.0)
    cors = df[df["region_type"] == "corridor"].set_index("region_id")
    assert cors["n"].to_dict() == {"C1": 1, "C2": 1}
    assert cors["f"].to_dict() == {"C1": 1, "C2": 2}
    wide = queries.event_groups(ConQuery(con), {"ucdp": END}, 90, 30.0, [], 50.0)
    assert wide.loc[wide["region_id"] == "C1", "n"].item() == 2


def add_corridor_rows(con, rows):
    """event_corridor rows as proximity.refresh writes them: with their events' copied columns."""
    cols = ", ".join(schema.PLACED_COPIES)
    for event_id, corridor_id, km in rows:
        con.execute(f"""INSERT INTO event_corridor (event_id, corridor_id, distance_km, {cols})
                        SELECT event_id, ?, ?, {cols} FROM events WHERE event_id = ?""", [corridor_id, km, event_id])


def test_corridor_sums_are_the_same_from_the_copied_columns_as_from_a_join_and_an_old_table_is_upgraded(con):
    """A database written before event_corridor held its events' columns is read through a join;
    its next write adds and fills them; the sums and actor lists do not change."""
    add_event(con, "A", END, fatalities=1, actors="CJNG")
    add_event(con, "B", END - dt.timedelta(days=100), fatalities=2, actors="Sinaloa Cartel; Police")
    add_event(con, "C", END - dt.timedelta(days=10), event_type="armed_clash", actors="Los Viagras")
    add_corridor_rows(con, [("A", "C1", 10.0), ("B", "C1", 4.0), ("B", "C2", 0.5), ("C", "C2", 1.0)])
    db = ConQuery(con)

    def corridors():
        sums, names = queries.event_sums(db, {"ucdp": END}, 90, 30.0, [1], 25.0, ["killing", "armed_clash"])
        key = ["region_id", "event_type", "bucket", "period"]
        sums = sums[sums["region_type"] == "corridor"].sort_values(key).reset_index(drop=True)
        return sums, names[names["region_type"] == "corridor"].sort_values("region_id").reset_index(drop=True)

    assert schema.has_placed_copies(db, "event_corridor")
    new_sums, new_names = corridors()
    con.execute("DROP TABLE event_corridor")
    con.execute("CREATE TABLE event_corridor (event_id VARCHAR NOT NULL, corridor_id VARCHAR NOT NULL, "
                "distance_km DOUBLE NOT NULL)")
    con.execute("INSERT INTO event_corridor VALUES ('A', 'C1', 10.0), ('B', 'C1', 4.0), ('B', 'C2', 0.5), "
                "('C', 'C2', 1.0)")
    assert not schema.has_placed_copies(db, "event_corridor")
    old_sums, old_names = corridors()
    pd.testing.assert_frame_equal(new_sums, old_sums)
    pd.testing.assert_frame_equal(new_names, old_names)
    # B (100 days old) is in the window before: its groups are not counted
    assert new_names.set_index("region_id")["names"].to_dict() == {"C1": "CJNG", "C2": "Los Viagras"}
    assert set(new_sums.loc[new_sums["region_id"] == "C1", "period"]) == {0, 1}
    assert schema.upgrade_placement(con, "event_corridor") and schema.has_placed_copies(db, "event_corridor")
    assert con.execute("SELECT count(*) FROM event_corridor WHERE date IS NULL").fetchone()[0] == 0
    up_sums, _ = corridors()
    pd.testing.assert_frame_equal(new_sums, up_sums)


def test_distinct_actors_count_named_groups_and_exclude_government_forces(con):
    add_event(con, "A", END, actors="CJNG; Government of Mexico (2018-2024); Policía Municipal")
    add_event(con, "B", END, actors="Sinaloa Cartel;Mexican Army;Civilians (Mexico)")
    add_event(con, "C", END, actors="CJNG;Guardia Nacional;Marina;SEDENA;Unidentified Gang")
    add_event(con, "D", END, actors="Unknown armed men; ;Military Forces of Mexico")
    add_event(con, "E", END, actors="La Familia Michoacana", event_type="protest")     # type not asked for
    add_event(con, "F", END - dt.timedelta(days=100), actors="Los Zetas")             # before the window
    add_event(con, "G", END, state_code="02", actors="Police Forces of Mexico")       # only forces
    df = queries.distinct_actors(ConQuery(con), {"ucdp": END}, 90, ["killing", "armed_clash"], 25.0)
    assert df[["region_id", "region_type", "groups", "names"]].values.tolist() == [
        ["01", "state", 2, "CJNG; Sinaloa Cartel"]]


def test_event_groups_give_each_origin_its_own_window(con):
    # UCDP stops early; a user's report is recent: each is counted in the window ending at its own end
    add_event(con, "U", dt.date(2023, 3, 1), fatalities=3)                        # ucdp
    add_event(con, "R", END, fatalities=1, origin="user")
    windows = {"ucdp": dt.date(2023, 3, 31), "user": END}
    df = queries.event_groups(ConQuery(con), windows, 90, 30.0, [], 25.0)
    got = df.set_index("origin")
    assert got.at["ucdp", "period"] == 0 and got.at["ucdp", "w"] == pytest.approx(0.5)   # 30 days before its end
    assert got.at["user", "period"] == 0 and got.at["user", "w"] == pytest.approx(1.0)
    # with one common window at END, the UCDP event would fall outside it
    only_end = queries.event_groups(ConQuery(con), {"ucdp": END, "user": END}, 90, 30.0, [], 25.0)
    assert set(only_end["origin"]) == {"user"}


def test_event_contribution_sums_hold_the_moments_of_the_rows_per_event(built_db):
    """The bootstrap's large-data path reads sums per region, type and toll: they must equal the
    per-event rows summed (count, sum of weights, sum of squared weights), states and corridors."""
    import duckdb

    c = duckdb.connect(str(built_db), read_only=True)
    try:
        db = ConQuery(c)
        windows = {"ucdp": END, "seed": END}
        rows = queries.event_contributions(db, windows, 365, 180.0, 10.0)
        sums = queries.event_contribution_sums(db, windows, 365, 180.0, 10.0)
    finally:
        c.close()
    key = ["region_id", "event_type", "f"]
    want = rows.assign(w2=rows["w"] ** 2).groupby(key).agg(n=("w", "size"), w=("w", "sum"), w2=("w2", "sum"))
    got = sums.set_index(key).sort_index()
    assert len(rows) > 1000 and got.index.is_unique
    assert got.index.equals(want.sort_index().index)
    pd.testing.assert_frame_equal(got[["n", "w", "w2"]], want.sort_index()[["n", "w", "w2"]], check_dtype=False,
                                  rtol=1e-9)
