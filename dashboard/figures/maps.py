"""Map figures: the state choropleth with corridor lines and event points. No streamlit.

The pages draw :func:`state_map_svg` (SVG, made interactive by :mod:`dashboard.live_map`); the
plotly figure of :func:`state_map` is left for the risk map's national layer of 2,475
municipalities (``st.plotly_chart(fig, config=PLOTLY_CONFIG, ...)``); tests build both directly. The state map is a ``go.Choropleth`` on our own GeoJSON (32 states, feature
``id`` = INEGI code) with the basemap hidden, plus one ``go.Scattergeo`` line per corridor.

Colouring modes (``scale=``):

* ``"level"``: a risk level 0-5 per state (0 = no data) on a stepped colour scale, with a
  colour bar labelled "No data", "Low", ... "Extreme" (see :func:`level_colorscale`);
* ``"category"``: one flat colour per distinct value (e.g. region), same stepped trick;
* ``"continuous"``: a numeric column on a sequential scale; states with no value are drawn
  grey in a separate "No data" trace so that all 32 still appear.
"""

from __future__ import annotations

import functools
import html
import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard.figures.palette import (
    CATEGORY_COLORS,
    LEVEL_COLORS,
    LEVEL_NAMES,
    MAX_LEVEL,
    NO_DATA_COLOR,
    level_color,  # noqa: F401  (part of this module's interface)
)
from dashboard.figures.palette import as_level as _as_level
from dashboard.i18n import N_, _

# Corridor line style per corridor kind (scoring.schema.CORRIDOR_KINDS). Dark blues and
# purples, so the lines stay visible on every fill of the risk palette.
CORRIDOR_STYLES: dict[str, dict] = {
    "highway": {"color": "#1a237e", "dash": "solid", "label": "Highway"},
    "port_route": {"color": "#0277bd", "dash": "dash", "label": "Port route"},
    "border_crossing": {"color": "#4a148c", "dash": "solid", "label": "Border crossing"},
    "migrant_route": {"color": "#006064", "dash": "dot", "label": "Migrant route"},
    "trafficking_route": {"color": "#212121", "dash": "dashdot", "label": "Trafficking route"},
}
_DEFAULT_CORRIDOR_STYLE = {"color": "#212121", "dash": "solid", "label": "Corridor"}
# the kinds' labels, for the catalogue (translated when drawn)
_KIND_LABELS = (N_("Highway"), N_("Port route"), N_("Border crossing"), N_("Migrant route"), N_("Trafficking route"),
                N_("Corridor"))

SCALES = ("auto", "level", "category", "continuous")

# Corridor lines get a vertex every CORRIDOR_STEP_DEG degrees (~5 km) so that hovering
# anywhere on a line names it; CORRIDOR_HOVER_PX is how close the cursor must be.
CORRIDOR_STEP_DEG = 0.05
CORRIDOR_HOVER_PX = 6

# Pass to every st.plotly_chart that shows a geo figure: plotly.js fetches world_110m.json
# even with the basemap hidden, and without this it goes to a CDN (offline: no map at all).
PLOTLY_CONFIG: dict = {"topojsonURL": "/app/static/", "displaylogo": False, "scrollZoom": False}


def stepped_colorscale(colors: Sequence[str]) -> list[list]:
    """A plotly colour scale with ``len(colors)`` flat bands of equal width.

    With ``zmin = 0`` and ``zmax = len(colors) - 1``, an integer value ``k`` falls inside
    band ``k`` and is drawn exactly ``colors[k]``: no blending between neighbours.
    """
    if not colors:
        raise ValueError("stepped_colorscale needs at least one colour. Got an empty sequence.")
    n = len(colors)
    scale: list[list] = []
    for k, color in enumerate(colors):
        scale.append([k / n, color])
        scale.append([(k + 1) / n, color])
    return scale


def level_colorscale() -> list[list]:
    """The risk-level colour scale: levels 0 (no data) to 5 (extreme), use with zmin 0, zmax 5."""
    return stepped_colorscale(LEVEL_COLORS)


def _band_centres(n: int, zmin: float, zmax: float) -> list[float]:
    """Where to put a colour bar tick so that it sits in the middle of each band."""
    return [zmin + (k + 0.5) * (zmax - zmin) / n for k in range(n)]


