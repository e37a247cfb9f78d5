"""Read-outs of scores (scoring/index/report.py) and the CLI subcommands built on them:
gap decomposition, rank moves, quarterly history, monthly trend with the missing-month rule,
a region's indicators, armed groups, top drivers."""

from __future__ import annotations

import dataclasses
import datetime as dt
import types

import duckdb
import numpy as np
import pandas as pd
import pytest

from scoring import cli
from scoring.db.store import Store
from scoring.errors import OptionError
from scoring.index import queries, report
from scoring.index.matrix import TimeOptions, per_100k_year
from scoring.index.model import RiskModel
from scoring.index.weights import load_profile, profile_from_dict

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

PAIRS = [("11", "12"), ("12", "11"), ("16", "03"), ("11", "bajio-industrial-fed45")]


@pytest.fixture(scope="module")
def model(store):
    return RiskModel(store)


def _profile(aggregation: str):
    base = load_profile("analyst")
    return profile_from_dict({"name": f"analyst-{aggregation}", "description": base.description,
                              "pillars": base.pillar_weights, "indicators": base.indicator_weights,
                              "normalisation": base.normalisation, "aggregation": aggregation,
                              "thresholds": list(base.thresholds)})


@pytest.fixture(scope="module")
def res(model):
    return model.run(_profile("arithmetic"), uncertainty=False)


# --- gap ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("a, b", PAIRS)
def test_gap_parts_sum_to_the_score_gap_under_arithmetic_aggregation(res, a, b):
    g = report.gap(res, a, b)
    scores = res.table.set_index("region_id")["score"]
    assert g.gap == pytest.approx(scores[a] - scores[b], abs=1e-12)
    assert g.parts["difference"].sum() == pytest.approx(g.gap, abs=1e-9)
    assert g.parts["points_a"].sum() == pytest.approx(scores[a], abs=1e-9)
    assert len(g.parts) == res.scores.contributions.shape[1]


def test_gap_parts_sum_to_the_score_gap_under_geometric_aggregation_too(model):
    res = model.run(_profile("geometric"), uncertainty=False, explain=False)
    for a, b in PAIRS:
        g = report.gap(res, a, b)
        assert g.parts["difference"].sum() == pytest.approx(g.gap, abs=1e-9)


def test_gap_is_ordered_by_size_and_antisymmetric(res):
    g = report.gap(res, "11", "12")
    sizes = g.parts["difference"].abs().to_numpy()
    assert (np.diff(sizes) <= 1e-12).all()
    back = report.gap(res, "12", "11").parts.set_index("indicator")["difference"]
    assert np.allclose(g.parts.set_index("indicator")["difference"], -back.reindex(g.parts["indicator"]))
    assert list(g.largest(3)["indicator"]) == list(g.parts["indicator"][:3])


def test_gap_of_an_unknown_region_is_refused(res):
    with pytest.raises(OptionError):
        report.gap(res, "11", "99")


# --- rank moves -----------------------------------------------------------------------------------

def _table(ranks: dict, kind="state") -> pd.DataFrame:
    ids = list(ranks)
    return pd.DataFrame({"region_id": ids, "region_type": kind, "name": [f"N{i}" for i in ids],
                         "rank": [float(ranks[i]) for i in ids], "score": [10.0 - ranks[i] for i in ids],
                         "level_name": "High"})


def test_rank_moves_counts_places_up_as_positive():
    before = pd.concat([_table({"a": 1, "b": 2, "c": 3, "d": 4}), _table({"x": 1}, "corridor")])
    after = pd.concat([_table({"a": 3, "b": 1, "c": 2, "d": 4}), _table({"x": 1}, "corridor")])
    m = report.rank_moves(before, after)
    assert list(m["region_id"]) == ["b", "c", "a", "d"]          # best rank first, states only
    assert list(m["moved"]) == [1.0, 1.0, -2.0, 0.0]
    assert list(m["rank_before"]) == [2.0, 3.0, 1.0, 4.0]
    assert report.moves_summary(m) == "3 of 4 states changed rank; the largest move is 2 places."


