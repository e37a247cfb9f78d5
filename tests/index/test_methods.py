"""Normalisers and aggregators (scoring/methods.py): hand-worked values and properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from scoring.index import methods

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

def col(*v):
    """A one-column matrix."""
    return np.array(v, float)[:, None]


# --- normalisers: values worked out by hand ---------------------------------------------------

def test_minmax_maps_lowest_to_0_and_highest_to_10():
    # lo 2, hi 6, span 4: 2 -> 0, 4 -> 5, 6 -> 10
    out = methods.normalise(col(2, 4, 6), col(2, 4, 6), "minmax")
    assert out[:, 0].tolist() == [0.0, 5.0, 10.0]


def test_minmax_clips_values_outside_the_reference():
    # a corridor beyond the states' range is clipped, not extrapolated
    out = methods.normalise(col(0, 8), col(2, 4, 6), "minmax")
    assert out[:, 0].tolist() == [0.0, 10.0]


def test_minmax_constant_column_scores_zero():
    out = methods.normalise(col(3, 3, 3), col(3, 3, 3), "minmax")
    assert out[:, 0].tolist() == [0.0, 0.0, 0.0]


def test_rank_uses_mid_ranks_for_ties():
    # sorted ref 1,2,2,5 (n=4, scale n-1=3): 1 -> pos 0 -> 0; 2 -> (1+3-1)/2=1.5 -> 5; 5 -> pos 3 -> 10
    out = methods.normalise(col(1, 2, 5), col(1, 2, 2, 5), "rank")
    assert out[:, 0] == pytest.approx([0.0, 5.0, 10.0])


def test_zscore_caps_at_three_standard_deviations():
    # ref 0, 10: mean 5, sd 5. 0 -> z -1 -> (2/6)*10; 10 -> z 1 -> (4/6)*10; 100 -> z 19 capped 3 -> 10
    out = methods.normalise(col(0, 10, 100), col(0, 10), "zscore")
    assert out[:, 0] == pytest.approx([10 / 3, 20 / 3, 10.0])


def test_log_minmax_is_minmax_of_log1p():
    # log1p of 0, e-1, e^2-1 is 0, 1, 2 -> 0, 5, 10
    x = col(0, math.e - 1, math.e ** 2 - 1)
    assert methods.normalise(x, x, "log_minmax")[:, 0] == pytest.approx([0.0, 5.0, 10.0])


@pytest.mark.parametrize("method", sorted(methods.NORMALISERS))
def test_normalise_keeps_nan_as_nan(method):
    x = col(1, np.nan, 5, 3)
    out = methods.normalise(x, x, method)
    assert np.isnan(out[1, 0])
    assert np.isfinite(out[[0, 2, 3], 0]).all()


@pytest.mark.parametrize("method", sorted(methods.NORMALISERS))
def test_normalise_all_nan_column_stays_nan(method):
    x = np.array([[np.nan, 1.0], [np.nan, 2.0]])
    out = methods.normalise(x, x, method)
    assert np.isnan(out[:, 0]).all()
    assert np.isfinite(out[:, 1]).all()


def test_normalise_unknown_method_names_the_choices():
    with pytest.raises(ValueError, match="normalisation.*minmax"):
        methods.normalise(col(1, 2), col(1, 2), "softmax")


# --- aggregators ------------------------------------------------------------------------------

def test_arithmetic_weighted_mean():
    # 0.25 * 2 + 0.75 * 8 = 6.5
    assert methods.aggregate(np.array([[2.0, 8.0]]), np.array([[0.25, 0.75]]), "arithmetic")[0] == pytest.approx(6.5)


def test_arithmetic_drops_missing_and_rescales():
    # the NaN's weight is dropped; the 8 gets all the weight (not 0.75 * 8 = 6)
    out = methods.aggregate(np.array([[np.nan, 8.0]]), np.array([[0.25, 0.75]]), "arithmetic")
    assert out[0] == pytest.approx(8.0)


@pytest.mark.parametrize("method", sorted(methods.AGGREGATORS))
def test_aggregate_all_missing_is_nan(method):
    out = methods.aggregate(np.array([[np.nan, np.nan]]), np.array([[0.5, 0.5]]), method)
    assert np.isnan(out[0])


def test_geometric_zero_does_not_wipe_out_the_rest():
    # shifted scale: expm1(0.5 log 1 + 0.5 log 11) = sqrt(11) - 1
    out = methods.aggregate(np.array([[0.0, 10.0]]), np.array([[0.5, 0.5]]), "geometric")
    assert out[0] == pytest.approx(math.sqrt(11) - 1)


def test_aggregate_unknown_method_names_the_choices():
    with pytest.raises(ValueError, match="aggregation.*arithmetic"):
        methods.aggregate(np.ones((1, 2)), np.ones((1, 2)) / 2, "harmonic")


# --- properties -------------------------------------------------------------------------------

values = st.one_of(st.floats(0, 1e4, allow_nan=False), st.sampled_from([0.0, 1.0, 5.0, np.nan]))


@settings(max_examples=60, deadline=None)
@given(x=hnp.arrays(float, st.tuples(st.integers(1, 12), st.integers(1, 4)), elements=values),
       method=st.sampled_from(sorted(methods.NORMALISERS)))
def test_normalised_values_stay_within_0_10_and_nan_stays_nan(x, method):
    out = methods.normalise(x, x, method)
    assert np.array_equal(np.isnan(out), np.isnan(x))
    fin = out[np.isfinite(out)]
    assert ((fin >= 0) & (fin <= 10)).all()


@settings(max_examples=60, deadline=None)
@given(x=hnp.arrays(float, st.tuples(st.integers(2, 12), st.just(1)), elements=st.floats(0, 1e4)),
       method=st.sampled_from(sorted(methods.NORMALISERS)))
def test_normalisers_preserve_order(x, method):
    out = methods.normalise(x, x, method)[:, 0]
    order = np.argsort(x[:, 0], kind="stable")
    assert (np.diff(out[order]) >= -1e-9).all()


@settings(max_examples=60, deadline=None)
@given(s=hnp.arrays(float, st.tuples(st.integers(1, 6), st.integers(1, 5)),
                    elements=st.one_of(st.floats(0, 10), st.just(np.nan))),
       w=st.lists(st.floats(0.01, 10), min_size=5, max_size=5), c=st.floats(0.01, 100))
def test_aggregators_are_means(s, w, c):
    w = np.broadcast_to(np.array(w[: s.shape[1]]), s.shape)
    ar = methods.aggregate(s, w, "arithmetic")
    ge = methods.aggregate(s, w, "geometric")
    for i in range(s.shape[0]):
        avail = s[i][np.isfinite(s[i])]
        if avail.size == 0:
            assert np.isnan(ar[i]) and np.isnan(ge[i])
            continue
        # between the smallest and largest available value; geometric <= arithmetic (AM-GM)
        assert avail.min() - 1e-9 <= ge[i] <= ar[i] + 1e-9 <= avail.max() + 2e-9
    # scaling every weight by a constant changes nothing
    assert np.allclose(methods.aggregate(s, w * c, "arithmetic"), ar, equal_nan=True)
    assert np.allclose(methods.aggregate(s, w * c, "geometric"), ge, equal_nan=True)