def _fmt(value) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "–"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int) or (isinstance(value, float) and float(value).is_integer()):
        return f"{int(value):,}"
    if isinstance(value, float):
        return f"{value:,.1f}"
    try:  # numpy scalars
        return _fmt(value.item())
    except AttributeError:
        return str(value)


def _feature_codes(geojson: Mapping) -> list[str]:
    return [str(f["id"]) for f in geojson["features"]]


def _hover_text(frame: pd.DataFrame, name_col: str, lines: Mapping[str, str]) -> list[str]:
    out = []
    for _i, row in frame.iterrows():
        name = row.get(name_col)
        # plotly reads <a>, <b>, <br>... in hover text: imported names and levels are escaped
        esc = functools.partial(html.escape, quote=False)
        parts = [f"<b>{esc(name if isinstance(name, str) else str(row['_code']))}</b>"]
        parts += [f"{esc(label)}: {esc(_fmt(row.get(col)))}" for col, label in lines.items() if label]
        out.append("<br>".join(parts))
    return out


def state_map(
    geojson: Mapping,
    df: pd.DataFrame,
    color_col: str,
    *,
    scale: str = "auto",
    label: str | None = None,
    code_col: str = "state_code",
    name_col: str = "name_common",
    hover: Mapping[str, str] | None = None,
    corridors: pd.DataFrame | None = None,
    corridor_levels: Mapping[str, int] | None = None,
    events: pd.DataFrame | None = None,
    selected: str | None = None,
    colorscale: str = "YlOrRd",
    height: int = 520,
    labels: Mapping[str, str] | None = None,
    geojson_url: str | None = None,
) -> go.Figure:
    """Choropleth of Mexico's states coloured by ``df[color_col]``, corridors on top.

    Parameters
    ----------
    geojson : mapping
        FeatureCollection whose feature ``id`` is the 2-digit INEGI code.
    df : DataFrame
        One row per state, keyed by ``code_col``. States absent from ``df`` are still drawn
        (grey, "No data").
    color_col : str
        Column to colour by.
    scale : {"auto", "level", "category", "continuous"}, default="auto"
        ``"level"`` expects integers 0-5 (NaN is drawn as level 0). ``"auto"`` picks
        ``"continuous"`` for numeric columns and ``"category"`` otherwise.
    label : str, optional
        Colour bar title and hover label of ``color_col`` (defaults to the column name;
        ``""`` shows neither, e.g. for a grey backdrop under level-coloured corridors).
    hover : mapping of column to label, optional
        Extra lines of the hover box, in order.
    corridors : DataFrame, optional
        Corridor waypoints (see :func:`corridor_traces`); one line trace per corridor.
    corridor_levels : mapping of corridor_id to level 0-5, optional
        Draw each corridor in its risk level's colour instead of its kind's style.
    selected : str, optional
        INEGI code of a state to outline.
    labels : mapping of code to short text, optional
        Labels (state abbreviations) drawn at the centre of each shape large enough to hold one.
    geojson_url : str, optional
        Where the browser can fetch the same ``geojson`` (a static file): the figure then names
        the outlines by URL instead of carrying them (``geojson`` still gives the codes, the
        bounds and the label positions).

    Returns
    -------
    go.Figure
        Trace 0 is the state choropleth (32 locations unless ``scale="continuous"`` has
        missing values, which go to a "No data" trace drawn right after it).
    """
    if scale not in SCALES:
        raise ValueError(f"The 'scale' parameter of state_map must be one of {set(SCALES)}. Got {scale!r} instead.")
    if color_col not in df.columns:
        raise ValueError(f"state_map: column {color_col!r} is not in the frame (columns: {list(df.columns)}).")
    label = color_col if label is None else label  # "" = no colour bar title, no hover line
    hover = dict(hover or {})
    codes = _feature_codes(geojson)
    frame = df.drop_duplicates(code_col).set_index(code_col).reindex(codes)
    frame["_code"] = codes
    if scale == "auto":
        scale = "continuous" if pd.api.types.is_numeric_dtype(df[color_col]) else "category"

    fig = go.Figure()
    label_layer = []
    common = dict(geojson=geojson_url or geojson, featureidkey="id", hoverinfo="text", unselected={"marker": {"opacity": 1}})
    lines = {color_col: label, **{c: lab for c, lab in hover.items() if c != color_col}}

    if scale == "continuous":
        has = frame[color_col].notna()
        shown, missing = frame[has], frame[~has]
        fig.add_trace(go.Choropleth(
            locations=shown["_code"], z=shown[color_col].astype(float), colorscale=colorscale,
            text=_hover_text(shown, name_col, lines), name=label,
            colorbar=_colorbar(label),
            marker=_outline(shown["_code"], selected), **common,
        ))
        if len(missing):
            fig.add_trace(go.Choropleth(
                locations=missing["_code"], z=[0] * len(missing),
                colorscale=[[0, NO_DATA_COLOR], [1, NO_DATA_COLOR]], showscale=False,
                text=_hover_text(missing, name_col, lines), name="No data",
                marker=_outline(missing["_code"], selected), **common,
            ))
    else:
        if scale == "level":
            z = [_as_level(v) for v in frame[color_col]]
            names, steps = [_(n) for n in LEVEL_NAMES], level_colorscale()
            frame["_level_name"] = [_("{name}, {k} of 5", name=_(LEVEL_NAMES[v]), k=v) if v else _(LEVEL_NAMES[0])
                                    for v in z]
            lines = {"_level_name": label, **{c: lab for c, lab in hover.items() if c != color_col}}
        else:
            names = sorted(str(v) for v in frame[color_col].dropna().unique())
            colors = [CATEGORY_COLORS[i % len(CATEGORY_COLORS)] for i in range(len(names))]
            has_missing = frame[color_col].isna().any()
            if has_missing:
                names, colors = ["No data", *names], [NO_DATA_COLOR, *colors]
            index = {n: i for i, n in enumerate(names)}
            z = [index["No data"] if pd.isna(v) else index[str(v)] for v in frame[color_col]]
            steps = stepped_colorscale(colors)
        zmax = max(len(names) - 1, 1)
        fig.add_trace(go.Choropleth(
            locations=frame["_code"], z=z, zmin=0, zmax=zmax, colorscale=steps,
            text=_hover_text(frame, name_col, lines), name=label,
            # the level map has one legend (below), shared by states and corridors: no colour bar
            showscale=scale != "level",
            colorbar=_colorbar(label, tickvals=_band_centres(len(names), 0, zmax), ticktext=names),
            marker=_outline(frame["_code"], selected), **common,
        ))
        if labels:
            label_layer = label_traces(geojson, labels, dict(zip(frame["_code"], z)) if scale == "level" else {})

    level_legend = scale == "level"
    for trace in corridor_traces(corridors, levels=corridor_levels, legend=not (level_legend and corridor_levels)):
        fig.add_trace(trace)
    # the state labels after the corridors: drawn before them, a label was hidden under a line (seen)
    fig.add_traces(label_layer)
    if level_legend:
        fig.add_traces(level_legend_traces(present=set(z) | set((corridor_levels or {}).values())))
    if events is not None and len(events):
        fig.add_trace(event_points(events))
    legend_title = "" if level_legend else _("Corridors")

    # Explicit axis ranges rather than fitbounds="locations": with a Mercator projection,
    # fitbounds draws into a square frame and leaves Mexico at about 70% of the width.
    (lon0, lon1), (lat0, lat1) = geojson_bounds(geojson, pad=0.5)
    fig.update_geos(
        visible=False, projection_type="mercator", bgcolor="rgba(0,0,0,0)",
        lonaxis_range=[lon0, lon1], lataxis_range=[lat0, lat1],
    )
    fig.update_layout(
        height=height, margin={"l": 0, "r": 0, "t": 0, "b": 0}, paper_bgcolor="rgba(0,0,0,0)",
        # Corridor hover only right on a line; elsewhere the state under the cursor answers,
        # so that a click near a corridor still selects the state.
        hoverdistance=CORRIDOR_HOVER_PX,
        # One legend, in a row under the map (it wraps on a phone); a category or continuous map
        # keeps its colour bar over the Pacific.
        legend={"orientation": "h", "x": 0, "y": 0, "xanchor": "left", "yanchor": "top",
                "bgcolor": "rgba(0,0,0,0)", "title": {"text": legend_title}, "font": {"size": 12},
                "itemclick": False, "itemdoubleclick": False},
        hoverlabel={"align": "left"},
    )
    return fig