def test_rank_moves_against_itself_are_zero(res):
    m = report.rank_moves(res.table, res.table)
    assert len(m) == 32 and (m["moved"] == 0).all()
    assert report.moves_summary(m).startswith("0 of 32 states changed rank")


def test_rank_moves_between_profiles_match_the_tables(model, res):
    other = model.run(load_profile("traveler"), uncertainty=False, explain=False)
    m = report.rank_moves(res.table, other.table).set_index("region_id")
    r0 = res.table.set_index("region_id")["rank"]
    r1 = other.table.set_index("region_id")["rank"]
    for rid in m.index:
        assert m.at[rid, "moved"] == r0[rid] - r1[rid]


def test_rank_ranges_keeps_one_region_type_with_its_ranges(model):
    res = model.run(load_profile("analyst"), uncertainty=True, mc_draws=50, boot_draws=10, explain=False)
    out = report.rank_ranges(res, res.rank_stats, "state")
    assert len(out) == 32 and (out["region_type"] == "state").all()
    assert (out["rank_low"] <= out["rank_high"]).all()
    assert np.allclose(out["rank_low"], res.table.loc[out.index, "rank_low"])


# --- one region -----------------------------------------------------------------------------------

def test_indicator_table_points_sum_to_the_score(res):
    t = report.indicator_table(res, "11")
    assert list(t.columns[:8]) == ["indicator", "indicator_name", "pillar", "raw", "normalised", "weight", "points",
                                   "coverage"]
    assert {"basis", "data_end", "source"} <= set(t.columns)
    assert t["points"].sum() == pytest.approx(res.table.set_index("region_id").at["11", "score"], abs=1e-9)
    assert t["basis"].notna().all()


def test_armed_groups_are_the_names_of_the_detail():
    detail = pd.DataFrame({"region_id": ["1", "2", "3", "5"], "indicator": ["armed_groups"] * 4,
                           "value": [2.0, 0.0, 0.0, np.nan],
                           "basis": ["CJNG; Sinaloa Cartel", "none named", None, "no event source covers the window"]})
    fake = types.SimpleNamespace(matrix=types.SimpleNamespace(detail=detail))
    assert report.armed_groups(fake, "1") == ["CJNG", "Sinaloa Cartel"]
    assert report.armed_groups(fake, "2") == []
    assert report.armed_groups(fake, "3") == []
    assert report.armed_groups(fake, "4") is None
    assert report.armed_groups(fake, "5") is None        # no source: unknown, not "none"


def test_armed_groups_on_the_built_database(model):
    # at the end of 2023, inside UCDP's coverage: its events name groups somewhere
    res = model.run(_profile("arithmetic"), TimeOptions(as_of=dt.date(2023, 12, 31)), uncertainty=False)
    named = [report.armed_groups(res, c) for c in res.table["region_id"]]
    assert all(g is None or isinstance(g, list) for g in named)
    assert any(named)


def test_top_drivers_are_the_first_of_the_drivers(res):
    top = report.top_drivers(res)
    assert len(top) == len(res.table)
    for d, texts in zip(top, res.table["drivers"]):
        if texts:
            assert str(d) == texts[0]
            assert texts[0].startswith(d.describe(points=False))
            assert texts[0].startswith(d.name + ": ")
        else:
            assert d is None


def test_find_region_by_id_or_name(res):
    assert report.find_region(res, "11") == "11"
    assert report.find_region(res, "guanajuato") == "11"
    with pytest.raises(OptionError):
        report.find_region(res, "Atlantis")


# --- over time -------------------------------------------------------------------------------------

def test_score_history_is_quarterly_and_ends_at_the_as_of_date(model):
    prof = load_profile("analyst")
    end = dt.date(2024, 6, 30)
    h = report.score_history(model, prof, TimeOptions(as_of=end), quarters=3)
    dates = sorted(h["as_of"].unique())
    assert dates == [end - dt.timedelta(days=182), end - dt.timedelta(days=91), end]
    assert len(h) == 3 * len(model.run(prof, TimeOptions(as_of=end), uncertainty=False).table)
    now = model.run(prof, TimeOptions(as_of=end), uncertainty=False, compare=False).table.set_index("region_id")
    last = h[h["as_of"] == end].set_index("region_id")
    assert np.allclose(last["score"], now.loc[last.index, "score"], equal_nan=True)


