"""Municipal scoring (issue 10): empirical-Bayes shrinkage, consistency with the states,
scores on the states' scale, ranks, stretches."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from scoring.index import municipal, stretches
from scoring.index.matrix import TimeOptions
from scoring.index.model import RiskModel
from scoring.index.weights import load_profile

# --- the shrinkage itself (no database) ---------------------------------------------------------

def test_tiny_town_with_one_murder_stays_near_its_state_rate():
    # a town of 2,000 people, one murder in a year: raw 50 per 100k; the state's rate is 20
    E = np.array([2000 / 1e5])
    mean, lo, hi = municipal.shrink(np.array([1.0]), E, np.array([20.0]), alpha=2.0)
    assert abs(mean[0] - 20.0) < abs(50.0 - 20.0) * 0.2      # moved at least 80% of the way to the state
    assert lo[0] < 20.0 < hi[0]                               # and its interval says so


def test_large_city_rate_barely_moves():
    # 1.5 million people, 600 murders: raw 40 per 100k, state 20
    E = np.array([1.5e6 / 1e5])
    mean, lo, hi = municipal.shrink(np.array([600.0]), E, np.array([20.0]), alpha=2.0)
    assert mean[0] == pytest.approx(40.0, rel=0.01)
    assert hi[0] - lo[0] < 6                                   # a tight interval


def test_shrinkage_weaker_when_municipalities_really_differ():
    y, E, mu = np.array([10.0]), np.array([0.2]), np.array([20.0])   # raw 50
    strong = municipal.shrink(y, E, mu, alpha=50.0)[0][0]
    weak = municipal.shrink(y, E, mu, alpha=0.5)[0][0]
    assert 20 < strong < weak < 50


def test_alpha_by_moments_recovers_the_spread():
    rng = np.random.default_rng(7)
    n, alpha, mu = 4000, 3.0, 25.0
    E = rng.uniform(0.05, 5, n)
    rates = rng.gamma(alpha, mu / alpha, n)
    y = rng.poisson(rates * E).astype(float)
    est = municipal.estimate_alpha(y, E, np.full(n, mu), q=1.0)
    assert 2.0 < est < 4.5


def test_alpha_without_extra_spread_is_large():
    rng = np.random.default_rng(3)
    E = rng.uniform(0.5, 5, 3000)
    y = rng.poisson(20 * E).astype(float)
    assert municipal.estimate_alpha(y, E, np.full(3000, 20.0), q=1.0) > 20


def test_benchmark_factor_restores_the_state_rate():
    st = pd.Series(["01", "01", "02"])
    pop = np.array([100.0, 300.0, 50.0])
    mean = np.array([10.0, 20.0, 5.0])
    mu = np.array([19.0, 19.0, 5.0])
    f = municipal.benchmark_factor(st, pop, mean, mu, np.array([True, True, True]))
    adj = mean * f
    assert (adj[:2] * pop[:2]).sum() / pop[:2].sum() == pytest.approx(19.0)
    assert adj[2] == pytest.approx(5.0)


def test_rank_range_from_intervals():
    lo = np.array([8.0, 5.0, 4.9, 1.0])
    hi = np.array([9.0, 6.0, 5.5, 2.0])
    best, worst = municipal._rank_range(lo, hi)
    assert list(best) == [1, 2, 2, 4]
    assert list(worst) == [1, 3, 3, 4]


# --- on the built database -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def model(store):
    return RiskModel(store)


@pytest.fixture(scope="module")
def analyst():
    return load_profile("analyst")


@pytest.fixture(scope="module")
def ms(model, analyst):
    out = model.municipalities(analyst)
    assert out is not None, "the built database has no municipalities"
    return out


def test_every_municipality_has_a_row_and_the_scored_ones_an_interval(ms):
    t = ms.table
    assert len(t) == 2475
    assert t["cvegeo"].is_unique
    scored = t[t["score"].notna()]
    assert len(scored) >= 2469                       # the six created after 2020 have no census population
    assert (scored["ci_low"] <= scored["score"] + 1e-9).all() and (scored["score"] <= scored["ci_high"] + 1e-9).all()
    assert scored["rank"].min() == 1 and scored["rank"].max() <= len(scored)
    assert (scored["rank_in_state"] <= scored["n_in_state"]).all()
    assert (scored["rank_low"] <= scored["rank"]).all() and (scored["rank"] <= scored["rank_high"]).all()


def test_state_scores_do_not_move_when_municipalities_are_scored(model, analyst):
    before = model.run(analyst, uncertainty=False).table.set_index("region_id")["score"]
    model.municipalities(analyst)
    after = model.run(analyst, uncertainty=False).table.set_index("region_id")["score"]
    pd.testing.assert_series_equal(before, after)


def test_population_weighted_municipal_rates_add_up_to_the_state_rate(model, ms, store):
    prep = model.prepared(dataclasses.replace(TimeOptions(), as_of=model.default_as_of()))
    c = municipal.consistency(store, ms.stage1, prep, model.reg, "homicide_rate")
    assert len(c) >= 20
    # exactly the rate of the files placed in municipalities ...
    np.testing.assert_allclose(c["weighted_municipal"], c["municipal_sum_rate"], rtol=1e-6)
    # ... and within what the files no municipality holds explain, the state's own official rate
    gap = (c["state_rate"] - c["weighted_municipal"]).abs() / c["state_rate"]
    explained = c["unplaced_files"] > 0
    assert (gap[~explained] < 0.02).all(), c[~explained & (gap >= 0.02)]
    assert (gap < 0.08).all(), c[gap >= 0.08]


def test_a_tiny_place_is_not_extreme_on_one_case(ms):
    t = ms.table
    k = [i for i, x in enumerate(ms.stage1.kind[:, 0]) if x == "own"]
    hom = pd.Series(ms.stage1.raw[k, 0], index=t.index[k])       # homicide_rate: the registry's first indicator
    mu = t.loc[k, "state_code"].map(ms.stage1.state_rates["homicide_rate"])
    small = t.loc[k][t.loc[k, "pop"] < 3000].index
    assert len(small) > 20
    # a small place's rate stays within a few times its state's, whatever one case does to its raw rate
    ratio = hom[small] / mu[small]
    assert ratio.max() < 4 and ratio.min() > 0.15, ratio.describe()


def test_cities_travellers_ask_about_are_scored_from_their_own_series(ms):
    t = ms.table.set_index("cvegeo")
    for code in ("23005", "14067", "25012", "12001", "25006"):   # Cancún, Puerto Vallarta, Mazatlán, Acapulco, Culiacán
        assert t.at[code, "own_data"]
        assert np.isfinite(t.at[code, "score"])
    # Culiacán, at war since 2024, ranks above Cancún's Benito Juárez
    assert t.at["25006", "score"] > t.at["23005", "score"]


def test_records_are_json_ready(ms, model):
    import json

    recs = municipal.records(ms, model.reg)
    assert len(recs) == 2475
    json.dumps(recs)
    r = next(x for x in recs if x["region_id"] == "23005")
    assert r["region_type"] == "municipality" and r["name"] == "Benito Juárez" and r["state_code"] == "23"
    assert isinstance(r["rank"], int) and r["drivers"]


def test_trend_counts_zeros_inside_coverage(store, ms):
    t = ms.table.set_index("cvegeo")
    tr = municipal.trend(store, "23005", float(t.at["23005", "pop"]))
    assert len(tr) == 36 * len(municipal.MUNICIPAL_SERIES)
    assert (tr["count"] >= 0).all() and tr["count"].sum() > 0


# --- corridors, stretch by stretch ----------------------------------------------------------------

def test_stretches_cover_each_corridor_and_name_its_worst(store, ms, analyst):
    st = stretches.score_stretches(store, ms.table, analyst.thresholds)
    cors = store.query("SELECT corridor_id, length_km FROM corridors")
    assert set(st["corridor_id"]) == set(cors["corridor_id"])
    total = st.groupby("corridor_id")["length_km"].sum()
    for r in cors.itertuples(index=False):
        assert total[r.corridor_id] == pytest.approx(r.length_km, rel=0.15)   # the line vs its straight legs
    assert (st["length_km"] <= stretches_max() + 1e-6).all()
    lv = stretches.corridor_levels(st, analyst.thresholds)
    assert (lv["worst_stretch"] != "").all()
    assert (lv["level"] >= 1).all()


def stretches_max() -> float:
    from scoring.load.municipal import STRETCH_MAX_KM

    return STRETCH_MAX_KM


def test_worst_sustained_stretch_rule():
    th = (2.4, 3.5, 4.6, 5.9)
    st = pd.DataFrame({"corridor_id": ["c"] * 4, "seq": [1, 2, 3, 4], "from_name": list("abcd"),
                       "to_name": list("bcde"), "length_km": [10.0, 60.0, 200.0, 30.0],
                       "score": [8.0, 5.5, 3.0, 3.0]})
    from scoring.index.levels import level_of

    st["level"] = level_of(st["score"].to_numpy(), th)
    lv = stretches.corridor_levels(st, th).iloc[0]
    # 10 km of Extreme is not sustained; 70 km at High or above is
    assert lv["level_name"] == "High"
    assert lv["worst_stretch"] == "a to b"          # the worst stretch among those at that level or above
    assert lv["worst_km"] == pytest.approx(70.0)


def test_a_stretch_through_a_violent_municipality_reads_as_such(store, ms, analyst):
    st = stretches.score_stretches(store, ms.table, analyst.thresholds)
    sin = st[st["corridor_id"] == "sinaloa-fed15-culiacan"]
    assert sin["score"].max() > sin["score"].mean() + 0.3      # not averaged away


def test_gamma_quantile_is_scipy_stats_gamma_ppf():
    """municipal.gamma_quantile avoids importing scipy.stats; it must give its numbers."""
    import numpy as np
    from scipy.stats import gamma

    from scoring.index.municipal import gamma_quantile

    rng = np.random.default_rng(5)
    shape, scale = rng.gamma(1.0, 20.0, 500) + 1e-6, rng.gamma(1.0, 3.0, 500)
    for q in (0.05, 0.5, 0.95):
        np.testing.assert_allclose(gamma_quantile(q, shape, scale), gamma.ppf(q, shape, scale=scale), rtol=1e-12)
