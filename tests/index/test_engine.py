"""The scoring engine (scoring/index/matrix.py and scoring/index/scores.py): a golden example worked by hand, missing data,
ranks, stage 1 on the built database, and 'a deadly event never lowers a state's score'."""

from __future__ import annotations

import datetime as dt
import math
import shutil

import duckdb
import numpy as np
import pandas as pd
import pytest
from support.golden import GOLDEN_PROFILE, GOLDEN_RAW, GOLDEN_REG
from support.scoring_synth import make_matrix, regions_frame, run

from scoring.index import matrix, queries, scores
from scoring.index.model import RiskModel
from scoring.index.queries import ConQuery
from scoring.index.registry import load_registry, parse_registry
from scoring.index.weights import load_profile, profile_from_dict, profile_names
from scoring.load import proximity

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

AS_OF = dt.date(2023, 12, 31)   # inside UCDP's coverage, so events count

# --- golden example (worked by hand in tests/support/golden.py) ----------------------------



def _golden(**changes):
    prof = profile_from_dict({**GOLDEN_PROFILE, **changes}, GOLDEN_REG)
    return run(GOLDEN_RAW, GOLDEN_REG, prof, n_states=4)


def test_golden_scores_levels_and_ranks():
    t = _golden().table
    assert t["region_id"].tolist() == ["01", "02", "03", "04", "C1", "C2"]
    assert t["score"].to_numpy() == pytest.approx([6.25, 0.75, 8.0, 6.0, 7.75, 1.5])
    assert t["level"].tolist() == [3, 1, 5, 2, 5, 2]
    assert t["level_name"].tolist() == ["Medium", "Low", "Extreme", "Moderate", "Extreme", "Moderate"]
    assert t["rank"].tolist() == [2, 4, 1, 3, 1, 2]
    assert t["pillar_p1"].to_numpy() == pytest.approx([3.75, 1.25, 10, 5, 6.25, 2.5])
    assert t["pillar_p2"].to_numpy() == pytest.approx([10, 0, 5, 7.5, 10, 0])
    assert t["coverage"].to_numpy() == pytest.approx([1, 1, 1, 0.55, 1, 1])


def test_golden_normalised_values_and_contributions():
    s = _golden()
    nan = np.nan
    assert np.allclose(s.normalised, [[0, 5, 10], [5, 0, 0], [10, 10, 5], [5, nan, 7.5], [10, 5, 10], [2.5, 2.5, 0]],
                       equal_nan=True)
    assert s.contributions[0] == pytest.approx([0, 2.25, 4])
    assert s.contributions[3] == pytest.approx([3, 0, 3])


def test_golden_geometric():
    # state A: p1 = expm1(0.25 log1p(0) + 0.75 log1p(5)) = 6^0.75 - 1; p2 = 10
    # score = expm1(0.6 log(6^0.75) + 0.4 log 11) = 6^0.45 * 11^0.4 - 1 = 4.8442...
    t = _golden(aggregation="geometric").table
    assert t["pillar_p1"].iat[0] == pytest.approx(6 ** 0.75 - 1)
    assert t["score"].iat[0] == pytest.approx(6 ** 0.45 * 11 ** 0.4 - 1)
    assert t["score"].iat[0] == pytest.approx(4.8442, abs=1e-4)
    # C: p1 = 10, p2 = 5 -> 11^0.6 * 6^0.4 - 1
    assert t["score"].iat[2] == pytest.approx(11 ** 0.6 * 6 ** 0.4 - 1)


def test_region_without_any_data_has_no_score():
    reg = GOLDEN_REG
    # A beats B on x and on reversed z (A 7.5 + 10, B 2.5 + 0 in the pillars): A ranks 1st
    raw = [[10, 4, 1], [5, 2, 3], [np.nan, np.nan, np.nan]]
    s = run(raw, reg, profile_from_dict(GOLDEN_PROFILE, reg))
    row = s.table.iloc[2]
    assert math.isnan(row["score"]) and math.isnan(row["rank"])
    assert row["level"] == 0 and row["level_name"] == "No data"
    assert row["coverage"] == 0
    assert (s.contributions[2] == 0).all()
    assert s.table["rank"].iloc[:2].tolist() == [1, 2]