@pytest.fixture(scope="module")
def flagged_db(built_db, tmp_path_factory):
    """The built database with one reporting gap and one suspect zero for Guanajuato's victims."""
    import shutil

    path = tmp_path_factory.mktemp("flagged") / "risk.duckdb"
    shutil.copy(built_db, path)
    with duckdb.connect(str(path)) as con:
        con.execute("DELETE FROM data_quality WHERE dataset = 'homologated' AND state_code = '11'")
        con.execute("INSERT INTO data_quality VALUES ('homologated', '11', 2024, 3, 'reporting_gap', 'test'), "
                    "('homologated', '11', 2024, 5, 'suspect_zero', 'test')")
        con.execute("CHECKPOINT")
    s = Store(path)
    yield s
    s.close()


def test_trend_follows_the_missing_month_rule(flagged_db):
    tr = report.trend(flagged_db, "11", months=60)
    assert set(tr["series"]) == {label for label, _, _ in report.TREND_SERIES}
    rate = tr.assign(month=pd.to_datetime(tr["month"])).set_index(["series", "month"])["rate"]
    march, may, april = pd.Timestamp(2024, 3, 1), pd.Timestamp(2024, 5, 1), pd.Timestamp(2024, 4, 1)
    # a reporting gap: missing for every series of the dataset
    assert np.isnan(rate["Intentional homicide", march]) and np.isnan(rate["Kidnapping", march])
    assert np.isnan(rate["Extortion", march])
    # a suspect zero: missing for homicide only
    assert np.isnan(rate["Intentional homicide", may]) and np.isfinite(rate["Kidnapping", may])
    assert np.isfinite(rate["Intentional homicide", april])
    # the engine's monthly figures say the same, and another dataset is not touched
    om = queries.official_months(flagged_db, dt.date(2024, 1, 1), dt.date(2024, 6, 1), state_code="11")
    hom = om[om["dataset"] == "homologated"].set_index(["series", "month"])["v"]
    assert pd.isna(hom["homicide", 3]) and pd.isna(hom["kidnapping", 3])
    assert pd.isna(hom["homicide", 5]) and pd.notna(hom["kidnapping", 5])
    vic = om[om["dataset"] == "victims"].set_index(["series", "month"])["v"]
    assert pd.notna(vic["homicide", 3])


def test_trend_rates_are_the_engines_annualisation(store):
    tr = report.trend(store, "11", months=12)
    hom = tr[tr["series"] == "Intentional homicide"].reset_index(drop=True)
    assert 0 < len(hom) <= 12
    m = pd.Timestamp(hom["month"].iat[-1])
    om = queries.official_months(store, dt.date(1900, 1, 1), dt.date(2999, 12, 31), state_code="11")
    v = om[(om["dataset"] == "homologated") & (om["series"] == "homicide") & (om["year"] == m.year)
           & (om["month"] == m.month)]["v"].sum()
    pop = queries.state_population(store, "11")[m.year]
    assert hom["rate"].iat[-1] == pytest.approx(float(per_100k_year(v, pop)))


def test_trend_of_a_state_without_figures_is_empty(store):
    tr = report.trend(store, "99")
    assert tr.empty and list(tr.columns) == ["month", "rate", "series"]


def test_missing_month_sql_states_the_rule():
    assert "reporting_gap" in queries.missing_month("q", None) and "suspect_zero" not in queries.missing_month("q", None)
    both = queries.missing_month("x", "m.series")
    assert "x.flag = 'suspect_zero' AND m.series = 'homicide'" in both


# --- command line ----------------------------------------------------------------------------------