def event_points(events: pd.DataFrame) -> go.Scattergeo:
    """Events as points sized by deaths (area proportional), unknown tolls drawn smallest.

    ``events``: columns latitude, longitude, fatalities, event_type, date, place.
    """
    f = events["fatalities"].fillna(0).astype(float)
    size = 4 + 3 * f.clip(upper=100) ** 0.5
    esc = functools.partial(html.escape, quote=False)  # imported places are text, never plotly markup
    from dashboard import wording

    text = [f"{d} · {esc(wording.event_type(t))}<br>{esc(p or '')}<br>"
            + _("deaths: {n}", n=_("unknown") if pd.isna(x) else int(x))
            for d, t, p, x in zip(events["date"].astype(str), events["event_type"], events["place"], events["fatalities"])]
    return go.Scattergeo(lat=events["latitude"], lon=events["longitude"], mode="markers", name=_("Events (by deaths)"),
                         marker={"size": size, "color": "rgba(20,20,20,0.55)", "line": {"width": 0.5, "color": "#fff"}},
                         text=text, hoverinfo="text", showlegend=True)


_BOUNDS: dict[int, tuple[Mapping, tuple]] = {}


def geojson_bounds(geojson: Mapping, pad: float = 0.0) -> tuple[tuple[float, float], tuple[float, float]]:
    """((lon_min, lon_max), (lat_min, lat_max)) of every coordinate, widened by ``pad`` degrees.

    Memoised per GeoJSON object as :func:`_label_positions` is (walking every vertex of the
    states was 3-4 % of a rerun of a page with the map)."""
    hit = _BOUNDS.get(id(geojson))
    if hit is None or hit[0] is not geojson:
        hit = (geojson, _coordinate_bounds(geojson))
        if len(_BOUNDS) > 16:
            _BOUNDS.clear()
        _BOUNDS[id(geojson)] = hit
    (x0, x1), (y0, y1) = hit[1]
    return (x0 - pad, x1 + pad), (y0 - pad, y1 + pad)


