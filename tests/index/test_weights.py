"""Weight profiles (scoring/weights.py): every shipped profile is valid; bad files are refused."""

from __future__ import annotations

import math

import numpy as np
import pytest

from scoring import paths
from scoring.errors import OptionError
from scoring.index.levels import (
    DEFAULT_THRESHOLDS,
    LEVEL_MEANINGS,
    LEVEL_NAMES,
    NO_DATA,
    level_name,
    level_of,
)
from scoring.index.registry import load_registry
from scoring.index.weights import (
    load_profile,
    load_weights_file,
    profile_from_dict,
    profile_names,
)

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

REG = load_registry()


def test_the_four_profiles_are_shipped():
    assert {"analyst", "investor", "security", "traveler"} <= set(profile_names())


@pytest.mark.parametrize("name", profile_names())
def test_profile_validates_and_weights_sum_to_one(name):
    p = load_profile(name)
    assert p.name == name
    assert p.description
    assert set(p.pillar_weights) == set(REG.pillar_ids)
    assert math.isclose(sum(p.pillar_weights.values()), 1.0)
    assert all(v >= 0 for v in p.pillar_weights.values())
    assert set(p.indicator_weights) == set(REG.ids)
    w = p.effective_weights(REG)
    assert (w >= 0).all()
    assert w.sum() == pytest.approx(1.0)
    # within each pillar the effective weights add up to the pillar's weight
    for pid, pw in p.pillar_weights.items():
        idx = [k for k, i in enumerate(REG.indicators) if i.pillar == pid]
        assert w[idx].sum() == pytest.approx(pw)


@pytest.mark.parametrize("name", profile_names())
def test_profile_round_trips_through_yaml(name, tmp_path):
    p = load_profile(name)
    f = tmp_path / "p.yml"
    f.write_text(p.to_yaml(), encoding="utf-8")
    q = load_weights_file(f)
    assert np.allclose(q.effective_weights(REG), p.effective_weights(REG))
    assert (q.normalisation, q.aggregation, q.thresholds) == (p.normalisation, p.aggregation, p.thresholds)


def test_profiles_differ_from_each_other():
    ws = {n: tuple(np.round(load_profile(n).effective_weights(REG), 6)) for n in profile_names()}
    assert len(set(ws.values())) == len(ws)


def test_unknown_profile_lists_the_choices():
    with pytest.raises(OptionError, match="unknown profile 'tourist'.*analyst"):
        load_profile("tourist")


def test_partial_pillars_give_the_others_zero():
    p = profile_from_dict({"pillars": {"lethal": 2, "organised": 2}})
    assert p.pillar_weights["lethal"] == 0.5 and p.pillar_weights["mobility"] == 0.0


def test_no_pillars_means_equal_pillars():
    p = profile_from_dict({})
    assert all(v == pytest.approx(1 / len(REG.pillar_ids)) for v in p.pillar_weights.values())