def test_ties_share_the_better_rank():
    reg = GOLDEN_REG
    # x and y rise down the rows and z (direction -1) falls: risk rises; states 2 and 3 identical
    raw = [[0, 2, 3], [5, 4, 2], [5, 4, 2], [10, 6, 1]]
    s = run(raw, reg, profile_from_dict(GOLDEN_PROFILE, reg))
    assert s.table["rank"].tolist() == [4, 2, 2, 1]


def test_missing_is_not_zero():
    # D's y is missing: its score (6) is higher than if y were counted as the lowest value (0)
    reg = GOLDEN_REG
    prof = profile_from_dict(GOLDEN_PROFILE, reg)
    with_gap = run(GOLDEN_RAW, reg, prof, n_states=4).table["score"].iat[3]
    raw0 = np.array(GOLDEN_RAW, float)
    raw0[3, 1] = 2.0    # the states' minimum: normalised to 0
    as_zero = run(raw0, reg, prof, n_states=4).table["score"].iat[3]
    assert with_gap == pytest.approx(6.0)
    assert as_zero == pytest.approx(0.6 * (5 / 4) + 0.4 * 7.5)   # 3.75
    assert with_gap > as_zero


def test_transform_caps_at_the_states_quantile():
    reg = parse_registry({
        "pillars": {"p": {"name": "P", "description": "P."}},
        "indicators": [{"id": "x", "name": "X", "description": "X.", "pillar": "p", "layer": "official",
                        "dataset": "victims", "series": ["homicide"], "unit": "u", "transform": "log",
                        "cap": 0.75, "direction": 1, "weight": 1}]}, "cap.yml")
    m = make_matrix([[0], [1], [3], [1000], [5000]], reg, n_states=4)
    t = scores.transform(m, reg)[:, 0]
    ref = np.log1p([0, 1, 3, 1000])
    cap = np.quantile(ref, 0.75)                # quantile of the states only
    assert t == pytest.approx([0, np.log1p(1), np.log1p(3), cap, cap])


def test_time_options_are_validated():
    from scoring.errors import OptionError
    for bad in ({"window_days": 10}, {"half_life_days": float("nan")}, {"half_life_days": 1},
                {"buffer_km": 0}, {"buffer_km": 80}, {"compare_days": -1}):
        with pytest.raises(OptionError):
            matrix.TimeOptions(**bad).validated()


# --- stage 1 on the built database -------------------------------------------------------------

