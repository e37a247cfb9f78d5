"""Properties of stage 2 (scores.prepare + scores.score) on synthetic matrices, with hypothesis.

What must hold for any data: scores stay on 0-10; contributions add up to the score; scaling
every weight changes nothing; the order of the regions changes nothing; more harm never ranks
lower; reversing a direction reverses the effect; a missing value stays missing (never zero);
the vectorised Monte-Carlo scorer agrees with the engine.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from support.scoring_synth import flip_direction, make_matrix, small_registry

from scoring.index import methods, scores, uncertainty
from scoring.index.registry import load_registry
from scoring.index.weights import profile_from_dict

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

REAL = load_registry()
SMALL = small_registry()
NORMS = sorted(methods.NORMALISERS)
AGGS = sorted(methods.AGGREGATORS)
EPS = 1e-9
PROPS = settings(max_examples=60, deadline=None)

finite_values = st.one_of(st.floats(-2, 1000, allow_nan=False, allow_subnormal=False),
                          st.sampled_from([0.0, 1.0, 5.0]))
values_with_gaps = st.one_of(finite_values, st.sampled_from([0.0, 3.0, np.nan]))


@st.composite
def matrices(draw, reg, gaps=True, min_states=3, max_states=10, max_corridors=3):
    """(raw, n_states): states first, then corridors."""
    ns = draw(st.integers(min_states, max_states))
    nc = draw(st.integers(0, max_corridors))
    raw = draw(hnp.arrays(float, (ns + nc, len(reg.ids)), elements=values_with_gaps if gaps else finite_values))
    return raw, ns


@st.composite
def profiles(draw, reg, norm=None, agg=None):
    pillars = {p: draw(st.floats(0.05, 10)) for p in reg.pillar_ids}
    inds = {i: draw(st.floats(0.05, 10)) for i in reg.ids}
    return {"pillars": pillars, "indicators": inds,
            "normalisation": norm or draw(st.sampled_from(NORMS)),
            "aggregation": agg or draw(st.sampled_from(AGGS))}


def score(raw, ns, reg, doc, coverage=None):
    prof = profile_from_dict(doc, reg)
    m = make_matrix(raw, reg, ns, coverage)
    return scores.score(scores.prepare(m, reg), prof, reg)


def _fit_has_data(raw, ns, reg):
    """Whether each cell's normalisation group (see scores.prepare) has any value to fit on."""
    fin = np.isfinite(raw)
    out = np.zeros(raw.shape, bool)
    for j, ind in enumerate(reg.indicators):
        st_any = fin[:ns, j].any()
        if ind.layer == "official":
            out[:, j] = st_any
        else:
            out[:ns, j] = st_any
            out[ns:, j] = fin[ns:, j].any()
    return out


# --- bounds and missing values -----------------------------------------------------------------

@PROPS
@given(data=matrices(REAL), norm=st.sampled_from(NORMS), agg=st.sampled_from(AGGS))
def test_scores_stay_within_0_10_and_nan_stays_nan(data, norm, agg):
    raw, ns = data
    s = score(raw, ns, REAL, {"normalisation": norm, "aggregation": agg})
    N, sc = s.normalised, s.table["score"].to_numpy()
    for a in (N, s.pillars, sc):
        fin = a[np.isfinite(a)]
        assert ((fin >= -EPS) & (fin <= 10 + EPS)).all()
    # a gap stays a gap, and every value with something to be fitted against is scored
    assert np.isnan(N[np.isnan(raw)]).all()
    assert np.isfinite(N[np.isfinite(raw) & _fit_has_data(raw, ns, REAL)]).all()
    # a region gets a score exactly when it has a normalised value
    assert np.array_equal(np.isfinite(sc), np.isfinite(N).any(axis=1))
    lv = s.table["level"].to_numpy()
    assert ((lv >= 1) & (lv <= 5) | ~np.isfinite(sc)).all()
    assert (lv[~np.isfinite(sc)] == 0).all()
    cov = s.table["coverage"].to_numpy()
    assert ((cov >= -EPS) & (cov <= 1 + EPS)).all()


