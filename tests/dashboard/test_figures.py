"""Score and data charts (dashboard/figures/charts.py) and the palette, without Streamlit:
each builder returns an HTML figure whose SVG drawings hold the expected marks and values
(read back with an XML parser, so the markup must be well-formed)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
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


SVG = ""   # inline in HTML: no namespace


def parse(markup: str) -> ET.Element:
    """A figure's HTML (its style, caption, three drawings and legend) as an XML tree: it must be
    well-formed, every name in it escaped."""
    return ET.fromstring(f"<root>{markup}</root>")


def drawing(markup: str, k: int = 2) -> ET.Element:
    """The ``k``-th of the figure's drawings (0: phone, 1: half column, 2: full width)."""
    root = parse(markup)
    divs = [d for d in root.iter("div") if f"rc{k}" in (d.get("class") or "").split()]
    assert len(divs) == 1
    return divs[0].find(f"{SVG}svg")


def legend_names(markup: str) -> list[str]:
    root = parse(markup)
    (box,) = [d for d in root.iter("div") if d.get("class") == "chart-legend"]
    return ["".join(span.itertext()) for span in box.findall("span")]


def titled(svg_el: ET.Element, tag: str) -> list[tuple[ET.Element, str]]:
    return [(e, e.find(f"{SVG}title").text) for e in svg_el.iter(f"{SVG}{tag}") if e.find(f"{SVG}title") is not None]


def test_every_figure_comes_in_three_widths_shown_by_the_width_of_its_column(table):
    doc = charts.pillar_bars(table, PILLARS, ["L", "O", "M"], "P")
    widths = [float(drawing(doc, k).get("viewBox").split()[2]) for k in range(3)]
    assert widths == list(charts.WIDTHS)
    assert "@container (min-width:520px)" in doc and "container-type:inline-size" in doc
    assert parse(doc).find("figure/figcaption").text == "P"


def test_contributions_bar_one_bar_per_indicator_coloured_by_pillar_largest_on_top():
    contrib = pd.DataFrame({"indicator_name": ["Homicide", "Kidnap", "Extortion", "Roads"],
                            "pillar": ["lethal", "lethal", "organised", "mobility"],
                            "points": [1.5, 0.25, 0.75, 0.0]})
    doc = charts.contributions_bar(contrib, "T")
    # pillars by their names, never their ids (issue 12)
    assert legend_names(doc) == ["Lethal violence", "Organised-crime activity", "Threats on the move"]
    bars = titled(drawing(doc), "rect")
    assert [t for _e, t in bars] == ["Homicide (Lethal violence): 1.50 points",
                                     "Extortion (Organised-crime activity): 0.75 points",
                                     "Kidnap (Lethal violence): 0.25 points"]       # 0 points: no bar
    w = [float(e.get("width")) for e, _t in bars]
    assert w[0] == pytest.approx(2 * w[1], abs=0.2) and w[1] == pytest.approx(3 * w[2], abs=0.2)
    assert bars[1][0].get("fill") == palette.PILLAR_COLORS["organised"]
    assert "Roads" in "".join(drawing(doc).itertext())                              # its row is still named


def test_pillar_bars_one_bar_per_region_and_pillar_and_none_for_a_missing_score(table):
    doc = charts.pillar_bars(table, PILLARS, ["Lethal violence", "Organised crime", "Mobility"], "P")
    assert legend_names(doc) == ["Alpha", "Beta", "Gamma"]
    bars = dict((t, float(e.get("height"))) for e, t in titled(drawing(doc), "rect"))
    assert len(bars) == 8                                                           # Beta's organised is missing
    assert "Beta · Organised crime: –" not in bars and not any(t.startswith("Beta · Organised") for t in bars)
    assert bars["Alpha · Lethal violence: 8.00"] == pytest.approx(8 * bars["Alpha · Mobility: 1.00"], abs=0.2)


def test_pillar_radar_one_polygon_a_region_with_no_vertex_for_a_missing_score(table):
    doc = charts.pillar_radar(table, PILLARS)
    polys = titled(drawing(doc), "polygon")
    assert [t.split(" · ")[0] for _e, t in polys] == ["Alpha", "Beta", "Gamma"]
    beta, text = polys[1]
    assert len(beta.get("points").split()) == 2 and "organised: –" in text
    assert len(polys[0][0].get("points").split()) == 3


