"""What changed since a date (scoring.index.changes), as the What changed page reads it: the
columns it uses, level changes, movers per region type and spikes with their reasons."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from scoring.index.changes import REGION_COLUMNS, SPIKE_COLUMNS, Changes, changes
from scoring.index.model import RiskModel
from scoring.index.weights import load_profile


@pytest.fixture(scope="module")
def result(store) -> Changes:
    return changes(RiskModel(store), load_profile("analyst"), None, dt.date(2026, 1, 31))


def test_changes_frames_have_the_documented_columns(result):
    page_needs = {"region_type", "name", "score_before", "score_after", "change", "level_before", "level_after",
                  "rank_after", "driver", "driver_change"}
    assert page_needs <= set(REGION_COLUMNS)
    assert list(result.level_changes.columns) == REGION_COLUMNS
    assert list(result.movers.columns) == REGION_COLUMNS
    assert list(result.spikes.columns) == SPIKE_COLUMNS
    assert result.since == dt.date(2026, 1, 31) and result.as_of > result.since


def test_level_changes_are_exactly_the_regions_whose_level_moved(result):
    lc = result.level_changes
    assert len(lc) > 0
    assert (lc["level_before"] != lc["level_after"]).all()
    for kind, g in lc.groupby("region_type", sort=False):
        steps = (g["level_after"] - g["level_before"]).tolist()
        assert steps == sorted(steps, reverse=True), kind      # biggest rises first, per kind


def test_movers_are_the_biggest_score_changes_with_reasons_in_words(result):
    mv = result.movers
    assert len(mv) > 0
    for kind, g in mv.groupby("region_type", sort=False):
        moves = g["change"].abs().tolist()
        assert len(g) <= 10 and moves == sorted(moves, reverse=True) and min(moves) >= 0.05, kind
    for r in mv.itertuples(index=False):
        assert r.reason and r.reason[0].isupper()
        assert pd.isna(r.rank_after) or float(r.rank_after).is_integer()
        if isinstance(r.driver, str):
            assert abs(r.driver_change) >= 0.01


def test_spikes_fall_after_the_date_and_say_why(result):
    sp = result.spikes
    assert (sp["month"] > pd.Timestamp(result.since)).all()
    assert all("robust z" in t for t in sp["reason"])
    assert sp["z"].tolist() == sorted(sp["z"].tolist(), reverse=True)