@PROPS
@given(data=matrices(REAL), norm=st.sampled_from(NORMS), agg=st.sampled_from(AGGS))
def test_contributions_add_up_to_the_score(data, norm, agg):
    raw, ns = data
    s = score(raw, ns, REAL, {"normalisation": norm, "aggregation": agg})
    sc = np.nan_to_num(s.table["score"].to_numpy())
    # exact under arithmetic; rescaled to the score under geometric
    assert np.allclose(s.contributions.sum(axis=1), sc, atol=1e-9)
    assert (s.contributions >= -EPS).all()
    assert (s.contributions[np.isnan(s.normalised)] == 0).all()


@PROPS
@given(data=matrices(SMALL, max_states=8), doc=profiles(SMALL, agg="arithmetic"))
def test_contributions_are_weight_times_value_under_arithmetic(data, doc):
    raw, ns = data
    s = score(raw, ns, SMALL, doc)
    full = np.isfinite(raw).all(axis=1) & np.isfinite(s.normalised).all(axis=1)
    w = s.profile.effective_weights(SMALL)
    assert np.allclose(s.contributions[full], s.normalised[full] * w[None, :], atol=1e-9)


# --- invariances -------------------------------------------------------------------------------

@PROPS
@given(data=matrices(SMALL), doc=profiles(SMALL), c_p=st.floats(0.01, 1000), c_i=st.floats(0.01, 1000))
def test_scaling_every_weight_changes_nothing(data, doc, c_p, c_i):
    raw, ns = data
    scaled = dict(doc, pillars={k: v * c_p for k, v in doc["pillars"].items()},
                  indicators={k: v * c_i for k, v in doc["indicators"].items()})
    a = score(raw, ns, SMALL, doc).table
    b = score(raw, ns, SMALL, scaled).table
    assert np.allclose(a["score"], b["score"], rtol=1e-9, atol=1e-9, equal_nan=True)
    assert a["level"].tolist() == b["level"].tolist()


@PROPS
@given(data=matrices(REAL), norm=st.sampled_from(NORMS), agg=st.sampled_from(AGGS), seed=st.integers(0, 2**32 - 1))
def test_the_order_of_regions_changes_nothing(data, norm, agg, seed):
    raw, ns = data
    doc = {"normalisation": norm, "aggregation": agg}
    m = make_matrix(raw, REAL, ns)
    perm = np.random.default_rng(seed).permutation(len(raw))
    mp = make_matrix(raw[perm], REAL, regions=m.regions.iloc[perm].reset_index(drop=True))
    prof = profile_from_dict(doc, REAL)
    a = scores.score(scores.prepare(m, REAL), prof, REAL).table.set_index("region_id")
    b = scores.score(scores.prepare(mp, REAL), prof, REAL).table.set_index("region_id").loc[a.index]
    assert np.allclose(a["score"], b["score"], rtol=1e-12, atol=1e-12, equal_nan=True)
    assert np.array_equal(a["rank"].to_numpy(), b["rank"].to_numpy(), equal_nan=True)
    assert a["level"].tolist() == b["level"].tolist()


# --- monotonicity and direction ----------------------------------------------------------------

@PROPS
@given(data=matrices(REAL, gaps=False), norm=st.sampled_from(NORMS), agg=st.sampled_from(AGGS),
       pair=st.tuples(st.integers(0, 100), st.integers(0, 100)),
       delta=hnp.arrays(float, len(REAL.ids), elements=st.floats(0, 100)))
def test_more_of_every_harmful_indicator_never_ranks_lower(data, norm, agg, pair, delta):
    raw, ns = data
    i, j = pair[0] % ns, pair[1] % ns
    assume(i != j)
    assert all(ind.direction == 1 for ind in REAL.indicators)   # every shipped indicator is harmful
    raw = raw.copy()
    raw[i] = raw[j] + delta
    t = score(raw, ns, REAL, {"normalisation": norm, "aggregation": agg}).table
    assert t["score"].iat[i] >= t["score"].iat[j] - EPS
    assert t["rank"].iat[i] <= t["rank"].iat[j]