def _coordinate_bounds(geojson: Mapping) -> tuple[tuple[float, float], tuple[float, float]]:
    lons: list[float] = []
    lats: list[float] = []

    def walk(coords):
        if coords and isinstance(coords[0], (int, float)):
            lons.append(coords[0])
            lats.append(coords[1])
        else:
            for c in coords:
                walk(c)

    for feature in geojson["features"]:
        walk(feature["geometry"]["coordinates"])
    if not lons:
        raise ValueError("geojson_bounds: the GeoJSON has no coordinates.")
    return (min(lons), max(lons)), (min(lats), max(lats))


def _colorbar(title: str, *, tickvals=None, ticktext=None) -> dict:
    """A horizontal colour bar in the bottom-left corner (the Pacific), over the map."""
    bar = {
        "title": {"text": title, "side": "top"}, "orientation": "h", "thickness": 12, "len": 0.5,
        "x": 0.01, "xanchor": "left", "y": 0.03, "yanchor": "bottom", "bgcolor": "rgba(255,255,255,0.8)",
        "tickangle": 0, "tickfont": {"size": 11},
    }
    if tickvals is not None:
        bar.update(tickvals=list(tickvals), ticktext=list(ticktext), ticks="")
    return bar


def _outline(codes: Sequence[str], selected: str | None) -> dict:
    """Thin white borders, and a thick dark one around the selected state (no extra shapes)."""
    codes = list(codes)
    return {
        "line": {
            "width": [3.0 if c == selected else 0.6 for c in codes],
            "color": ["#111111" if c == selected else "#ffffff" for c in codes],
        }
    }


