"""Map figure builders (dashboard/figures/maps.py), without Streamlit."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from support import ROOT

from dashboard.figures import maps as charts
from scoring.index import levels

CODES = [f"{i:02d}" for i in range(1, 33)]


@pytest.fixture(scope="module")
def geojson() -> dict:
    return json.loads((ROOT / "data" / "geo" / "mx_states.geojson").read_text(encoding="utf-8"))


@pytest.fixture
def states() -> pd.DataFrame:
    regions = ["north", "south", "center", "west"]
    return pd.DataFrame({
        "state_code": CODES,
        "name_common": [f"State {c}" for c in CODES],
        "region": [regions[i % 4] for i in range(32)],
        "pop_2020": [1_000_000 + 10_000 * i for i in range(32)],
        "level": [i % 6 for i in range(32)],
    })


@pytest.fixture
def waypoints() -> pd.DataFrame:
    return pd.DataFrame({
        "corridor_id": ["a", "a", "a", "b", "b", "c", "c"],
        "corridor": ["Road A"] * 3 + ["Port B"] * 2 + ["Road C"] * 2,
        "kind": ["highway"] * 3 + ["port_route"] * 2 + ["highway"] * 2,
        "seq": [2, 1, 3, 1, 2, 1, 2],
        "latitude": [20.0, 19.0, 21.0, 19.1, 19.5, 25.0, 26.0],
        "longitude": [-100.0, -99.0, -101.0, -104.3, -103.4, -100.3, -99.5],
    })


def color_at(scale: list[list], t: float) -> str:
    """The colour a stepped plotly scale gives to normalised value t (last band wins ties)."""
    hit = None
    for pos, color in scale:
        if pos <= t + 1e-12:
            hit = color
    return hit


class TestLevelPalette:
    def test_every_level_a_score_can_get_has_its_own_name_and_color(self):
        scores = np.append(np.linspace(0, 10, 1001), np.nan)
        got = levels.level_of(scores)
        reached = sorted(set(got.tolist()))
        assert reached == list(range(len(charts.LEVEL_NAMES)))          # 0 (no data) to the top, none missing
        for lv in reached:
            assert charts.LEVEL_NAMES[lv] == levels.level_name(lv)      # the chart and the engine agree
        assert charts.LEVEL_NAMES[got[-1]] == levels.NO_DATA and charts.level_color(got[-1]) == charts.NO_DATA_COLOR
        colors = [charts.level_color(lv) for lv in reached]
        assert len(set(colors)) == len(colors)                          # no two levels look the same
        # a higher score never shows an earlier level
        assert (np.diff(got[:-1]) >= 0).all()

    def test_level_colorscale_is_stepped_from_0_to_1(self):
        scale = charts.level_colorscale()
        positions = [p for p, _ in scale]
        assert positions[0] == 0 and positions[-1] == 1
        assert positions == sorted(positions)
        # two stops per band (a hard edge), each band one flat colour
        assert len(scale) == 2 * len(charts.LEVEL_COLORS)
        for k, color in enumerate(charts.LEVEL_COLORS):
            assert scale[2 * k][1] == scale[2 * k + 1][1] == color

    @pytest.mark.parametrize("level", range(6))
    def test_each_level_on_zmin_0_zmax_5_gets_its_own_color(self, level):
        assert color_at(charts.level_colorscale(), level / 5) == charts.LEVEL_COLORS[level]

    @pytest.mark.parametrize("value", [None, float("nan"), pd.NA, -1, 6])
    def test_level_color_missing_or_out_of_range_is_no_data(self, value):
        assert charts.level_color(value) == charts.NO_DATA_COLOR

    def test_stepped_colorscale_rejects_no_colors(self):
        with pytest.raises(ValueError, match="at least one colour"):
            charts.stepped_colorscale([])


class TestStateMap:
    def test_state_map_draws_all_32_states_from_the_geojson(self, geojson, states):
        fig = charts.state_map(geojson, states, "pop_2020")
        choro = fig.data[0]
        assert isinstance(choro, go.Choropleth)
        assert sorted(choro.locations) == CODES
        assert choro.featureidkey == "id"
        assert choro.geojson is not None

    def test_state_map_frames_mexico_and_hides_the_basemap(self, geojson, states):
        geo = charts.state_map(geojson, states, "pop_2020").layout.geo
        assert geo.visible is False
        (lon0, lon1), (lat0, lat1) = charts.geojson_bounds(geojson)
        assert geo.lonaxis.range[0] < lon0 < lon1 < geo.lonaxis.range[1]
        assert geo.lataxis.range[0] < lat0 < lat1 < geo.lataxis.range[1]
        # Mexico: about 118.4W-86.7W, 14.5N-32.7N
        assert -119 < lon0 < -118 and -87 < lon1 < -86 and 14 < lat0 < 15 and 32 < lat1 < 33

    def test_state_map_level_scale_is_stepped_with_named_ticks(self, geojson, states):
        choro = charts.state_map(geojson, states, "level", scale="level").data[0]
        assert (choro.zmin, choro.zmax) == (0, 5)
        assert [list(s) for s in choro.colorscale] == charts.level_colorscale()
        assert list(choro.colorbar.ticktext) == list(charts.LEVEL_NAMES)
        # ticks sit mid-band, inside the band of their own level
        for k, tick in enumerate(choro.colorbar.tickvals):
            assert k / 6 < tick / 5 < (k + 1) / 6

    def test_state_map_level_missing_state_is_level_0(self, geojson, states):
        partial = states[states["state_code"] != "14"].assign(level=3)
        choro = charts.state_map(geojson, partial, "level", scale="level").data[0]
        z = dict(zip(choro.locations, choro.z))
        assert len(z) == 32 and z["14"] == 0 and z["01"] == 3

    def test_state_map_category_gets_one_band_per_value(self, geojson, states):
        choro = charts.state_map(geojson, states, "region").data[0]  # auto -> category
        assert list(choro.colorbar.ticktext) == ["center", "north", "south", "west"]
        assert len(choro.colorscale) == 2 * 4

    def test_state_map_continuous_missing_values_go_to_a_grey_no_data_trace(self, geojson, states):
        states.loc[states["state_code"].isin(["05", "07"]), "pop_2020"] = None
        fig = charts.state_map(geojson, states.astype({"pop_2020": "float"}), "pop_2020")
        main, missing = fig.data[0], fig.data[1]
        assert len(main.locations) == 30 and sorted(missing.locations) == ["05", "07"]
        assert missing.name == "No data" and missing.showscale is False
        assert len(main.locations) + len(missing.locations) == 32

    def test_state_map_hover_names_the_state_and_formats_numbers(self, geojson, states):
        choro = charts.state_map(geojson, states, "pop_2020", label="Population").data[0]
        first = dict(zip(choro.locations, choro.text))["01"]
        assert "<b>State 01</b>" in first and "Population: 1,000,000" in first

    def test_state_map_empty_label_drops_the_title_and_hover_line(self, geojson, states):
        choro = charts.state_map(geojson, states, "level", scale="level", label="").data[0]
        assert choro.colorbar.title.text == ""
        assert all(": " not in t.split("<br>", 1)[-1] for t in choro.text if "<br>" in t)
        assert choro.text[0] == "<b>State 01</b>"

    def test_state_map_outlines_only_the_selected_state(self, geojson, states):
        choro = charts.state_map(geojson, states, "region", selected="14").data[0]
        widths = dict(zip(choro.locations, choro.marker.line.width))
        assert widths["14"] > 2 and all(w < 1 for c, w in widths.items() if c != "14")

    def test_state_map_rejects_an_unknown_scale(self, geojson, states):
        with pytest.raises(ValueError, match="The 'scale' parameter of state_map must be one of"):
            charts.state_map(geojson, states, "region", scale="rainbow")

    def test_state_map_rejects_a_missing_column(self, geojson, states):
        with pytest.raises(ValueError, match="'risk' is not in the frame"):
            charts.state_map(geojson, states, "risk")

    def test_state_map_serialises_to_plotly_json(self, geojson, states, waypoints):
        fig = charts.state_map(geojson, states, "level", scale="level", corridors=waypoints)
        assert json.loads(fig.to_json())["data"][0]["type"] == "choropleth"


class TestCorridors:
    def test_corridor_traces_one_line_per_corridor_in_seq_order(self, waypoints):
        traces = charts.corridor_traces(waypoints)
        assert len(traces) == 3
        # lines, with invisible markers that make a corridor clickable
        assert all(isinstance(t, go.Scattergeo) and t.mode == "lines+markers" for t in traces)
        assert all(t.marker.color == "rgba(0,0,0,0)" for t in traces)
        road_a = traces[0]
        lats = list(road_a.lat)
        assert lats[0] == 19.0 and lats[-1] == 21.0 and 20.0 in lats
        assert lats == sorted(lats)  # seq order: 19 -> 20 -> 21, whatever the row order
        assert road_a.hovertemplate == "Road A<extra></extra>" and road_a.text is None   # once, not per point

    def test_corridor_traces_one_legend_entry_per_kind(self, waypoints):
        traces = charts.corridor_traces(waypoints)
        assert [t.name for t in traces if t.showlegend] == ["Highway", "Port route"]

    def test_corridor_traces_empty_input_gives_no_traces(self, waypoints):
        assert charts.corridor_traces(None) == []
        assert charts.corridor_traces(waypoints.iloc[0:0]) == []

    def test_state_map_puts_corridors_above_the_states(self, geojson, states, waypoints):
        fig = charts.state_map(geojson, states, "region", corridors=waypoints)
        assert [t.type for t in fig.data] == ["choropleth", "scattergeo", "scattergeo", "scattergeo"]


    def test_corridor_traces_by_level_take_the_level_color(self, waypoints):
        traces = charts.corridor_traces(waypoints, levels={"a": 5, "b": 1})
        lines = {t.meta["corridor_id"]: t for t in traces if t.hoverinfo != "skip"}
        assert lines["a"].line.color == charts.LEVEL_COLORS[5]
        assert lines["b"].line.color == charts.LEVEL_COLORS[1]
        assert lines["c"].line.color == charts.NO_DATA_COLOR  # no level given
        assert "Risk level: Extreme" in lines["a"].hovertemplate

    def test_corridor_hover_with_a_template_placeholder_stays_literal_text(self, waypoints):
        wp = waypoints.assign(corridor=waypoints["corridor"].where(waypoints["corridor_id"] != "a", "A %{lat} road"))
        line = [t for t in charts.corridor_traces(wp) if t.meta["corridor_id"] == "a"][0]
        assert line.hovertemplate == "%{text}<extra></extra>" and set(line.text) == {"A %{lat} road"}

    def test_corridor_traces_by_level_draw_casings_underneath(self, waypoints):
        traces = charts.corridor_traces(waypoints, levels={"a": 2})
        casings = [i for i, t in enumerate(traces) if t.hoverinfo == "skip"]
        lines = [i for i, t in enumerate(traces) if t.hoverinfo != "skip"]
        assert len(casings) == len(lines) == 3
        assert max(casings) < min(lines)
        assert not any(traces[i].showlegend for i in casings)

    def test_corridor_traces_by_level_one_legend_entry_per_level_extreme_first(self, waypoints):
        traces = charts.corridor_traces(waypoints, levels={"a": 1, "b": 4, "c": 4})
        entries = sorted((t.legendrank, t.name) for t in traces if t.showlegend)
        assert [name for _, name in entries] == ["High", "Low"]

    def test_state_map_by_level_has_one_legend_for_states_and_corridors(self, geojson, states, waypoints):
        fig = charts.state_map(geojson, states.assign(level=0), "level", scale="level", corridors=waypoints,
                               corridor_levels={"a": 3})
        assert not fig.data[0].showscale                       # no colour bar beside the legend
        shown = [t.name for t in fig.data if t.showlegend]
        assert shown == ["Low", "Moderate", "Medium", "High", "Extreme", "No data"]   # one entry per level

    def test_state_labels_are_drawn_over_the_corridor_lines(self, geojson, states, waypoints):
        labels = {c: f"S{c}" for c in CODES}
        fig = charts.state_map(geojson, states, "level", scale="level", corridors=waypoints, corridor_levels={"a": 3},
                               labels=labels)
        modes = [getattr(t, "mode", None) or "" for t in fig.data]
        kinds = ["label" if m == "text" else "line" if m.startswith("lines") else "other" for m in modes]
        assert "label" in kinds and "line" in kinds
        # plotly draws traces in order: every label after the last line (a label was hidden under one)
        assert max(i for i, k in enumerate(kinds) if k == "line") < min(i for i, k in enumerate(kinds) if k == "label")

    def test_corridor_lines_carry_their_id_for_a_click(self, waypoints):
        traces = charts.corridor_traces(waypoints, levels={"a": 3})
        lines = [t for t in traces if t.hoverinfo != "skip"]
        assert {t.customdata[0] for t in lines} == {t.meta["corridor_id"] for t in lines} == {"a", "b", "c"}
        event = {"selection": {"points": [{"curve_number": 4, "customdata": "b", "lat": 20.0, "lon": -100.0}]}}
        assert charts.clicked_corridor(event) == "b"
        assert charts.clicked_corridor({"selection": {"points": [{"location": "14"}]}}) is None


class TestClickedLocation:
    def test_clicked_location_reads_the_state_code(self):
        event = {"selection": {"points": [{"curve_number": 0, "location": "14"}], "box": [], "lasso": []}}
        assert charts.clicked_location(event) == "14"

    def test_clicked_location_ignores_corridor_points(self):
        event = {"selection": {"points": [{"curve_number": 3, "lat": 20.0, "lon": -100.0}]}}
        assert charts.clicked_location(event) is None

    @pytest.mark.parametrize("event", [None, {}, {"selection": {}}, {"selection": {"points": []}}])
    def test_clicked_location_without_a_click_is_none(self, event):
        assert charts.clicked_location(event) is None


class TestDensify:
    def test_densify_keeps_vertices_and_bounds_the_spacing(self):
        lon, lat = charts.densify([0.0, 1.0, 1.0], [0.0, 0.0, 0.3], 0.25)
        assert (lon[0], lat[0]) == (0.0, 0.0) and (lon[-1], lat[-1]) == (1.0, 0.3)
        assert (1.0, 0.0) in set(zip(lon, lat))
        gaps = [((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5 for x0, y0, x1, y1 in zip(lon, lat, lon[1:], lat[1:])]
        assert max(gaps) <= 0.25 + 1e-9

    def test_densify_short_input_is_unchanged(self):
        assert charts.densify([5.0], [6.0], 0.1) == ([5.0], [6.0])

    def test_densify_rejects_a_non_positive_step(self):
        with pytest.raises(ValueError, match="The 'step' parameter of densify must be > 0"):
            charts.densify([0, 1], [0, 1], 0)


# --- the risk map's first paint (an SVG picture shown until plotly.js has drawn) ----------------

def _svg_paths(doc: str) -> list[tuple[str, list[tuple[float, float]]]]:
    """(fill, points) of every <path> of an SVG document from dashboard.figures.svg."""
    return [(fill, path_points(d)) for d, fill in re.findall(r'<path d="([^"]*)" fill="([^"]*)"', doc)]


def path_points(d: str) -> list[tuple[float, float]]:
    """The absolute points of SVG path data made of moves, lines and closes (M m L l Z z), with
    implicit repeats and numbers run together ("l1-2.5.5"), as the SVG grammar allows."""
    pts, cmd, pos, start = [], None, (0.0, 0.0), (0.0, 0.0)
    tokens = re.findall(r"[MmLlZz]|-?(?:\d+\.?\d*|\.\d+)", d)
    i = 0
    while i < len(tokens):
        t = tokens[i]
        if t in "MmLlZz":
            cmd, i = t, i + 1
            if t in "Zz":
                pos = start
            continue
        x, y = float(t), float(tokens[i + 1])
        i += 2
        pos = (pos[0] + x, pos[1] + y) if cmd in "ml" else (x, y)
        if cmd in "Mm":
            start = pos
            cmd = "l" if cmd == "m" else "L"          # coordinates after a move are lines
        pts.append(pos)
    return pts


def test_path_points_reads_relative_and_run_together_numbers():
    assert path_points("M10,20l1,-.5 2.5-1-3,0zM1,1L2,2") == [
        (10, 20), (11, 19.5), (13.5, 18.5), (10.5, 18.5), (1, 1), (2, 2)]


def test_map_paths_are_simplified_within_their_tolerance_and_never_drift(geojson):
    """Each ring's points stay within SIMPLIFY_PX (plus the rounding to a tenth) of the outline's
    own projected vertices, and the relative steps land on the rounded positions: the last point of
    a long ring is as close to its source as the first."""
    from dashboard.figures import svg

    proj = svg._Mercator((-118.0, 14.0, -86.0, 33.0), 760, 432)
    for f in geojson["features"][:8]:
        d = svg._path(f["geometry"], proj)
        got = np.array(path_points(d))
        rings = [np.array([proj(lon, lat) for lon, lat in ring]) for ring in svg._rings(f["geometry"])]
        src = np.concatenate(rings)
        # every drawn point is one of the outline's vertices, rounded to a tenth of a pixel
        nearest = np.sqrt(((got[:, None, :] - src[None, :, :]) ** 2).sum(axis=2)).min(axis=1)
        assert nearest.max() <= 0.08
        # and every vertex of the outline lies within the tolerance of the drawn outline
        segs = []
        for ring in d.split("M")[1:]:
            r = np.array(path_points("M" + ring))
            segs.append(np.stack([r, np.roll(r, -1, axis=0)], axis=1))   # closed: last -> first
        segs = np.concatenate(segs)
        a, b = segs[:, 0], segs[:, 1]
        ab = b - a
        t = np.clip(((src[:, None, :] - a) * ab).sum(axis=2) / np.maximum((ab * ab).sum(axis=1), 1e-12), 0, 1)
        gap = np.sqrt(((a + t[..., None] * ab - src[:, None, :]) ** 2).sum(axis=2)).min(axis=1)
        # islets of under a square pixel may be left out, as before; every other ring is drawn
        def area(r):
            return abs(np.dot(r[:, 0], np.roll(r[:, 1], -1)) - np.dot(r[:, 1], np.roll(r[:, 0], -1))) / 2

        tiny = np.concatenate([np.full(len(r), area(r) < 1.0) for r in rings])
        gap = gap[~tiny]
        assert gap.max() <= svg.SIMPLIFY_PX + 0.08
        assert len(got) < len(src)                       # and it did drop points
        assert d.count("M") == d.count("z")


def test_state_map_svg_draws_every_state_in_its_level_colour_with_a_legend(geojson):
    from dashboard.figures.palette import LEVEL_COLORS

    codes = [f["id"] for f in geojson["features"]]
    levels_by_code = {c: (k % 5) + 1 for k, c in enumerate(codes)}
    levels_by_code[codes[3]] = None                      # no data: grey, and "No data" in the legend
    doc = charts.state_map_svg(geojson, levels_by_code, labels={"08": "CHIH <b>"}, title="Risk map", standalone=True)
    paths = _svg_paths(doc)
    assert len(paths) == 32
    assert [f for f, _ in paths] == [LEVEL_COLORS[0] if v is None else LEVEL_COLORS[v] for v in levels_by_code.values()]
    assert "CHIH &lt;b&gt;" in doc and "<b>" not in doc       # text is escaped
    for name in ("Low", "Moderate", "Medium", "High", "Extreme", "No data"):
        assert f">{name}</text>" in doc
    # everything inside the picture's frame
    w, h = (float(v) for v in re.search(r'viewBox="0 0 (\S+) (\S+)"', doc).groups())
    xs = [x for _, pts in paths for x, _ in pts]
    ys = [y for _, pts in paths for _, y in pts]
    assert 0 <= min(xs) and max(xs) <= w and 0 <= min(ys) and max(ys) <= h - 20   # the legend row below


def test_state_map_svg_on_a_page_puts_its_legend_in_html_under_the_map(geojson):
    page = charts.state_map_svg(geojson, {"01": 2}, titles={"01": "Aguascalientes <i>"})
    svg_part, html_part = page.split("</svg>", 1)
    assert ">Moderate</text>" not in svg_part and "svg-legend" not in svg_part   # none in the scaled picture
    assert ">Moderate</span>" in html_part and ">No data</span>" in html_part
    assert "<title>Aguascalientes &lt;i&gt;</title>" in svg_part


def test_state_map_svg_is_framed_like_the_plotly_map(geojson):
    """Mercator, the same lon/lat frame as state_map: Tijuana's corner top-left, Yucatán's east
    coast right, and a northern degree taller than a southern one."""
    doc = charts.state_map_svg(geojson, {}, standalone=True)
    paths = _svg_paths(doc)
    xs = [x for _, pts in paths for x, _ in pts]
    ys = [y for _, pts in paths for _, y in pts]
    w, h = (float(v) for v in re.search(r'viewBox="0 0 (\S+) (\S+)"', doc).groups())
    h -= 28                                              # the legend's row
    # fitted: one side fills the frame, the other is centred
    assert max(xs) - min(xs) > 0.9 * (w - 12) or max(ys) - min(ys) > 0.9 * (h - 12)
    assert abs((min(xs) + max(xs)) / 2 - w / 2) < 0.06 * w and abs((min(ys) + max(ys)) / 2 - h / 2) < 0.06 * h
    # Mercator: y of latitude 30 - y of 31 > y of 16 - y of 17 (in the projection class itself)
    from dashboard.figures.svg import _Mercator

    proj = _Mercator((-118.0, 14.0, -86.0, 33.0), 760, 432)
    assert (proj(-100, 30)[1] - proj(-100, 31)[1]) > 1.03 * (proj(-100, 16)[1] - proj(-100, 17)[1])
    assert proj(-118, 33)[0] < proj(-86, 14)[0] and proj(-118, 33)[1] < proj(-86, 14)[1]


def test_clickable_state_map_svg_names_every_state_and_corridor_and_escapes_what_it_names(geojson):
    """What dashboard/live_map.py reads: each state's code and each corridor's id as data-ref,
    their tooltips as <title>, events as circles with theirs; names are text (XML-escaped)."""
    import xml.etree.ElementTree as ET

    corridors = pd.DataFrame({"corridor_id": ["a\"<b>", "a\"<b>", "c2", "c2"], "seq": [0, 1, 0, 1],
                              "latitude": [20.0, 21.0, 25.0, 26.0], "longitude": [-100.0, -101.0, -105.0, -106.0],
                              "corridor": ["Ruta <i>uno</i>", "Ruta <i>uno</i>", "Dos", "Dos"]})
    events = pd.DataFrame({"latitude": [19.4, 20.6], "longitude": [-99.1, -103.3], "date": ["2026-07-01", "2026-07-02"],
                           "event_type": ["killing", "armed_clash"], "place": ["<script>x</script>", None],
                           "fatalities": [4, np.nan]})
    doc = charts.state_map_svg(geojson, {"14": 4}, titles={"14": "Jalisco\nRisk level: High"}, corridors=corridors,
                               corridor_levels={"c2": 5}, clickable=True, events=events)
    root = ET.fromstring(doc)                                  # an SVG document, well-formed XML, as DOMParser needs
    assert "svg-legend" not in doc                             # the live map draws the legend in HTML
    assert [n for _c, n in charts.level_legend(geojson, {"14": 4}, {"c2": 5})] == [
        "Low", "Moderate", "Medium", "High", "Extreme", "No data"]
    assert [n for _c, n in charts.level_legend(geojson, {f["id"]: 2 for f in geojson["features"]})][-1] == "Extreme"
    ns = "{http://www.w3.org/2000/svg}"
    refs = [e.get("data-ref") for e in root.iter() if e.get("data-ref")]
    assert refs[:32] == [f["id"] for f in geojson["features"]]
    assert refs[32:] == ['corridor:a"<b>', "corridor:c2"]      # the attribute round-trips, escaped in the text
    assert 'data-ref="corridor:a&quot;&lt;b&gt;"' in doc
    jal = next(e for e in root.iter(f"{ns}path") if e.get("data-ref") == "14")
    assert jal.find(f"{ns}title").text == "Jalisco\nRisk level: High"
    hit = [e for e in root.iter(f"{ns}polyline") if e.get("data-ref")]
    assert [e.find(f"{ns}title").text.split("\n")[0] for e in hit] == ["Ruta <i>uno</i>", "Dos"]
    assert all(e.get("stroke") == "rgba(0,0,0,0)" and e.get("pointer-events") == "stroke" for e in hit)
    dots = list(root.iter(f"{ns}circle"))
    assert len(dots) == 2 and float(dots[0].get("r")) > float(dots[1].get("r"))   # 4 deaths > unknown
    assert dots[0].find(f"{ns}title").text.split("\n")[1] == "<script>x</script>"
    assert "<script>" not in doc
    plain = charts.state_map_svg(geojson, {"14": 4}, corridors=corridors, standalone=True)
    assert "data-ref" not in plain                             # the picture and the briefs: nothing to click


@pytest.mark.parametrize("value,expected", [
    ({"select": "14"}, "14"), ({"select": ""}, None), ({"select": None}, None), ({}, None), (None, None),
    ("corridor:x", "corridor:x"), ({"select": 14}, None),
])
def test_live_map_reads_a_click_only_as_a_non_empty_string(value, expected):
    from dashboard import live_map

    assert live_map._picked(value) == expected