BAD_FILES = {
    "negative": ("pillars: {lethal: -1, organised: 2}\n", "weight of 'lethal' must not be negative"),
    "nan": ("pillars: {lethal: .nan, organised: 2}\n", "weight of 'lethal' must be finite"),
    "inf": ("indicators: {homicide_rate: .inf}\n", "weight of 'homicide_rate' must be finite"),
    "minus_inf": ("pillars: {lethal: -.inf}\n", "weight of 'lethal' must be finite"),
    "text_weight": ("pillars: {lethal: high}\n", "weight of 'lethal' must be a number"),
    "bool_weight": ("pillars: {lethal: yes}\n", "weight of 'lethal' must be a number"),
    "all_zero_pillars": ("pillars: {lethal: 0, organised: 0}\n", "all pillar weights are zero"),
    "pillar_all_zero_indicators": (
        "pillars: {state: 1}\nindicators: {attacks_on_state: 0}\n", "pillar 'state' has weight 1.00 but all its"),
    "unknown_indicator": ("indicators: {murder_rate: 2}\n", "unknown indicator 'murder_rate'"),
    "unknown_pillar": ("pillars: {violence: 2}\n", "unknown pillar 'violence'"),
    "unknown_key": ("pillars: {lethal: 1}\nweigths: {}\n", r"unknown key\(s\) \['weigths'\]"),
    "pillars_not_mapping": ("pillars: [lethal, organised]\n", "'pillars' must be a mapping"),
    "not_a_mapping": ("- lethal\n- organised\n", "must be a mapping"),
    "empty_file": ("", "must be a mapping"),
    "bad_yaml": ("pillars: {lethal: 1\n", "cannot be read as YAML"),
    "bad_normalisation": ("normalisation: softmax\n", "'normalisation' must be one of"),
    "list_normalisation": ("normalisation: [minmax]\n", "'normalisation' must be one of"),
    "bad_aggregation": ("aggregation: harmonic\n", "'aggregation' must be one of"),
    "thresholds_decreasing": ("thresholds: [5, 4, 3, 2]\n", "'thresholds' must be 4 increasing"),
    "thresholds_three": ("thresholds: [1, 2, 3]\n", "'thresholds' must be 4 increasing"),
    "thresholds_too_high": ("thresholds: [1, 2, 3, 10]\n", "'thresholds' must be 4 increasing"),
    "thresholds_zero": ("thresholds: [0, 2, 3, 4]\n", "'thresholds' must be 4 increasing"),
    "thresholds_repeated": ("thresholds: [1, 2, 2, 4]\n", "'thresholds' must be 4 increasing"),
    "thresholds_nan": ("thresholds: [1, 2, .nan, 4]\n", "'thresholds' must be 4 increasing"),
    "thresholds_text": ("thresholds: [1, 2, three, 4]\n", "'thresholds' must be 4 increasing"),
    "thresholds_string": ("thresholds: '1,2,3,4'\n", "'thresholds' must be 4 increasing"),
    "thresholds_number": ("thresholds: 3\n", "'thresholds' must be 4 increasing"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_weights_file_raises_option_error(case, tmp_path):
    text, message = BAD_FILES[case]
    f = tmp_path / f"{case}.yml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(OptionError, match=message) as exc:
        load_weights_file(f)
    assert f.name in str(exc.value)   # the message says which file


def test_missing_weights_file():
    with pytest.raises(OptionError, match="no such weights file"):
        load_weights_file(paths.ROOT / "no-such-weights.yml")


def test_level_of_thresholds_and_missing():
    s = np.array([0.0, 1.5, 1.49, 3.2, 4.5, 9.9, np.nan])
    # cut-offs 1.5, 3, 4, 5: a score equal to a cut-off is in the level above
    assert level_of(s, (1.5, 3.0, 4.0, 5.0)).tolist() == [1, 2, 1, 3, 4, 5, 0]


@pytest.mark.parametrize("thresholds", [DEFAULT_THRESHOLDS, (1, 6.1, 7, 7.5), (0.5, 1, 9, 9.9)])
def test_every_named_level_is_reached_once_in_score_order(thresholds):
    """Scores 0..10 pass through every level 1..5 in order, each cut-off starting the next level,
    and every level reached has a name and a meaning (no level without words, none unreachable)."""
    grid = np.round(np.linspace(0, 10, 10001), 6)
    lv = level_of(grid, thresholds)
    assert (np.diff(lv) >= 0).all()
    assert sorted(set(lv.tolist())) == list(range(1, len(LEVEL_NAMES) + 1))
    starts = [grid[np.argmax(lv == k)] for k in range(2, len(LEVEL_NAMES) + 1)]
    assert starts == pytest.approx(list(thresholds))
    assert [level_name(k) for k in range(1, len(LEVEL_NAMES) + 1)] == list(LEVEL_NAMES)
    assert set(LEVEL_MEANINGS) == set(lv.tolist())
    assert level_name(level_of(np.nan)) == NO_DATA


def test_level_of_ignores_floating_point_noise_at_a_cut_off():
    # 5 computed as 4.999999999999999 (e.g. after rescaling weights) is still level 5
    assert level_of(np.array([4.999999999999999, 5.000000000000001]), (1.5, 3.0, 4.0, 5.0)).tolist() == [5, 5]