def corridor_traces(waypoints: pd.DataFrame | None, *, levels: Mapping[str, int] | None = None,
                    legend: bool = True) -> list[go.Scattergeo]:
    """One ``Scattergeo`` line per corridor; one legend entry per kind (or per level).

    ``waypoints`` needs ``corridor_id``, ``seq``, ``latitude``, ``longitude`` and optionally
    ``corridor`` (display name) and ``kind``. Without ``levels`` a line is styled by its kind
    (:data:`CORRIDOR_STYLES`). With ``levels`` (corridor_id -> 0-5; missing = "No data") it is
    one line in its level's colour over a thin white outline (a casing 2 px wider) that
    separates it from a state of the same colour; the casings neither hover nor show in the
    legend. ``legend=False`` leaves the lines out of the legend (the level map's own legend
    names the colours). Every point carries the corridor id as ``customdata`` (and the trace
    as ``meta``) so that a click can open the corridor. Returns an empty list for ``None`` or
    no rows.
    """
    if waypoints is None or waypoints.empty:
        return []
    casings, lines = [], []
    shown: set = set()
    for cid, pts in waypoints.sort_values(["corridor_id", "seq"]).groupby("corridor_id", sort=True):
        name = str(pts["corridor"].iloc[0]) if "corridor" in pts else str(cid)
        kind = str(pts["kind"].iloc[0]) if "kind" in pts else ""
        lon, lat = _densified(tuple(pts["longitude"]), tuple(pts["latitude"]))
        esc_name = html.escape(name, quote=False)
        if levels is None:
            style = CORRIDOR_STYLES.get(kind, _DEFAULT_CORRIDOR_STYLE)
            kind_label = style["label"]
            group, label, rank, hover = kind or "corridor", _(kind_label), 0, esc_name
            line = {"color": style["color"], "width": 2.5, "dash": style["dash"]}
        else:
            lv = _as_level(levels.get(str(cid)))
            group, label, rank = f"level-{lv}", _(LEVEL_NAMES[lv]), MAX_LEVEL - lv  # Extreme first
            level_text = _("{name}, {k} of 5", name=_(LEVEL_NAMES[lv]), k=lv) if lv else _(LEVEL_NAMES[0])
            hover = f"<b>{esc_name}</b><br>{_('Risk level')}: {level_text}"
            line = {"color": LEVEL_COLORS[lv], "width": 3.0}
            casings.append(go.Scattergeo(
                lon=lon, lat=lat, mode="lines", line={"color": "#ffffff", "width": 5.0},
                hoverinfo="skip", showlegend=False, legendgroup=group, name=f"{name} (outline)",
            ))
        cid_s = str(cid).split("#")[0]
        lines.append(go.Scattergeo(
            lon=lon, lat=lat, mode="lines+markers", line=line, name=label, legendgroup=group, legendrank=rank,
            # invisible markers: a line alone is not selectable, a marker is (the click opens the corridor)
            marker={"size": 7, "color": "rgba(0,0,0,0)"}, selected={"marker": {"opacity": 0}},
            unselected={"marker": {"opacity": 0}},
            showlegend=legend and group not in shown, **_constant_hover(hover, len(lon)),
            customdata=np.full(len(lon), cid_s),
            meta={"corridor_id": cid_s},
        ))
        shown.add(group)
    return casings + lines


def level_legend_traces(present: set | None = None) -> list[go.Scattergeo]:
    """The level map's one legend: a named square per level (no data only when some region has none)."""
    out = []
    for lv in range(1, MAX_LEVEL + 1):
        out.append(go.Scattergeo(lon=[None], lat=[None], mode="markers", name=_(LEVEL_NAMES[lv]),
                                 marker={"size": 13, "symbol": "square", "color": LEVEL_COLORS[lv],
                                         "line": {"width": 0.5, "color": "#666"}},
                                 legendgroup=f"level-{lv}", legendrank=lv, showlegend=True, hoverinfo="skip"))
    if present is None or 0 in present:
        out.append(go.Scattergeo(lon=[None], lat=[None], mode="markers", name=_(LEVEL_NAMES[0]),
                                 marker={"size": 13, "symbol": "square", "color": NO_DATA_COLOR,
                                         "line": {"width": 0.5, "color": "#666"}},
                                 legendgroup="level-0", legendrank=MAX_LEVEL + 1, showlegend=True, hoverinfo="skip"))
    return out


# A label is drawn where its shape's largest ring spans at least this many degrees across and down.
LABEL_MIN_DEG = (1.6, 1.1)


