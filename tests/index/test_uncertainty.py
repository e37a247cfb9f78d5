"""Uncertainty (scoring/uncertainty.py): Monte-Carlo ranks and the bootstrap of the events."""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pandas as pd
import pytest
from support.datahelpers import fresh_con
from support.scoring_synth import SMALL_REGISTRY_DOC, make_matrix, small_registry

from scoring.index import matrix, scores, uncertainty
from scoring.index.queries import ConQuery
from scoring.index.registry import load_registry
from scoring.index.weights import load_profile, profile_from_dict

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

AS_OF = dt.date(2023, 12, 31)
REG = load_registry()


@pytest.fixture(scope="module")
def db(built_db):
    con = duckdb.connect(str(built_db), read_only=True)
    yield ConQuery(con)
    con.close()


@pytest.fixture(scope="module")
def prepared(db):
    return scores.prepare(matrix.compute_matrix(db, matrix.TimeOptions(as_of=AS_OF), REG), REG)


@pytest.mark.parametrize("name", ["analyst", "traveler"])
def test_monte_carlo_rank_band_contains_the_median(prepared, name):
    rs = uncertainty.monte_carlo_ranks(prepared, load_profile(name), REG, draws=300)
    st = prepared.matrix.is_state
    n_cor = int((~st).sum())
    assert (rs.rank_low <= rs.median_rank).all() and (rs.median_rank <= rs.rank_high).all()
    assert ((rs.rank_low[st] >= 1) & (rs.rank_high[st] <= 32)).all()
    assert ((rs.rank_low[~st] >= 1) & (rs.rank_high[~st] <= n_cor)).all()
    assert rs.score_draws.shape == (300, len(st))
    d = rs.score_draws[np.isfinite(rs.score_draws)]
    assert ((d >= 0) & (d <= 10)).all()


def test_monte_carlo_is_reproducible_and_varies_with_the_seed(prepared):
    prof = load_profile()
    a = uncertainty.monte_carlo_ranks(prepared, prof, REG, draws=100, seed=1)
    b = uncertainty.monte_carlo_ranks(prepared, prof, REG, draws=100, seed=1)
    c = uncertainty.monte_carlo_ranks(prepared, prof, REG, draws=100, seed=2)
    assert np.array_equal(a.score_draws, b.score_draws)
    assert not np.array_equal(a.score_draws, c.score_draws)


def test_monte_carlo_nominal_rank_is_typical(prepared):
    # weights drawn around the profile (and its own methods half the time): the nominal rank is
    # within a few places of the median rank for every state
    prof = load_profile()
    nominal = scores.score(prepared, prof, REG).table["rank"].to_numpy()
    rs = uncertainty.monte_carlo_ranks(prepared, prof, REG, draws=300)
    st = prepared.matrix.is_state
    assert np.abs(nominal[st] - rs.median_rank[st]).max() <= 5


def test_monte_carlo_copes_with_a_region_without_data():
    reg = small_registry()
    raw = np.array([[1, 2, 3, 4], [4, 3, 2, 1], [2, 2, 2, 2], [np.nan] * 4], float)
    prep = scores.prepare(make_matrix(raw, reg), reg)
    rs = uncertainty.monte_carlo_ranks(prep, profile_from_dict({}, reg), reg, draws=50)
    assert np.isnan(rs.median_rank[3]) and np.isnan(rs.rank_low[3])
    assert np.isfinite(rs.median_rank[:3]).all()


def test_draw_weights_are_dirichlet_around_the_profile():
    prof = load_profile("security")
    pidx, pw_d, wi = uncertainty.draw_weights(prof, REG, 2000, np.random.default_rng(0))
    _, within, pw = scores._pillar_structure(REG, prof)
    assert np.allclose(pw_d.sum(axis=1), 1)
    assert (pw_d >= 0).all() and (wi >= 0).all()
    for idx in pidx.values():
        assert np.allclose(wi[:, idx].sum(axis=1), 1)
    assert np.allclose(pw_d.mean(axis=0), pw, atol=0.01)
    assert np.allclose(wi.mean(axis=0), within, atol=0.01)


@pytest.mark.parametrize("exact", [True, False], ids=["poisson", "normal"])
def test_bootstrap_interval_is_centred_on_the_nominal_score(db, prepared, monkeypatch, exact):
    """The returned interval is widened to contain the nominal score (fmin/fmax), so containment
    alone proves nothing. An unbiased bootstrap needs no widening: for most regions with a
    real interval the nominal score lies strictly inside it, away from both ends."""
    if not exact:
        monkeypatch.setattr(uncertainty, "EXACT_LIMIT", 0)   # the large-data path
    prof = load_profile()
    nominal = scores.score(prepared, prof, REG).table["score"].to_numpy()
    lo, hi = uncertainty.bootstrap_intervals(db, prepared, prof, REG, draws=60)
    assert ((lo >= 0) & (hi <= 10)).all()
    wide = (hi - lo > 1e-6) & np.isfinite(nominal)
    assert wide.sum() >= 10                                # events vary, so some intervals have width
    inside = (lo[wide] < nominal[wide] - 1e-9) & (nominal[wide] < hi[wide] - 1e-9)
    assert inside.mean() >= 0.75, f"only {inside.sum()} of {wide.sum()} intervals hold the nominal score unwidened"


