"""Data-quality flags (scoring/load/quality.py) on a small hand-made official_stats table."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from support.datahelpers import add_stat, fresh_con

from scoring.index import queries
from scoring.index.queries import ConQuery
from scoring.load import quality


@pytest.fixture
def con():
    c = fresh_con()
    # 01: a big state (about 100 crimes a month) that reports nothing in May
    for month in range(1, 13):
        add_stat(c, "victims", "01", 2022, month, "homicide", 0 if month == 5 else 60)
        add_stat(c, "victims", "01", 2022, month, "extortion", 0 if month == 5 else 40)
    # 02: homicide averages about 11 a month, but March shows 0 while extortion still reports
    for month in range(1, 13):
        add_stat(c, "victims", "02", 2022, month, "homicide", 0 if month == 3 else 12)
        add_stat(c, "victims", "02", 2022, month, "extortion", 5)
    # 03: a small state where zero months are plausible (median total under the gap threshold,
    # homicide mean under the suspect-zero threshold)
    for month in range(1, 13):
        add_stat(c, "victims", "03", 2022, month, "homicide", 0 if month % 3 == 0 else 2)
        add_stat(c, "victims", "03", 2022, month, "extortion", 0 if month % 3 == 0 else 1)
    yield c
    c.close()


def _flags(con, flag):
    return sorted(con.execute("SELECT dataset, state_code, year, month FROM data_quality WHERE flag = ?",
                              [flag]).fetchall())


def test_an_all_zero_month_in_a_busy_state_is_a_reporting_gap(con):
    quality.flag_all(con)
    assert _flags(con, "reporting_gap") == [("victims", "01", 2022, 5)]
    note = con.execute("SELECT note FROM data_quality WHERE flag = 'reporting_gap'").fetchall()[0][0]
    assert "median month has 100" in note


def test_a_homicide_zero_in_a_violent_year_is_a_suspect_zero_but_not_twice(con):
    quality.flag_all(con)
    # 02 March only: 01 May is already a reporting gap, 03's zeros are plausible
    assert _flags(con, "suspect_zero") == [("victims", "02", 2022, 3)]


def test_thresholds_decide(con, monkeypatch):
    monkeypatch.setattr(quality, "GAP_MEDIAN_MIN", 10)       # 03's median month (3) is still under it
    monkeypatch.setattr(quality, "HOMICIDE_MEAN_MIN", 1.0)   # 03's homicide mean (4/3) is now above it
    quality.flag_all(con)
    assert _flags(con, "reporting_gap") == [("victims", "01", 2022, 5)]
    assert _flags(con, "suspect_zero") == [("victims", "02", 2022, 3)] + [
        ("victims", "03", 2022, m) for m in (3, 6, 9, 12)]


def test_flag_all_replaces_earlier_flags_and_adds_the_static_notes(con):
    con.execute("INSERT INTO data_quality VALUES ('victims', '09', 2000, 1, 'reporting_gap', 'stale')")
    n = quality.flag_all(con)
    assert ("victims", "09", 2000, 1) not in _flags(con, "reporting_gap")
    assert n == con.execute("SELECT count(*) FROM data_quality").fetchall()[0][0]
    assert _flags(con, "backfill") == []                     # no 2015-2017 rows here
    assert {r[0] for r in con.execute("SELECT flag FROM data_quality WHERE state_code IS NULL").fetchall()} == {
        "undercount", "unit"}


def test_scoring_reads_the_flags_as_missing(con):
    quality.flag_all(con)
    df = queries.official_months(ConQuery(con), dt.date(2021, 12, 31), dt.date(2022, 12, 31))
    v = df.set_index(["state_code", "series", "month"])["v"]
    assert pd.isna(v[("01", "homicide", 5)]) and pd.isna(v[("01", "extortion", 5)])
    assert pd.isna(v[("02", "homicide", 3)]) and v[("02", "extortion", 3)] == 5
    assert v[("03", "homicide", 3)] == 0        # a plausible zero stays zero