@pytest.fixture(scope="module")
def built_con(built_db):
    con = duckdb.connect(str(built_db), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def matrix_2023(built_con):
    return matrix.compute_matrix(ConQuery(built_con), matrix.TimeOptions(as_of=AS_OF))


def test_matrix_covers_the_32_states_and_the_corridors(matrix_2023):
    m = matrix_2023
    reg = load_registry()
    states = m.regions.loc[m.is_state, "region_id"].tolist()
    assert states == [f"{i:02d}" for i in range(1, 33)]
    assert (~m.is_state).sum() >= 1
    assert m.raw.shape == m.coverage.shape == (len(m.regions), len(reg.ids))
    assert m.ids == reg.ids
    assert ((m.coverage >= 0) & (m.coverage <= 1 + 1e-9)).all()
    assert m.meta["as_of"] == AS_OF
    # the one note: a seed article's blockade stands alone (see below)
    assert [n.split(":")[0] for n in m.meta["notes"]] == [
        "reports alone name at most 1 of 32 states in the window, too few to compare (at least 8)"]
    # 2023 is covered by SESNSP and UCDP: every state has every indicator, except those with no
    # source then: people missing (the register's count is dated 2026-06, after the as-of date)
    # and the two that only ACLED observes (UCDP records no blockades and hardly any attacks on forces)
    unsourced = {"missing_persons", "blockades", "attacks_on_state"}
    have = [j for j, i in enumerate(reg.indicators) if i.id not in unsourced]
    assert np.isfinite(m.raw[m.is_state][:, have]).all()
    j_missing = reg.ids.index("missing_persons")
    assert np.isnan(m.raw[:, j_missing]).all()
    for iid in ("blockades", "attacks_on_state"):
        j = reg.ids.index(iid)
        # a value could stand only where a seed article reports such an event, and the seeds name
        # fewer than a quarter of the states (matrix.MIN_REPORTED_SHARE): missing everywhere
        has = np.isfinite(m.raw[:, j])
        assert has.sum() == 0
    # rates are not negative (momentum is a log ratio and may be)
    rates = [j for j, i in enumerate(reg.indicators) if i.measure != "momentum"]
    values = m.raw[m.is_state][:, rates]
    assert (values[np.isfinite(values)] >= 0).all()


def test_matrix_detail_traces_every_cell(matrix_2023):
    d = matrix_2023.detail
    assert len(d) == matrix_2023.raw.size
    assert set(d["indicator"]) == set(matrix_2023.ids)


def test_no_data_after_the_sources_end(built_con):
    m = matrix.compute_matrix(ConQuery(built_con), matrix.TimeOptions(as_of=dt.date(2032, 1, 1)))
    assert np.isnan(m.raw).all()
    assert m.meta["notes"]
    s = scores.score(scores.prepare(m), load_profile())
    assert s.table["score"].isna().all() and (s.table["level"] == 0).all()


# --- adding a deadly event never lowers the state's score --------------------------------------

@pytest.fixture
def event_con(built_db, tmp_path):
    """A writable copy of the built database, with the user source of the events a test adds."""
    path = tmp_path / "risk.duckdb"
    shutil.copy(built_db, path)
    con = duckdb.connect(str(path))
    con.execute("INSERT INTO sources (source_id, kind, title) VALUES ('U:test', 'user_file', 'test events')")
    yield con
    con.close()


def _insert_event(con, state: str, event_id: str, fatalities: int = 10, date: dt.date = dt.date(2023, 11, 15),
                  place: bool = True) -> None:
    lat, lon = con.execute("SELECT capital_lat, capital_lon FROM states WHERE state_code = ?", [state]).fetchone()
    con.execute("""INSERT INTO events (event_id, origin, date, date_precision, state_code, place, latitude, longitude,
                                       geo_precision, event_type, fatalities, actors, target_category, source_id,
                                       confidence, batch_id)
                   VALUES (?, 'user', ?, 'day', ?, 'capital', ?, ?, 'exact', 'killing', ?,
                           'Cartel de Prueba;Civilians', 'civilians', 'U:test', 'high', 'test-batch')""",
                [event_id, date, state, lat, lon, fatalities])
    con.execute("INSERT INTO event_sources VALUES (?, 'U:test')", [event_id])
    if place:
        proximity.refresh(con)


def _scores(con) -> dict[str, pd.Series]:
    model = RiskModel(ConQuery(con))
    out = {}
    for name in profile_names():
        t = model.run(load_profile(name), matrix.TimeOptions(as_of=AS_OF), uncertainty=False, compare=False).table
        out[name] = t.set_index("region_id")["score"]
    return out


@pytest.mark.slow
def test_a_deadly_event_never_lowers_the_state_score(event_con):
    con = event_con
    before = _scores(con)
    analyst = before["analyst"][lambda s: s.index.str.len() == 2].sort_values()
    # the safest, the median and the riskiest state, plus Baja California Sur
    picks = list(dict.fromkeys([analyst.index[0], analyst.index[len(analyst) // 2], analyst.index[-1], "03"]))
    for k, state in enumerate(picks):
        eid = f"TEST-{k}"
        _insert_event(con, state, eid)
        after = _scores(con)
        for name in before:
            assert after[name][state] >= before[name][state] - 1e-9, (name, state)
        con.execute("DELETE FROM event_sources WHERE event_id = ?", [eid])
        con.execute("DELETE FROM events WHERE event_id = ?", [eid])
        proximity.refresh(con)
    # and removing them restores the scores exactly
    again = _scores(con)
    for name in before:
        assert np.allclose(again[name].to_numpy(), before[name].to_numpy(), equal_nan=True)


def test_a_deadly_event_raises_a_quiet_state(event_con):
    """The event is counted at all: a state with few deaths gets a higher oc_deaths value."""
    con = event_con
    reg = load_registry()
    j = reg.ids.index("oc_deaths")
    m0 = matrix.compute_matrix(ConQuery(con), matrix.TimeOptions(as_of=AS_OF))
    st = m0.regions.loc[m0.is_state, "region_id"].to_numpy()
    quiet = st[np.argmin(m0.raw[m0.is_state, j])]
    _insert_event(con, quiet, "TEST-Q", fatalities=25)
    m1 = matrix.compute_matrix(ConQuery(con), matrix.TimeOptions(as_of=AS_OF))
    i = list(m0.regions["region_id"]).index(quiet)
    assert m1.raw[i, j] > m0.raw[i, j]
    assert m1.raw[i, reg.ids.index("mass_casualty")] > m0.raw[i, reg.ids.index("mass_casualty")]
    s0 = scores.score(scores.prepare(m0), load_profile()).table["score"].iat[i]
    s1 = scores.score(scores.prepare(m1), load_profile()).table["score"].iat[i]
    assert s1 > s0


def test_regions_frame_helper_matches_the_engine_columns(built_db):
    # the synthetic frames have the columns (and region types) queries.regions returns
    con = duckdb.connect(str(built_db), read_only=True)
    try:
        real = queries.regions(ConQuery(con))
    finally:
        con.close()
    fake = regions_frame(2, 1)
    assert list(fake.columns) == list(real.columns)
    assert set(fake["region_type"]) == set(real["region_type"]) == {"state", "corridor"}
    assert (real["region_type"] == "state").sum() == 32 and (real["region_type"] == "corridor").sum() == 20


def test_reports_alone_are_scored_only_where_they_name_enough_regions(event_con):
    """At a date no systematic event source covers (the default, 2026-07), a user's events stand
    on their own. Compared with nothing, two killings imported for Sinaloa scored it lower than
    no report at all (6.87 -> 5.83): reports naming fewer than a quarter of the states are shown
    (in the detail, with the reason) and not scored; naming enough, they are scored."""
    late = dt.date(2026, 7, 31)
    con = event_con
    reg = load_registry()
    j = reg.ids.index("oc_deaths")

    def run_at():
        res = RiskModel(ConQuery(con)).run(load_profile("analyst"), matrix.TimeOptions(as_of=late),
                                           uncertainty=False, compare=False)
        return res.matrix, res.table.set_index("region_id")["score"]

    m0, s0 = run_at()
    assert np.isnan(m0.raw[:, j]).all()          # no systematic source: missing everywhere
    _insert_event(con, "25", "TEST-S1", fatalities=3, date=dt.date(2026, 7, 10))
    _insert_event(con, "25", "TEST-S2", fatalities=2, date=dt.date(2026, 7, 12))
    m1, s1 = run_at()
    assert np.isnan(m1.raw[:, j]).all()
    pd.testing.assert_series_equal(s1, s0)
    d = m1.detail.set_index(["region_id", "indicator"])
    assert "2 events, 5 deaths" in d.loc[("25", "oc_deaths"), "basis"]
    assert "not scored: reports alone name 1 of 32 states" in d.loc[("25", "oc_deaths"), "basis"]
    assert any(n.startswith("reports alone name at most 1 of 32 states") and "oc_deaths" in n
               for n in m1.meta["notes"])
    # reports naming 8 of the 32 states are compared with one another
    named = ["25", "16", "12", "02", "08", "14", "11", "28"]
    for k, state in enumerate(named[1:]):
        _insert_event(con, state, f"TEST-N{k}", fatalities=1 + k, date=dt.date(2026, 7, 1), place=False)
    proximity.refresh(con)
    m2, _ = run_at()
    st = m2.is_state
    has = np.isfinite(m2.raw[:, j]) & st
    assert sorted(m2.regions.loc[has, "region_id"]) == sorted(named)
    assert np.allclose(m2.coverage[has, j], matrix.MIN_COVERAGE)
    # (mass casualties, five deaths or more, are still reported in too few states to compare)
    states_note = [n for n in m2.meta["notes"] if n.startswith("reports alone name at most") and "states" in n]
    assert all("oc_deaths" not in n for n in states_note)