@PROPS
@given(data=matrices(SMALL, gaps=False), k=st.integers(0, len(SMALL.ids) - 1), norm=st.sampled_from(NORMS))
def test_reversing_direction_mirrors_the_normalised_value(data, k, norm):
    raw, ns = data
    flipped = flip_direction(SMALL.ids[k])
    m = make_matrix(raw, SMALL, ns)
    a = scores.prepare(m, SMALL).normalised(norm)
    b = scores.prepare(m, flipped).normalised(norm)
    assert np.allclose(b[:, k], 10 - a[:, k], equal_nan=True)
    others = [c for c in range(len(SMALL.ids)) if c != k]
    assert np.allclose(b[:, others], a[:, others], equal_nan=True)


@PROPS
@given(data=matrices(SMALL, gaps=False), k=st.integers(0, len(SMALL.ids) - 1), i=st.integers(0, 100),
       delta=st.floats(0.001, 500), doc=profiles(SMALL))
def test_raising_an_indicator_moves_the_score_with_its_direction(data, k, i, delta, doc):
    """Raise state i's raw value of indicator k: its score must not fall if k is harmful
    (direction 1), and must not rise once k's direction is reversed. The state is part of the
    reference the normalisation is fitted on, so this checks the refit too."""
    raw, ns = data
    i %= ns
    up = raw.copy()
    up[i, k] += delta
    for reg in (SMALL, flip_direction(SMALL.ids[k])):
        before = score(raw, ns, reg, doc).table["score"].iat[i]
        after = score(up, ns, reg, doc).table["score"].iat[i]
        if reg.indicators[k].direction == 1:
            assert after >= before - EPS
        else:
            assert after <= before + EPS


@PROPS
@given(data=matrices(SMALL, gaps=False, max_corridors=0), i=st.integers(0, 100), k=st.integers(0, 3),
       doc=profiles(SMALL))
def test_a_missing_value_is_dropped_not_zero(data, i, k, doc):
    raw, ns = data
    i %= ns
    gap = raw.copy()
    gap[i, k] = np.nan
    s = score(gap, ns, SMALL, doc)
    t = s.table
    assert np.isfinite(t["score"].iat[i])
    assert t["coverage"].iat[i] < 1
    assert s.contributions[i, k] == 0
    # the same as giving that indicator no weight: the rest of its pillar takes its share
    no_k = dict(doc, indicators=dict(doc["indicators"], **{SMALL.ids[k]: 0.0}))
    assert t["score"].iat[i] == pytest.approx(score(gap, ns, SMALL, no_k).table["score"].iat[i], abs=1e-9)
    # ... and never below what counting the gap as a zero (no risk at all) would give
    N0 = s.normalised.copy()
    N0[i, k] = 0.0
    as_zero = scores.aggregate_scores(N0, SMALL, s.profile)[1][i]
    assert t["score"].iat[i] >= as_zero - 1e-9


# --- function and class agree ------------------------------------------------------------------

@PROPS
@given(data=matrices(REAL), norm=st.sampled_from(NORMS), agg=st.sampled_from(AGGS))
def test_monte_carlo_scorer_agrees_with_the_engine(data, norm, agg):
    raw, ns = data
    prof = profile_from_dict({"normalisation": norm, "aggregation": agg}, REAL)
    prep = scores.prepare(make_matrix(raw, REAL, ns), REAL)
    s = scores.score(prep, prof, REAL)
    pidx, within, pw = scores._pillar_structure(REAL, prof)
    v = uncertainty._vector_scores(s.normalised, pidx, pw[None, :], within[None, :], agg)[0]
    assert np.allclose(v, s.table["score"].to_numpy(), atol=1e-9, equal_nan=True)
