"""Plain-words explanations (scoring/explain.py), on the golden example (tests/support/golden.py)."""

from __future__ import annotations

import numpy as np
import pytest
from support.golden import GOLDEN_PROFILE, GOLDEN_RAW, GOLDEN_REG
from support.scoring_synth import make_matrix

from scoring.index import explain, scores
from scoring.index.weights import profile_from_dict

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")


@pytest.fixture(scope="module")
def golden():
    m = make_matrix(GOLDEN_RAW, GOLDEN_REG, n_states=4)
    s = scores.score(scores.prepare(m, GOLDEN_REG), profile_from_dict(GOLDEN_PROFILE, GOLDEN_REG), GOLDEN_REG)
    return m, s


def test_drivers_are_the_largest_contributions_in_order(golden):
    m, s = golden
    # state A: z adds 4 points, y 2.25, x nothing (so x is not a driver)
    d = explain.drivers(0, s, m, GOLDEN_REG)
    assert len(d) == 2
    assert d[0].startswith("Z: 1.00 u") and "(+4.00 points)" in d[0]
    assert "4th highest of 4" in d[0]           # z raw 1 is the lowest of the four states
    assert d[1].startswith("Y: 4.00 u") and "(+2.25 points)" in d[1]


def test_corridor_drivers_rank_among_corridors(golden):
    m, s = golden
    d = explain.drivers(4, s, m, GOLDEN_REG)   # corridor E
    assert all("of 2" in x for x in d)


def _change_text(now, before, i: int = 0) -> str:
    d, parts = scores.like_for_like(now.normalised, before.normalised, GOLDEN_REG, now.profile)
    return explain.changes(d[i], parts[i], GOLDEN_REG)


def test_changes_names_the_movers(golden):
    _m, s = golden
    raw = np.array(GOLDEN_RAW, float)
    raw[0, 1] = 6.0           # A's y rises to the states' top: 5 -> 10 normalised, +2.25 points
    m2 = make_matrix(raw, GOLDEN_REG, n_states=4)
    s2 = scores.score(scores.prepare(m2, GOLDEN_REG), s.profile, GOLDEN_REG)
    text = _change_text(s2, s)
    assert text.startswith("Score up")
    assert "Y +" in text
    assert _change_text(s, s).startswith("Little change (+0.00)")


def test_an_indicator_that_gained_data_is_not_named_as_a_mover(golden):
    # z had no data before and adds 4 points now: that is new data, not a change in risk, so the
    # sentence neither counts it nor names it (like the change column, scores.like_for_like)
    _m, s = golden
    raw = np.array(GOLDEN_RAW, float)
    raw[0, 2] = np.nan
    m0 = make_matrix(raw, GOLDEN_REG, n_states=4)
    s0 = scores.score(scores.prepare(m0, GOLDEN_REG), s.profile, GOLDEN_REG)
    assert abs(s.table["score"].iat[0] - s0.table["score"].iat[0]) >= 0.05     # the raw scores did move
    text = _change_text(s, s0)
    assert "Z " not in text and text.startswith("Little change")


def test_summary_reads_well():
    text = explain.summary("Colima", 5.64, "Extreme", 1.0, 32, ["Homicide victims: 98 (+1.2 points)"],
                           "Score up 0.30.", 0.8)
    assert text.startswith("Colima is at level Extreme (5.6/10), ranked 1st of 32.")
    assert "The main driver is homicide victims." in text
    assert "Data cover 80% of the weighted indicators." in text
    assert explain.summary("X", float("nan"), "No data", float("nan"), 32, [], "", 0.0).endswith("too little data for this period.")


@pytest.mark.parametrize("n, word", [(1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"), (11, "11th"), (12, "12th"),
                                     (13, "13th"), (21, "21st"), (22, "22nd"), (32, "32nd")])
def test_ordinals(n, word):
    assert explain._ordinal(n) == word