def test_cli_compare_prints_the_gap_decomposition(built_db, capsys, res):
    assert cli.main(["compare", "11", "Guerrero", "--db", str(built_db), "--top", "3",
                     "--as-of", str(res.options.as_of)]) == 0
    out = capsys.readouterr().out
    g = report.gap(res, "11", "12")
    assert f"Guanajuato - Guerrero: {g.gap:+.2f} points" in out
    for r in g.parts.head(3).itertuples(index=False):
        assert f"{r.difference:+6.2f}  {r.indicator_name}" in out


def test_cli_history_prints_one_line_per_quarter(built_db, capsys):
    assert cli.main(["history", "Guanajuato", "--db", str(built_db), "--quarters", "3"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("Guanajuato: score each quarter")
    assert len(lines) == 4


def test_cli_compare_needs_two_regions(built_db, capsys):
    assert cli.main(["compare", "11", "--db", str(built_db)]) == 2
    assert "two regions" in capsys.readouterr().err


def test_result_with_replaced_table_keeps_its_drivers(res):
    # the dashboard shares results between sessions: driver records travel with dataclasses.replace
    other = dataclasses.replace(res, table=res.table.copy())
    assert other.driver_records is res.driver_records


def test_spikes_name_recent_months_far_above_the_states_history(store):
    as_of = dt.date(2026, 7, 31)
    got = report.spikes(store, as_of)
    assert list(got.columns) == ["state_code", "series", "month", "value", "baseline", "z", "text"]
    assert len(got) and (got["z"] >= 3.5).all() and (got["value"] > got["baseline"]).all()
    assert (got["month"] > pd.Timestamp(2026, 4, 1)).all() and (got["month"] <= pd.Timestamp(as_of)).all()
    # one state's own list is the same rows as the national list for that state
    zac = report.spikes(store, as_of, "32")
    assert zac["text"].tolist() == got.loc[got["state_code"] == "32", "text"].tolist()
    assert all(t.startswith(("intentional homicide", "kidnapping", "extortion")) for t in got["text"])


def test_freshness_lists_every_source_newest_first_and_warns_when_old(store):
    items = report.freshness(store)
    assert [f.through for f in items] == sorted((f.through for f in items), reverse=True)
    assert items[0].source == "homologated" and items[0].through == dt.date(2026, 7, 31)
    assert {"homologated", "federal", "rnpdno", "events:ucdp"} <= {f.source for f in items}
    assert "official crime statistics (SESNSP) through July 2026" in report.freshness_line(items)
    assert report.stale_warning(items, today=dt.date(2026, 9, 15)) is None
    warn = report.stale_warning(items, today=dt.date(2026, 12, 1))
    assert warn and "July 2026" in warn and "123 days" in warn


def test_death_certificates_cover_each_state_and_scale_homicide_only_when_asked(store, model):
    cov = queries.death_certificate_coverage(store, "homologated")
    assert len(cov) == 32 and (cov["first_year"] == 2020).all() and (cov["last_year"] == 2022).all()
    gto = cov.set_index("state_code").loc["11"]
    assert gto["deaths"] == 13_085 and gto["police"] == 8_816           # Guanajuato 2020-2022, both sources
    assert "67% of the 13,085 homicides" in report.death_certificate_line(store, "11")
    plain = model.run(_profile("arithmetic"), TimeOptions(), uncertainty=False, compare=False)
    scaled = model.run(_profile("arithmetic"), TimeOptions(undercount=True), uncertainty=False, compare=False)
    j = plain.matrix.ids.index("homicide_rate")
    ratio = scaled.matrix.raw[:32, j] / plain.matrix.raw[:32, j]
    want = np.clip((cov["deaths"] / cov["police"]).to_numpy(), 0.5, 2.0)
    assert np.allclose(ratio, want)
    others = [k for k, i in enumerate(plain.matrix.ids) if i != "homicide_rate"]
    assert np.array_equal(np.isnan(plain.matrix.raw[:, others]), np.isnan(scaled.matrix.raw[:, others]))
    assert np.allclose(np.nan_to_num(plain.matrix.raw[:, others]), np.nan_to_num(scaled.matrix.raw[:, others]))