def label_traces(geojson: Mapping, labels: Mapping[str, str], levels: Mapping[str, int] | None = None
                 ) -> list[go.Scattergeo]:
    """Short labels (state abbreviations) at the centre of each shape big enough to hold one:
    black on the light levels, white on the dark ones. Two text traces, no hover."""
    levels = levels or {}
    pts: dict[str, list] = {"#111": [], "#fff": []}
    for code, (cx, cy) in _label_positions(geojson).items():
        if code not in labels:
            continue
        colour = "#fff" if _as_level(levels.get(code)) >= 4 else "#111"
        pts[colour].append((cx, cy, labels[code]))
    out = []
    for colour, items in pts.items():
        if items:
            out.append(go.Scattergeo(lon=[p[0] for p in items], lat=[p[1] for p in items],
                                     text=[p[2] for p in items], mode="text", hoverinfo="skip", showlegend=False,
                                     textfont={"size": 10, "color": colour}, name="labels"))
    return out


_LABEL_POSITIONS: dict[int, tuple[Mapping, dict]] = {}


def _label_positions(geojson: Mapping) -> dict[str, tuple[float, float]]:
    """Code -> label position (its largest ring's centroid) of every shape big enough to hold a
    label. Memoised per GeoJSON object (the pages share one, read-only): it was a fifth of
    building the map on every rerun. The object is kept with its entry, so its id is not reused."""
    hit = _LABEL_POSITIONS.get(id(geojson))
    if hit is not None and hit[0] is geojson:
        return hit[1]
    out = {}
    for f in geojson["features"]:
        ring = _largest_ring(f["geometry"])
        if not ring:
            continue
        xs, ys = [p[0] for p in ring], [p[1] for p in ring]
        if max(xs) - min(xs) < LABEL_MIN_DEG[0] or max(ys) - min(ys) < LABEL_MIN_DEG[1]:
            continue
        out[str(f["id"])] = _centroid(ring)
    if len(_LABEL_POSITIONS) > 16:
        _LABEL_POSITIONS.clear()
    _LABEL_POSITIONS[id(geojson)] = (geojson, out)
    return out


def _largest_ring(geom: Mapping) -> list | None:
    polys = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
    rings = [p[0] for p in polys if p and p[0]]
    if not rings:
        return None
    return max(rings, key=lambda r: abs(_area(r)))


def _area(ring) -> float:
    return 0.5 * sum(x0 * y1 - x1 * y0 for (x0, y0, *_a), (x1, y1, *_b) in zip(ring, ring[1:] + ring[:1]))


def _centroid(ring) -> tuple[float, float]:
    a = _area(ring)
    if abs(a) < 1e-12:
        return sum(p[0] for p in ring) / len(ring), sum(p[1] for p in ring) / len(ring)
    cx = sum((x0 + x1) * (x0 * y1 - x1 * y0) for (x0, y0, *_a), (x1, y1, *_b) in zip(ring, ring[1:] + ring[:1]))
    cy = sum((y0 + y1) * (x0 * y1 - x1 * y0) for (x0, y0, *_a), (x1, y1, *_b) in zip(ring, ring[1:] + ring[:1]))
    return cx / (6 * a), cy / (6 * a)


def _constant_hover(hover: str, n: int) -> dict:
    """The same hover label on every point of a line: once in the trace's template, not n times
    in its ``text`` (a corridor of 273 points carried 36 KB of repeated labels to the browser on
    every rerun). A label containing "%{" (a template placeholder) stays per-point text."""
    if "%{" in hover:
        return {"text": [hover] * n, "hovertemplate": "%{text}<extra></extra>"}
    return {"hovertemplate": hover + "<extra></extra>"}


@functools.lru_cache(maxsize=256)
def _densified(lon: tuple, lat: tuple) -> tuple[np.ndarray, np.ndarray]:
    """:func:`densify` at the corridor step, memoised (the same 15 lines on every rerun); rounded
    to 4 decimals (about 10 m: the line drawn is the same, the figure sent is half the size).

    Read-only numpy arrays, not lists: plotly deep-copies a trace's data when it is added and
    again when the figure is serialised, one Python object at a time for a list (about 40,000
    calls per rerun of a page with the corridor map) and in one block for an array; it also
    sends an array as a typed array rather than as text."""
    x, y = densify(lon, lat, CORRIDOR_STEP_DEG)
    ax, ay = np.round(np.asarray(x, float), 4), np.round(np.asarray(y, float), 4)
    ax.flags.writeable = ay.flags.writeable = False
    return ax, ay