def _hand_made_events(con, deaths_by_state: dict[str, list[int]], day: dt.date) -> None:
    rows = [(f"E{code}-{k}", day, code, f) for code, fs in deaths_by_state.items() for k, f in enumerate(fs)]
    con.executemany("""INSERT INTO events (event_id, origin, date, date_precision, state_code, geo_precision,
                                           event_type, fatalities, source_id)
                       VALUES (?, 'ucdp', ?, 'day', ?, 'state', 'killing', ?, 'D:test')""", rows)


def test_bootstrap_interval_widens_when_the_same_deaths_come_from_fewer_events():
    """01 and 02 both have 100 deaths on the last day: 01 from 100 events of one death, 02 from
    4 events of 25. Resampling events moves 02's total far more (sd 50 against 10)."""
    reg = small_registry({"pillars": {"harm": {"name": "Harm", "description": "People hurt."}},
                          "indicators": [i for i in SMALL_REGISTRY_DOC["indicators"] if i["pillar"] == "harm"]})
    deaths = {"01": [1] * 100, "02": [25] * 4, "03": [1] * 20, "04": [1] * 200}
    con = fresh_con()
    try:
        _hand_made_events(con, deaths, AS_OF)
        homicide = {"01": 5.0, "02": 5.0, "03": 1.0, "04": 9.0}
        raw = np.array([[homicide[c], sum(deaths[c])] for c in deaths])   # homicide rate, decayed deaths (w = 1)
        m = make_matrix(raw, reg)
        m.detail = pd.DataFrame({"region_id": list(deaths), "indicator": "e_deaths", "value": raw[:, 1],
                                 "basis": "", "data_end": AS_OF, "source": "events", "coverage": 1.0})
        prep = scores.prepare(m, reg)
        prof = profile_from_dict({}, reg)
        nominal = scores.score(prep, prof, reg).table["score"].to_numpy()
        lo, hi = uncertainty.bootstrap_intervals(ConQuery(con), prep, prof, reg, draws=400, seed=3)
    finally:
        con.close()
    width = hi - lo
    assert nominal[0] == pytest.approx(nominal[1])                 # same deaths, same score
    assert width[0] > 0
    assert width[1] > 3 * width[0]
    # an unbiased resampling is centred on the data: the nominal score sits in the middle of
    # each interval (not at an end, where the widening to contain it would put it)
    position = (nominal - lo) / width
    assert ((position[:2] > 0.3) & (position[:2] < 0.7)).all(), position


def test_bootstrap_without_events_is_the_nominal_score():
    reg = small_registry()
    raw = np.array([[1, np.nan, 3, np.nan], [4, np.nan, 2, np.nan], [2, np.nan, 2, np.nan]], float)
    prep = scores.prepare(make_matrix(raw, reg), reg)
    prof = profile_from_dict({}, reg)
    lo, hi = uncertainty.bootstrap_intervals(None, prep, prof, reg, draws=10)
    nominal = scores.score(prep, prof, reg).table["score"].to_numpy()
    assert np.array_equal(lo, nominal) and np.array_equal(hi, nominal)


def test_vectorised_ranks_match_the_engine_ranks():
    rng = np.random.default_rng(0)
    draws = rng.integers(0, 5, size=(200, 9)).astype(float)     # many ties
    draws[rng.random(draws.shape) < 0.1] = np.nan
    groups = np.array(["state"] * 6 + ["corridor"] * 3)
    fast = uncertainty._fast_ranks(draws, groups)
    slow = np.vstack([scores._ranks(s, groups) for s in draws])
    assert np.array_equal(fast, slow, equal_nan=True)


def test_nan_quantiles_equal_numpys_with_missing_values_and_empty_columns():
    """The one-sort quantiles equal np.nanquantile (linear) on random columns with NaNs, ties,
    one value and no value at all."""
    import warnings

    rng = np.random.default_rng(7)
    for _ in range(200):
        d, n = rng.integers(1, 60), rng.integers(1, 12)
        a = rng.integers(1, 8, (d, n)).astype(float) if rng.random() < 0.5 else rng.normal(size=(d, n))
        a[rng.random((d, n)) < rng.random()] = np.nan
        a[:, 0] = np.nan                                    # a region without data
        qs = [0.5, 0.05, 0.95, 0.0, 1.0]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            want = np.nanquantile(a, qs, axis=0)
        got = uncertainty.nan_quantiles(a, qs)
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-12, equal_nan=True)
