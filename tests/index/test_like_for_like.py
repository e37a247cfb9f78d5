"""The "change since" of a score compares like with like (indicators with data at both dates)."""

from __future__ import annotations

import numpy as np

from scoring.index.registry import load_registry
from scoring.index.scores import aggregate_scores, like_for_like_change
from scoring.index.weights import load_profile


def test_an_indicator_that_gained_data_is_not_a_change_in_risk():
    reg, prof = load_registry(), load_profile("analyst")
    k = len(reg.indicators)
    then = np.full((1, k), 4.0)
    now = then.copy()
    j = reg.ids.index("missing_persons")
    then[0, j] = np.nan            # the register was not published yet
    now[0, j] = 10.0               # now it is, and high
    naive = aggregate_scores(now, reg, prof)[1] - aggregate_scores(then, reg, prof)[1]
    assert naive[0] > 0.1                                   # the naive difference reads as more risk
    assert like_for_like_change(now, then, reg, prof)[0] == 0.0   # like for like: nothing moved


def test_a_real_rise_still_shows():
    reg, prof = load_registry(), load_profile("analyst")
    k = len(reg.indicators)
    then = np.full((1, k), 4.0)
    now = then.copy()
    now[0, reg.ids.index("homicide_rate")] = 9.0
    assert like_for_like_change(now, then, reg, prof)[0] > 0.1