def densify(lon: Sequence[float], lat: Sequence[float], step: float) -> tuple[list[float], list[float]]:
    """Insert evenly spaced points so that no two neighbours are more than ``step`` degrees apart.

    The original vertices are kept (in order); the line drawn is the same.
    """
    if len(lon) != len(lat):
        raise ValueError(f"densify: lon and lat must have the same length. Got {len(lon)} and {len(lat)}.")
    if step <= 0:
        raise ValueError(f"The 'step' parameter of densify must be > 0. Got {step!r} instead.")
    if len(lon) < 2:
        return list(lon), list(lat)
    out_lon, out_lat = [lon[0]], [lat[0]]
    for (x0, y0), (x1, y1) in zip(zip(lon, lat), zip(lon[1:], lat[1:])):
        n = max(1, math.ceil(math.hypot(x1 - x0, y1 - y0) / step))
        for j in range(1, n + 1):
            out_lon.append(x0 + (x1 - x0) * j / n)
            out_lat.append(y0 + (y1 - y0) * j / n)
    return out_lon, out_lat


def clicked_corridor(event) -> str | None:
    """The id of the corridor clicked on a map (its points carry it as ``customdata``), or None."""
    try:
        points = event["selection"]["points"]
    except (KeyError, TypeError):
        return None
    for point in points or []:
        if isinstance(point, Mapping) and not point.get("location"):
            cd = point.get("customdata")
            if isinstance(cd, (list, tuple)):
                cd = cd[0] if cd else None
            if isinstance(cd, str) and cd:
                return cd
    return None


def clicked_location(event) -> str | None:
    """The INEGI code of the state clicked on a map, from ``st.plotly_chart``'s selection state.

    Accepts the chart's return value or its session-state entry (both are mappings of the
    shape ``{"selection": {"points": [{"location": "14", ...}]}}``). Clicks on a corridor
    line carry no ``location`` and are ignored. Returns None when nothing was clicked.
    """
    try:
        points = event["selection"]["points"]
    except (KeyError, TypeError):
        return None
    for point in points or []:
        loc = point.get("location") if isinstance(point, Mapping) else None
        if loc:
            return str(loc)
    return None



