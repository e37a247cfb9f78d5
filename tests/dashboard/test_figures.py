"""Score and data charts (dashboard/figures/charts.py) and the palette, without Streamlit:
each builder returns a figure with the expected traces and values."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from dashboard.figures import charts, palette
from scoring.index.levels import LEVEL_LABELS

PILLARS = ["lethal", "organised", "mobility"]


@pytest.fixture
def table() -> pd.DataFrame:
    return pd.DataFrame({
        "region_id": ["a", "b", "c"], "name": ["Alpha", "Beta", "Gamma"],
        "pillar_lethal": [8.0, 2.0, 5.0], "pillar_organised": [6.0, np.nan, 1.0], "pillar_mobility": [1.0, 3.0, 9.0],
        "rank": [1.0, 3.0, 2.0], "rank_low": [1.0, 2.0, 1.0], "rank_high": [2.0, 3.0, 3.0],
        "median_rank": [1.0, 3.0, 2.0], "level": [5, 1, 3], "score": [6.5, 1.2, 4.1],
    })


def test_palette_level_names_are_the_engines():
    assert palette.LEVEL_NAMES == LEVEL_LABELS
    assert len(palette.LEVEL_COLORS) == len(palette.LEVEL_NAMES)
    assert palette.level_color(None) == palette.level_color(float("nan")) == palette.level_color(9) == palette.NO_DATA_COLOR
    assert palette.level_text_color(2) == "#000" and palette.level_text_color(4) == "#fff"
    assert palette.level_color(4) in palette.level_badge_style(4)


def test_contributions_bar_stacks_one_trace_per_pillar():
    contrib = pd.DataFrame({"indicator_name": ["Homicide", "Kidnap", "Extortion", "Roads"],
                            "pillar": ["lethal", "lethal", "organised", "mobility"],
                            "points": [1.5, 0.25, 0.75, 0.0]})
    fig = charts.contributions_bar(contrib, "T")
    assert fig.layout.barmode == "stack" and fig.layout.title.text == "T"
    by = {t.name: t for t in fig.data}
    # pillars by their names, never their ids (issue 12)
    assert set(by) == {"Lethal violence", "Organised-crime activity", "Threats on the move"}
    assert all(isinstance(t, go.Bar) and t.orientation == "h" for t in fig.data)
    assert dict(zip(by["Lethal violence"].y, by["Lethal violence"].x)) == {"Homicide": 1.5, "Kidnap": 0.25}
    assert by["Organised-crime activity"].marker.color == palette.PILLAR_COLORS["organised"]
    assert sum(sum(t.x) for t in fig.data) == pytest.approx(2.5)


def test_pillar_bars_one_trace_per_region_with_its_pillar_scores(table):
    fig = charts.pillar_bars(table, PILLARS, ["Lethal violence", "Organised crime", "Mobility"], "P")
    assert [t.name for t in fig.data] == ["Alpha", "Beta", "Gamma"]
    assert list(fig.data[0].y) == [8.0, 6.0, 1.0]
    assert math.isnan(fig.data[1].y[1])
    assert list(fig.data[0].customdata) == ["Lethal violence", "Organised crime", "Mobility"]
    assert fig.layout.barmode == "group" and tuple(fig.layout.yaxis.range) == (0, 10)


def test_pillar_radar_closes_each_polygon_and_draws_missing_at_zero(table):
    fig = charts.pillar_radar(table, PILLARS)
    assert len(fig.data) == 3 and all(isinstance(t, go.Scatterpolar) for t in fig.data)
    beta = fig.data[1]
    assert list(beta.r) == [2.0, 0.0, 3.0, 2.0]
    assert list(beta.theta) == PILLARS + PILLARS[:1]


def test_rank_ranges_dots_with_their_range_in_level_colours(table):
    fig = charts.rank_ranges(table, "R")
    (tr,) = fig.data
    order = table.sort_values("rank", ascending=False)
    assert list(tr.y) == list(order["name"])
    assert list(tr.x) == list(order["rank"])
    assert list(tr.error_x.array) == list(order["rank_high"] - order["rank"])
    assert list(tr.error_x.arrayminus) == list(order["rank"] - order["rank_low"])
    assert list(tr.marker.color) == [palette.LEVEL_COLORS[v] for v in order["level"]]
    assert fig.layout.xaxis.autorange == "reversed"


def test_trend_lines_one_line_per_group_with_gaps_kept():
    s = pd.DataFrame({"month": pd.date_range("2024-01-01", periods=3, freq="MS").tolist() * 2,
                      "rate": [1.0, np.nan, 3.0, 4.0, 5.0, 6.0], "series": ["H"] * 3 + ["K"] * 3})
    fig = charts.trend_lines(s, "month", "rate", "series", "T", "per 100k")
    assert [t.name for t in fig.data] == ["H", "K"]
    assert math.isnan(fig.data[0].y[1]) and list(fig.data[1].y) == [4.0, 5.0, 6.0]
    assert fig.layout.yaxis.title.text == "per 100k"


def test_level_bands_shade_the_five_levels_between_the_thresholds():
    fig = charts.level_bands(go.Figure(), (1.5, 3.0, 4.0, 5.0))
    rects = [s for s in fig.layout.shapes if s.type == "rect"]
    assert [(r.y0, r.y1) for r in rects] == [(0, 1.5), (1.5, 3.0), (3.0, 4.0), (4.0, 5.0), (5.0, 10)]
    assert [r.fillcolor for r in rects] == list(palette.LEVEL_COLORS[1:])
    assert [a.text for a in fig.layout.annotations] == list(palette.LEVEL_NAMES[1:])
    assert tuple(fig.layout.yaxis.range) == (0, 10)


def test_slope_chart_svg_from_frames_draws_movers_bold_in_the_adjusted_order():
    before = pd.DataFrame({"region_id": ["a", "b", "c"], "name": ["A", "B", "C"], "rank": [1, 2, 3]})
    after = pd.DataFrame({"region_id": ["a", "b", "c"], "name": ["A", "B", "C"], "rank": [3, 2, 1]})
    doc = charts.slope_chart_svg(before, after, "profile", "adjusted")
    assert doc.count('stroke="#d32f2f" stroke-width="3"') == 2          # A and C moved two places
    assert doc.count('stroke="#9e9e9e" stroke-width="1"') == 1          # B stayed
    assert "<title>A: rank 1 → rank 3</title>" in doc


def test_timeline_counts_events_and_deaths_per_month_without_year_only_dates():
    ev = pd.DataFrame({"event_id": ["1", "2", "3", "4"],
                       "date": pd.to_datetime(["2024-01-05", "2024-01-20", "2024-03-02", "2024-01-01"]),
                       "date_precision": ["day", "day", "day", "year"], "fatalities": [2, np.nan, 5, 100]})
    fig = charts.timeline(ev)
    bars, deaths = fig.data
    assert list(bars.x) == [pd.Timestamp("2024-01-01"), pd.Timestamp("2024-03-01")]
    assert list(bars.y) == [2, 1] and list(deaths.y) == [2.0, 5.0]
    assert deaths.yaxis == "y2"
    empty = charts.timeline(ev.iloc[:0])
    assert not empty.data and empty.layout.title.text == "No events in the selection"


def test_coverage_heatmap_names_the_states():
    cov = pd.DataFrame([[1.0, 0.0], [0.5, 1.0]], index=["01", "02"], columns=["2024-01", "2024-02"])
    fig = charts.coverage_heatmap(cov, {"01": "Aguascalientes"})
    (hm,) = fig.data
    assert list(hm.y) == ["Aguascalientes", "02"] and list(hm.x) == ["2024-01", "2024-02"]
    assert np.array_equal(np.asarray(hm.z), cov.to_numpy()) and (hm.zmin, hm.zmax) == (0, 1)


# --- the SVG rank charts of Weights & methods ----------------------------------------------------

def test_rank_range_chart_svg_puts_rank_one_on_top_and_right_with_its_range():
    import re

    from dashboard.figures import svg

    rows = [svg.RankRow("First <b>", 1, 1, 3, "#6a1131", "First: rank 1"),
            svg.RankRow("Second", 2, 1, 5, "#c93a33"),
            svg.RankRow("Unranked", float("nan"), float("nan"), float("nan"), "#b0b0b0")]
    doc = svg.rank_range_chart(rows, of=5, axis_title="rank of 5")
    assert "First &lt;b&gt;" in doc and "<b>" not in doc and "<title>First: rank 1</title>" in doc
    dots = [(float(x), float(y), c) for x, y, c in re.findall(r'<circle cx="([\d.]+)" cy="([\d.]+)" r="5" '
                                                              r'fill="([^"]+)"', doc)]
    assert [c for *_, c in dots] == ["#6a1131", "#c93a33"]        # no dot without a rank: missing, not zero
    (x1, y1, _), (x2, y2, _) = dots
    assert y1 < y2 and x1 > x2                                    # rank 1 above and right of rank 2
    # the range bar of the second row spans ranks 5..1: wider than the first's 3..1
    bars = [abs(float(a) - float(b)) for a, b, _y in re.findall(r'<line x1="([\d.]+)" x2="([\d.]+)" y1="([\d.]+)" '
                                                             r'y2="\3" stroke="currentColor"', doc)]
    assert len(bars) == 2 and bars[1] == pytest.approx(2 * bars[0], abs=0.3)


def test_slope_chart_svg_draws_movers_bold_and_escapes_names():
    from dashboard.figures import svg

    rows = [svg.SlopeRow("Calm", 1, 1), svg.SlopeRow("Riser <i>", 4, 2, "Riser: 4 -> 2"),
            svg.SlopeRow("Faller", 2, 4), svg.SlopeRow("Small", 3, 3)]
    doc = svg.slope_chart(rows, label_before="Analyst", label_after="adjusted", axis_title="rank")
    # a profile's name (a user's YAML may carry one) stays text: these charts are shown as raw HTML
    hostile = svg.slope_chart(rows, label_before='<img src="http://x">', label_after="a&b", axis_title="<b>")
    assert "<img" not in hostile and "&lt;img src=&quot;http://x&quot;&gt;" in hostile and "a&amp;b" in hostile
    assert doc.count('stroke="#d32f2f" stroke-width="3"') == 2   # moved 2+ places
    assert doc.count('stroke="#9e9e9e" stroke-width="1"') == 2
    assert "Riser &lt;i&gt;" in doc and "<i>" not in doc and "<title>Riser: 4 -&gt; 2</title>" in doc
    assert ">Analyst</text>" in doc and ">adjusted</text>" in doc