def test_trend_lines_one_line_per_group_with_gaps_kept():
    s = pd.DataFrame({"month": pd.date_range("2024-01-01", periods=3, freq="MS").tolist() * 2,
                      "rate": [1.0, np.nan, 3.0, 4.0, 5.0, 6.0], "series": ["H"] * 3 + ["K"] * 3})
    doc = charts.trend_lines(s, "month", "rate", "series", "T", "per 100k")
    assert legend_names(doc) == ["H", "K"]
    d = drawing(doc)
    assert [t for _e, t in titled(d, "circle")] == ["H", "H"]                      # the gap splits H in two
    (k_line,) = titled(d, "polyline")
    assert k_line[1] == "K" and len(k_line[0].get("points").split()) == 3
    assert "per 100k" in "".join(parse(doc).find("figure/figcaption").itertext())


def test_score_trend_shades_and_names_the_five_level_bands_between_the_thresholds():
    s = pd.DataFrame({"as_of": pd.date_range("2024-03-31", periods=4, freq="QE"), "score": [3.0, 4.0, 5.5, 6.0],
                      "name": "A"})
    d = drawing(charts.trend_lines(s, "as_of", "score", "name", thresholds=(1.5, 3.0, 4.0, 5.0)))
    bands = [r for r in d.iter(f"{SVG}rect") if r.get("fill-opacity") == "0.16"]
    assert [r.get("fill") for r in bands] == list(palette.LEVEL_COLORS[1:])
    tops = [float(r.get("y")) + float(r.get("height")) for r in bands]
    assert tops == sorted(tops, reverse=True)                                       # Low at the bottom
    text = "".join(d.itertext())
    assert all(name in text for name in palette.LEVEL_NAMES[1:])


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
    doc = charts.timeline(ev)
    d = drawing(doc)
    assert [t for _e, t in titled(d, "rect")] == ["Jan 2024: events 2 · deaths: 2", "Mar 2024: events 1 · deaths: 5"]
    (deaths,) = d.findall(f"{SVG}polyline")
    assert len(deaths.get("points").split()) == 2                                  # Jan and Mar, on the right axis
    assert legend_names(doc) == ["events (left axis)", "deaths (right axis)"]
    assert "No events in the selection" in charts.timeline(ev.iloc[:0])
    assert "No events in the selection" in charts.timeline(ev[ev["date_precision"] == "year"])


def test_a_timeline_of_one_month_has_its_month_under_its_bar_and_many_months_fewer_ticks():
    g = pd.DataFrame({"month": [pd.Timestamp("2025-11-01")], "events": [20000], "deaths": [23980]})
    d = drawing(charts.monthly_timeline(g))
    ((bar, tip),) = titled(d, "rect")
    assert tip == "Nov 2025: events 20,000 · deaths: 23,980"
    label = next(t for t in d.iter(f"{SVG}text") if t.text == "Nov 2025")
    assert float(bar.get("x")) < float(label.get("x")) < float(bar.get("x")) + float(bar.get("width"))
    many = pd.DataFrame({"month": pd.date_range("2000-01-01", periods=300, freq="MS"), "events": 1, "deaths": 1})
    d = drawing(charts.monthly_timeline(many))
    years = [t.text for t in d.iter(f"{SVG}text") if t.text and t.text.isdigit() and len(t.text) == 4]
    assert 4 <= len(years) <= 14 and years == sorted(years)                         # labels never crowd
    assert "No events in the selection" in charts.monthly_timeline(g.assign(month=[None]))


def test_coverage_heatmap_names_the_states_and_draws_each_run_of_equal_months_once():
    cov = pd.DataFrame([[1.0, 1.0, 0.0], [0.5, np.nan, 1.0]], index=["01", "02"],
                       columns=["2023-12", "2024-01", "2024-02"])
    d = drawing(charts.coverage_heatmap(cov, {"01": "Aguascalientes"}))
    tips = [t for _e, t in titled(d, "rect")]
    assert tips == ["Aguascalientes · 2023-12 – 2024-01: 100%", "Aguascalientes · 2024-02: 0%",
                    "02 · 2023-12: 50%", "02 · 2024-01: –", "02 · 2024-02: 100%"]
    fills = [e.get("fill") for e, _t in titled(d, "rect")]
    assert fills[1] == fills[3] == "#bdbdbd" and fills[0] == fills[4] == "#2e7d32" and fills[2] not in fills[:2]


def test_names_in_figures_are_text_never_markup():
    t = pd.DataFrame({"name": ["<b>x</b> & <script>"], "pillar_lethal": [1.0]})
    doc = charts.pillar_bars(t, ["lethal"], ["<i>L</i>"], "<u>T</u>")
    assert "<b>" not in doc and "<script>" not in doc and "<i>L" not in doc and "<u>" not in doc
    assert legend_names(doc) == ["<b>x</b> & <script>"]


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