def state_map_svg(geojson: Mapping, levels: Mapping[str, int], *, labels: Mapping[str, str] | None = None,
                  titles: Mapping[str, str] | None = None, corridors: pd.DataFrame | None = None, corridor_levels: Mapping[str, int] | None = None,
                  height: int = 460, title: str = "", standalone: bool = False, clickable: bool = False,
                  events: pd.DataFrame | None = None, selected: str | None = None,
                  corridor_tips: bool | None = None, live: bool | None = None) -> str:
    """The level map of :func:`state_map` as an SVG document: same projection (Mercator), frame,
    level colours, abbreviations, corridor lines and legend, without plotly.js.

    The pages' maps (:mod:`dashboard.live_map` makes them interactive: a new visitor's browser
    needs 1.5-2 s to fetch, compile and start plotly.js, 4.7 MB, before a plotly map can draw;
    this SVG is drawn as soon as it arrives), and the live map of Weights & methods, redrawn on
    every slider move (plotly's map cost the browser 0.6-0.9 s of main-thread time a move).
    ``titles``: a state's tooltip (plain text); ``standalone``: an SVG document shown as an image,
    its legend inside, else SVG and an HTML legend for a page. No click. Every text goes through
    :mod:`dashboard.figures.svg`, which escapes it; the outlines' paths are computed once.
    ``clickable``: every state carries its code as ``data-ref`` and every corridor
    ``corridor:<id>``, each corridor and event has a tooltip, and the SVG comes without its
    legend (for :mod:`dashboard.live_map`, which draws :func:`level_legend` in HTML under it);
    ``events``: as :func:`event_points`, circles sized by deaths; ``selected``: the code of a
    shape outlined in black (drawn last, so that its outline is whole); ``corridor_tips``: a
    tooltip on each corridor line (default: when ``clickable``); ``live``: the SVG document alone,
    its legend left to :mod:`dashboard.live_map` (default: when ``clickable``)."""
    from dashboard.figures import svg

    labels, titles = labels or {}, titles or {}
    at = _label_positions(geojson)        # where the plotly map puts them: big enough shapes, largest ring
    shapes = [svg.Shape(f["geometry"], LEVEL_COLORS[_as_level(levels.get(code))],
                        "#111111" if code == selected else "#ffffff", 2.2 if code == selected else 0.6,
                        titles.get(code, ""), labels.get(code, "") if code in at else "", label_at=at.get(code),
                        ref=code if clickable else "")
              for code, f in zip(_feature_codes(geojson), geojson["features"])]
    shapes.sort(key=lambda sh: sh.stroke == "#111111")     # the selected one last; the rest keep their order
    corridor_tips = clickable if corridor_tips is None else corridor_tips
    lines = []
    if corridors is not None and len(corridors):
        for cid, pts in corridors.sort_values(["corridor_id", "seq"]).groupby("corridor_id", sort=True):
            lon, lat = _densified(tuple(pts["longitude"]), tuple(pts["latitude"]))
            lv = _as_level((corridor_levels or {}).get(str(cid)))
            tip = ""
            if corridor_tips:
                name = str(pts["corridor"].iloc[0]) if "corridor" in pts else str(cid)
                tip = f"{name}\n{_('Risk level')}: " + (_("{name}, {k} of 5", name=_(LEVEL_NAMES[lv]), k=lv) if lv
                                                          else _(LEVEL_NAMES[0]))
            lines.append(svg.Line(list(zip(lon, lat)), LEVEL_COLORS[lv], 3.0, tip,
                                  ref=f"corridor:{str(cid).split('#')[0]}" if clickable else ""))
    dots = []
    if events is not None and len(events):
        from dashboard import wording

        for la, lo, d, t, p, x in zip(events["latitude"], events["longitude"], events["date"].astype(str),
                                      events["event_type"], events["place"], events["fatalities"]):
            deaths = _("deaths: {n}", n=_("unknown") if pd.isna(x) else int(x))
            r = 2 + 1.5 * min(float(x), 100.0) ** 0.5 if not pd.isna(x) else 2.0
            dots.append(svg.Dot(float(lo), float(la), r, "rgba(20,20,20,0.55)",
                                f"{d} · {wording.event_type(t)}\n{p or ''}\n{deaths}"))
    legend = level_legend(geojson, levels, corridor_levels)
    (lon0, lon1), (lat0, lat1) = geojson_bounds(geojson, pad=0.5)
    doc = svg.map_svg(shapes, lines, focus=(lon0, lat0, lon1, lat1), margin=0, width=760, max_height=height,
                      mercator=True, background="transparent", title=title, legend=legend if standalone else (),
                      standalone=standalone, tight=True, dots=dots)
    if standalone or (clickable if live is None else live):     # the live map draws the legend itself
        return doc
    # on a page, the legend is HTML under the map: it wraps and keeps its size on a phone, where
    # text inside the scaled-down SVG shrank to 6 px
    items = "".join(f'<span style="display:inline-flex;align-items:center;gap:0.3rem;margin-right:0.9rem">'
                    f'<span style="width:0.8rem;height:0.8rem;background:{colour};border:1px solid #666"></span>'
                    f"{html.escape(name)}</span>" for colour, name in legend)
    return f'<div>{doc}<div style="font-size:0.8rem;line-height:1.6">{items}</div></div>'


def level_legend(geojson: Mapping, levels: Mapping[str, int], corridor_levels: Mapping[str, int] | None = None
                 ) -> list[tuple[str, str]]:
    """(colour, name) of the five levels, and "No data" when a state or corridor drawn has none."""
    present = ({_as_level(levels.get(code)) for code in _feature_codes(geojson)}
               | {_as_level(v) for v in (corridor_levels or {}).values()})
    return [(LEVEL_COLORS[lv], _(LEVEL_NAMES[lv])) for lv in (*range(1, MAX_LEVEL + 1), 0) if lv or 0 in present]
