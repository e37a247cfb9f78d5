"""Small inline SVG figures for the briefs: a map excerpt drawn from the project's own GeoJSON
and line charts. No plotly.js (4.8 MB), no network, no fonts to fetch: a brief stays a few
hundred kilobytes and opens offline; text stays text (searchable, and extractable from the PDF).

Labels that can be long (legends, axis titles) are left to the HTML around the figure, where they
wrap instead of being cut.
"""

from __future__ import annotations

import datetime as dt
import html
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

FONT = "font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif"


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


# --- the map excerpt -----------------------------------------------------------------------------

@dataclass
class Shape:
    geometry: dict            # a GeoJSON Polygon or MultiPolygon
    fill: str
    stroke: str = "#ffffff"
    stroke_width: float = 0.6
    title: str = ""           # tooltip (and the text equivalent for a screen reader)
    label: str = ""           # drawn at the shape's centre when it fits
    opacity: float = 1.0
    label_at: tuple[float, float] | None = None   # (lon, lat) of the label; else the centre of the shape's box
    ref: str = ""             # what a click on it names (``data-ref``, read by dashboard.live_map)


@dataclass
class Line:
    coords: Sequence[tuple[float, float]]   # (lon, lat) in order
    color: str
    width: float = 3.0
    title: str = ""
    ref: str = ""             # as Shape.ref; the line gets a wider transparent twin to hit


@dataclass
class Dot:
    lon: float
    lat: float
    radius: float
    color: str
    title: str = ""
    ref: str = ""


def _rings(geometry: dict) -> Iterable[list]:
    if geometry["type"] == "Polygon":
        yield from geometry["coordinates"]
    elif geometry["type"] == "MultiPolygon":
        for poly in geometry["coordinates"]:
            yield from poly


def bounds(geometries: Iterable[dict]) -> tuple[float, float, float, float]:
    """(min lon, min lat, max lon, max lat) of some GeoJSON geometries."""
    xs, ys = [], []
    for g in geometries:
        for ring in _rings(g):
            a = np.asarray(ring, float)
            xs += [a[:, 0].min(), a[:, 0].max()]
            ys += [a[:, 1].min(), a[:, 1].max()]
    return min(xs), min(ys), max(xs), max(ys)


class _Projection:
    """Equirectangular, scaled by the cosine of the middle latitude, fitted into a box."""

    def __init__(self, box: tuple[float, float, float, float], width: float, max_height: float, pad: float = 6):
        x0, y0, x1, y1 = box
        self.k = math.cos(math.radians((y0 + y1) / 2))
        w, h = max((x1 - x0) * self.k, 1e-6), max(y1 - y0, 1e-6)
        self.s = min((width - 2 * pad) / w, (max_height - 2 * pad) / h)
        self.width = width
        self.height = h * self.s + 2 * pad
        self.ox = (width - w * self.s) / 2 - x0 * self.k * self.s
        self.oy = pad + y1 * self.s

    def __call__(self, lon: float, lat: float) -> tuple[float, float]:
        return lon * self.k * self.s + self.ox, self.oy - lat * self.s


def _mercator_y(lat: float) -> float:
    return math.degrees(math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)))


class _Mercator(_Projection):
    """Mercator (what the pages' plotly maps use), fitted into a box like :class:`_Projection`:
    the y of a latitude is stretched as plotly's ``projection_type="mercator"`` stretches it."""

    def __init__(self, box: tuple[float, float, float, float], width: float, max_height: float, pad: float = 6):
        x0, y0, x1, y1 = box
        self.k, self.width = 1.0, width
        w, h = max(x1 - x0, 1e-6), max(_mercator_y(y1) - _mercator_y(y0), 1e-6)
        self.s = min((width - 2 * pad) / w, (max_height - 2 * pad) / h)
        self.height = h * self.s + 2 * pad
        self.ox = (width - w * self.s) / 2 - x0 * self.s
        self.oy = pad + _mercator_y(y1) * self.s

    def __call__(self, lon: float, lat: float) -> tuple[float, float]:
        return lon * self.s + self.ox, self.oy - _mercator_y(lat) * self.s


LEGEND_ROW = 28   # px under a map for its legend


# Outlines are drawn to within this many of the picture's pixels (Douglas-Peucker): a state map's
# path data fell from 62 kB to 28 kB with the relative form below, and each browser parses and
# lays out all of it again whenever a live map's colours change (Weights & methods, every move)
SIMPLIFY_PX = 0.4


def _simplify(pts: np.ndarray, tol: float) -> np.ndarray:
    """The points of a polyline that Douglas-Peucker keeps at tolerance ``tol`` (its ends always)."""
    n = len(pts)
    if n < 3:
        return pts
    keep = np.zeros(n, bool)
    keep[0] = keep[-1] = True
    stack = [(0, n - 1)]
    while stack:
        a, b = stack.pop()
        if b - a < 2:
            continue
        seg = pts[a + 1:b]
        d = pts[b] - pts[a]
        rel = seg - pts[a]
        length2 = float(d @ d)
        if length2 == 0.0:
            dist2 = (rel * rel).sum(axis=1)
        else:
            t = np.clip(rel @ d / length2, 0.0, 1.0)
            off = rel - t[:, None] * d
            dist2 = (off * off).sum(axis=1)
        i = int(dist2.argmax())
        if dist2[i] > tol * tol:
            k = a + 1 + i
            keep[k] = True
            stack += [(a, k), (k, b)]
    return pts[keep]


def _tenths(q: int) -> str:
    """An integer number of tenths as SVG path text: 12 -> "1.2", -5 -> "-.5", 30 -> "3"."""
    sign, q = ("-" if q < 0 else ""), abs(q)
    whole, tenth = divmod(q, 10)
    if not tenth:
        return f"{sign}{whole}"
    return f"{sign}{whole}.{tenth}" if whole else f"{sign}.{tenth}"


def _path(geometry: dict, proj: _Projection) -> str:
    """SVG path data of a (multi)polygon: each ring simplified to :data:`SIMPLIFY_PX`, then an
    absolute move and relative lines in tenths of a pixel (``M12.3,4l1,-.5 2.2-1z``), each step
    taken between rounded positions, so the rounding never accumulates along a ring."""
    parts = []
    for ring in _rings(geometry):
        pts = np.array([proj(lon, lat) for lon, lat in ring], float)
        if len(pts) < 3:
            continue
        if (pts[0] == pts[-1]).all():
            # a closed ring: simplified as two halves split at the vertex farthest from its start
            # (a ring's start and end are one point, so a small island would shrink to a line)
            k = int(((pts - pts[0]) ** 2).sum(axis=1).argmax())
            pts = np.concatenate([_simplify(pts[:k + 1], SIMPLIFY_PX)[:-1], _simplify(pts[k:], SIMPLIFY_PX)])
        else:
            pts = _simplify(pts, SIMPLIFY_PX)
        q = np.rint(pts * 10).astype(np.int64)
        q = q[np.r_[True, (np.diff(q, axis=0) != 0).any(axis=1)]]      # no zero-length steps
        if len(q) > 1 and (q[-1] == q[0]).all():
            q = q[:-1]                                                  # "z" closes the ring
        if len(q) < 3:
            continue
        out = [f"M{_tenths(int(q[0, 0]))},{_tenths(int(q[0, 1]))}l"]
        for k, (dx, dy) in enumerate(np.diff(q, axis=0).tolist()):
            x, y = _tenths(dx), _tenths(dy)
            # a minus sign separates numbers by itself
            out.append(("" if k == 0 or x[0] == "-" else " ") + x + ("" if y[0] == "-" else ",") + y)
        out.append("z")
        parts.append("".join(out))
    return "".join(parts)


# (id of a geometry, projection) -> (the geometry, its bounds, its path): the pages draw the same
# outlines on every run with other colours only (a state map's 32 paths: 25 ms, then 1 ms)
_OUTLINES: dict[tuple, tuple[dict, tuple, str]] = {}


def _outline(geometry: dict, proj: _Projection) -> tuple[tuple[float, float, float, float], str]:
    key = (id(geometry), type(proj), proj.k, proj.s, proj.ox, proj.oy)
    hit = _OUTLINES.get(key)
    if hit is None or hit[0] is not geometry:
        if len(_OUTLINES) > 5_000:
            _OUTLINES.clear()
        hit = (geometry, bounds([geometry]), _path(geometry, proj))
        _OUTLINES[key] = hit
    return hit[1], hit[2]


def _ref(ref: str) -> str:
    return f' data-ref="{_esc(ref)}"' if ref else ""


def map_svg(shapes: Sequence[Shape], lines: Sequence[Line] = (), *, focus: tuple[float, float, float, float],
            width: float = 520, max_height: float = 400, title: str = "", margin: float = 0.08,
            mercator: bool = False, background: str = "#eaf1f6",
            legend: Sequence[tuple[str, str]] = (), standalone: bool = False, tight: bool = False,
            dots: Sequence[Dot] = ()) -> str:
    """An SVG map of ``shapes`` (and ``lines`` over them) framed on ``focus`` (a lon/lat box,
    widened by ``margin`` of its size on each side); shapes outside the frame are left out.
    ``mercator``: the pages' projection (the briefs use a cosine-scaled plate carrée).
    ``legend``: (colour, name) squares in a row under the map, its text in the page's colour
    (``currentColor``); ``standalone``: the SVG is shown as an image (no page colour to inherit);
    ``tight``: the frame no wider than the map, where the height limits it; ``dots``: circles
    over the lines (events). A shape, line or dot with a ``ref`` carries it as ``data-ref``."""
    x0, y0, x1, y1 = focus
    dx, dy = max(x1 - x0, 0.05), max(y1 - y0, 0.05)
    box = (x0 - dx * margin, y0 - dy * margin, x1 + dx * margin, y1 + dy * margin)
    proj = (_Mercator if mercator else _Projection)(box, width, max_height - (LEGEND_ROW if legend else 0))
    if tight:          # as wide as the map (the frame's height decides): a box scales it like plotly's map
        fitted = (box[2] - box[0]) * proj.k * proj.s + 12
        if legend and standalone:     # a tall, narrow state: the legend's row sets the width
            fitted = max(fitted, min(8 + sum(17 + 7 * len(name) + 14 for _c, name in legend), proj.width))
        proj.ox -= (proj.width - fitted) / 2
        proj.width = fitted
    full = proj.height + (LEGEND_ROW if legend else 0)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {proj.width:.0f} {full:.0f}" '
           f'width="{proj.width:.0f}" height="{full:.0f}" role="img" aria-label="{_esc(title)}" '
           f'style="max-width:100%;height:auto;background:{background};{FONT}">']
    if title:
        out.append(f"<title>{_esc(title)}</title>")
    if legend and standalone:
        # shown as an image, the picture does not inherit the page's text colour: follow the
        # browser's scheme, as Streamlit's theme does by default
        out.append("<style>@media (prefers-color-scheme: dark) { .svg-legend { fill: #fafafa } }</style>")
    labels = []
    for s in shapes:
        (bx0, by0, bx1, by1), d = _outline(s.geometry, proj)
        if bx1 < box[0] or bx0 > box[2] or by1 < box[1] or by0 > box[3]:
            continue
        if not d:
            continue
        tip = f"<title>{_esc(s.title)}</title>" if s.title else ""
        op = f' fill-opacity="{s.opacity:g}"' if s.opacity < 1 else ""
        out.append(f'<path d="{d}" fill="{s.fill}"{op} stroke="{s.stroke}" stroke-width="{s.stroke_width:g}" '
                   f'stroke-linejoin="round"{_ref(s.ref)}>{tip}</path>')
        if s.label and s.label_at is not None:
            labels.append((s.label, *proj(*s.label_at)))
        elif s.label:
            (ax, ay), (bx, by) = proj(bx0, by1), proj(bx1, by0)
            cx, cy = (ax + bx) / 2, (ay + by) / 2
            inside = 10 + 4 * len(s.label) < cx < proj.width - 10 - 4 * len(s.label) and 14 < cy < proj.height - 10
            if bx - ax > 7 * len(s.label) and by - ay > 14 and inside:
                labels.append((s.label, cx, cy))
    for ln in lines:
        pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in (proj(lon, lat) for lon, lat in ln.coords))
        tip = f"<title>{_esc(ln.title)}</title>" if ln.title else ""
        # a white casing under the coloured line keeps it apart from a state of the same colour
        out.append(f'<polyline points="{pts}" fill="none" stroke="#ffffff" stroke-width="{ln.width + 2.5:g}" '
                   f'stroke-linecap="round" stroke-linejoin="round"/>')
        out.append(f'<polyline points="{pts}" fill="none" stroke="{ln.color}" stroke-width="{ln.width:g}" '
                   f'stroke-linecap="round" stroke-linejoin="round">{"" if ln.ref else tip}</polyline>')
        if ln.ref:     # a click within a few pixels of the line hits it
            out.append(f'<polyline points="{pts}" fill="none" stroke="rgba(0,0,0,0)" stroke-width="{ln.width + 8:g}" '
                       f'stroke-linecap="round" stroke-linejoin="round" pointer-events="stroke"{_ref(ln.ref)}>{tip}'
                       f'</polyline>')
    for dot in dots:
        x, y = proj(dot.lon, dot.lat)
        tip = f"<title>{_esc(dot.title)}</title>" if dot.title else ""
        out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{dot.radius:.1f}" fill="{dot.color}" stroke="#ffffff" '
                   f'stroke-width="0.5"{_ref(dot.ref)}>{tip}</circle>')
    for text, x, y in labels:
        out.append(f'<text x="{x:.1f}" y="{y + 4:.1f}" text-anchor="middle" font-size="11" font-weight="600" '
                   f'fill="#111" stroke="#fff" stroke-width="2.5" paint-order="stroke">{_esc(text)}</text>')
    x, y = 8.0, proj.height + LEGEND_ROW / 2
    for colour, name in legend:
        out.append(f'<rect x="{x:.0f}" y="{y - 6:.0f}" width="12" height="12" fill="{colour}" stroke="#666" '
                   f'stroke-width="0.5"/><text class="svg-legend" x="{x + 17:.0f}" y="{y + 4:.0f}" font-size="12" '
                   f'fill="currentColor">{_esc(name)}</text>')
        x += 17 + 7 * len(name) + 14
    out.append("</svg>")
    return "".join(out)


# --- line charts ---------------------------------------------------------------------------------

def nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """About ``n`` round tick values covering [lo, hi]."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        hi = lo + 1 if math.isfinite(lo) else 1.0
        lo = lo if math.isfinite(lo) else 0.0
    raw = (hi - lo) / max(n - 1, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    start = math.floor(lo / step) * step
    ticks = []
    v = start
    while v <= hi + step * 0.5 and len(ticks) < 12:
        ticks.append(round(v, 10))
        v += step
    return ticks


def _fmt_tick(v: float) -> str:
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    return f"{v:g}" if abs(v) >= 1 or v == 0 else f"{v:.2g}"


def _gapped_line(points: Iterable[tuple[float, float] | None], color: str, width: float, tip: str = "") -> str:
    """A line through ``points``; a None breaks it; a point alone is a dot. ``tip``: each piece's tooltip."""
    pieces: list[list[str]] = [[]]
    for p in points:
        if p is None:
            pieces.append([])
        else:
            pieces[-1].append(f"{p[0]:.1f},{p[1]:.1f}")
    title = f"<title>{_esc(tip)}</title>" if tip else ""
    out = []
    for piece in (q for q in pieces if q):
        if len(piece) == 1:
            x, y = piece[0].split(",")
            out.append(f'<circle cx="{x}" cy="{y}" r="2.5" fill="{color}">{title}</circle>')
        else:
            out.append(f'<polyline points="{" ".join(piece)}" fill="none" stroke="{color}" stroke-width="{width:g}" '
                       f'stroke-linejoin="round">{title}</polyline>')
    return "".join(out)


def line_chart(series: Sequence[tuple[str, str, Sequence[dt.date], Sequence[float]]], *, width: float = 680,
               height: float = 240, y_min: float | None = None, y_max: float | None = None,
               bands: Sequence[tuple[float, float, str]] = (), date_format=None, title: str = "") -> str:
    """Lines of (name, colour, dates, values); gaps (NaN) break a line. ``bands``: (from, to,
    colour[, label]) horizontal bands behind the lines (level bands), the label at their right. ``date_format``: date -> tick text."""
    left, right, top, bottom = 44, 12, 10, 26
    pw, ph = width - left - right, height - top - bottom
    all_d = [d for _, _, ds, _ in series for d in ds]
    all_v = [v for _, _, _, vs in series for v in vs if v is not None and math.isfinite(v)]
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:g} {height:g}" width="{width:g}" '
           f'height="{height:g}" role="img" aria-label="{_esc(title)}" style="max-width:100%;height:auto;{FONT}">']
    if title:
        out.append(f"<title>{_esc(title)}</title>")
    if not all_d or not all_v:
        out.append(f'<text x="{width / 2:g}" y="{height / 2:g}" text-anchor="middle" font-size="12" fill="#666">–</text>')
        return "".join(out) + "</svg>"
    lo = min(all_v) if y_min is None else y_min
    hi = max(all_v) if y_max is None else y_max
    if y_min is None:
        lo = min(0.0, lo)
    ticks = nice_ticks(lo, hi)
    lo, hi = min(ticks[0], lo), max(ticks[-1], hi)
    t0, t1 = min(all_d), max(all_d)
    span = max((t1 - t0).days, 1)

    def X(d):
        return left + (d - t0).days / span * pw

    def Y(v):
        return top + (hi - v) / (hi - lo) * ph

    for b0, b1, col, *label in bands:
        a, b = max(b0, lo), min(b1, hi)
        if b > a:
            out.append(f'<rect x="{left}" y="{Y(b):.1f}" width="{pw:g}" height="{Y(a) - Y(b):.1f}" fill="{col}" '
                       'fill-opacity="0.16"/>')
            if label and Y(a) - Y(b) >= 11:
                out.append(f'<text x="{left + pw - 4:g}" y="{(Y(a) + Y(b)) / 2 + 3.5:.1f}" text-anchor="end" '
                           f'font-size="10" fill="#444" fill-opacity="0.8">{_esc(label[0])}</text>')
    for t in ticks:
        y = Y(t)
        out.append(f'<line x1="{left}" x2="{left + pw:g}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd" stroke-width="1"/>')
        out.append(f'<text x="{left - 5}" y="{y + 4:.1f}" text-anchor="end" font-size="11" fill="#444">'
                   f"{_fmt_tick(t)}</text>")
    # x ticks: on the first of a month, every 1, 2, 3, 6, 12... months (from January), as many as
    # fit about 75 px a label; a span under two months gets its first and last day
    fmt = date_format or (lambda d: f"{d:%b %Y}")
    months = (t1.year - t0.year) * 12 + t1.month - t0.month
    room = max(int(pw // 75), 2)
    step = 1
    if months < 2:
        marks = [t0, t1] if t1 != t0 else [t0]
    else:
        step = next((m for m in (1, 2, 3, 6, 12, 24, 60, 120) if months / m <= room), 240)
        marks = []
        y_, m_ = t0.year, t0.month
        while (y_, m_) <= (t1.year, t1.month):
            d = dt.date(y_, m_, 1)
            if (y_ * 12 + m_ - 1) % step == 0 and t0 <= d <= t1:
                marks.append(d)
            y_, m_ = (y_ + 1, 1) if m_ == 12 else (y_, m_ + 1)
        if not marks:
            marks = [t0]
    for d in marks:
        x = X(d)
        label = fmt(d) if step < 12 else str(d.year)
        out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top + ph:g}" y2="{top + ph + 4:g}" stroke="#888"/>')
        anchor = "end" if x > left + pw - 28 else "start" if x < left + 20 else "middle"
        out.append(f'<text x="{x:.1f}" y="{top + ph + 17:g}" text-anchor="{anchor}" font-size="11" fill="#444">'
                   f"{_esc(label)}</text>")
    out.append(f'<line x1="{left}" x2="{left + pw:g}" y1="{top + ph:g}" y2="{top + ph:g}" stroke="#888"/>')
    for name, col, ds, vs in series:
        out.append(_gapped_line([(X(d), Y(v)) if v is not None and math.isfinite(v) else None for d, v in zip(ds, vs)],
                                col, 2, name))
    out.append("</svg>")
    return "".join(out)


# --- rank charts (Weights & methods: redrawn on every slider move) -------------------------------

@dataclass
class RankRow:
    name: str
    rank: float
    low: float                # 5th percentile of the rank over the Monte-Carlo draws
    high: float               # 95th
    color: str
    tip: str = ""             # tooltip (plain text)


def _text_width(text: str, size: float = 12) -> float:
    """A conservative width of ``text`` in px (no font metrics here: 0.58 em a character)."""
    return 0.58 * size * len(text)


def rank_range_chart(rows: Sequence[RankRow], *, of: int, axis_title: str, width: float = 760,
                     row_height: float = 26, title: str = "") -> str:
    """One row per region (rank 1 on top): a dot at its rank in its level's colour and a bar
    over its 5-95 % rank range; the rank axis runs from ``of`` on the left to 1 on the right."""
    names = [r.name[:40] for r in rows]
    left = min(max((_text_width(n) for n in names), default=0) + 14, width * 0.4)
    right, top, bottom = 14, 8, 40
    pw = width - left - right
    height = top + row_height * len(rows) + bottom
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:g} {height:g}" width="{width:g}" '
           f'height="{height:g}" role="img" aria-label="{_esc(title)}" style="max-width:100%;height:auto;{FONT}">']
    if title:
        out.append(f"<title>{_esc(title)}</title>")

    def X(rank: float) -> float:
        return left + (of + 0.5 - rank) / of * pw

    ticks = [t for t in nice_ticks(1, of, 6) if 1 <= t <= of]
    for t in sorted(set([1, *ticks])):
        x = X(t)
        out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{height - bottom:g}" stroke="currentColor" '
                   f'stroke-opacity="0.15"/><text x="{x:.1f}" y="{height - bottom + 16:g}" text-anchor="middle" '
                   f'font-size="11" fill="currentColor" fill-opacity="0.75">{_fmt_tick(t)}</text>')
    out.append(f'<text x="{left + pw / 2:.1f}" y="{height - 6:g}" text-anchor="middle" font-size="12" '
               f'fill="currentColor">{_esc(axis_title)}</text>')
    for k, (r, name) in enumerate(zip(rows, names)):
        y = top + row_height * (k + 0.5)
        tip = f"<title>{_esc(r.tip)}</title>" if r.tip else ""
        out.append(f'<g>{tip}<text x="{left - 8:.1f}" y="{y + 4:.1f}" text-anchor="end" font-size="12" '
                   f'fill="currentColor">{_esc(name)}</text>')
        if math.isfinite(r.low) and math.isfinite(r.high):
            out.append(f'<line x1="{X(r.low):.1f}" x2="{X(r.high):.1f}" y1="{y:.1f}" y2="{y:.1f}" stroke="currentColor" '
                       f'stroke-opacity="0.7" stroke-width="1.5"/>')
            for v in (r.low, r.high):
                out.append(f'<line x1="{X(v):.1f}" x2="{X(v):.1f}" y1="{y - 4:.1f}" y2="{y + 4:.1f}" '
                           f'stroke="currentColor" stroke-opacity="0.7" stroke-width="1.5"/>')
        if math.isfinite(r.rank):
            out.append(f'<circle cx="{X(r.rank):.1f}" cy="{y:.1f}" r="5" fill="{r.color}" stroke="#333"/>')
        out.append("</g>")
    out.append("</svg>")
    return "".join(out)


@dataclass
class SlopeRow:
    name: str
    before: float             # rank in the left column
    after: float              # rank in the right column
    tip: str = ""


def slope_chart(rows: Sequence[SlopeRow], *, label_before: str, label_after: str, axis_title: str,
                width: float = 760, row_height: float = 20, bold_from: float = 2, title: str = "") -> str:
    """Each region's rank in two columns joined by a line (rank 1 on top); the regions that moved
    ``bold_from`` places or more are drawn bold and red, their names left of the first column."""
    n = max([int(max(r.before, r.after)) for r in rows
             if math.isfinite(r.before) and math.isfinite(r.after)] + [1])
    left = min(max((_text_width(r.name[:24]) for r in rows), default=0) + 60, width * 0.45)
    x0, x1 = left, width - 60
    top, bottom = 28, 24
    height = top + row_height * n + bottom
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:g} {height:g}" width="{width:g}" '
           f'height="{height:g}" role="img" aria-label="{_esc(title)}" style="max-width:100%;height:auto;{FONT}">']
    if title:
        out.append(f"<title>{_esc(title)}</title>")

    def Y(rank: float) -> float:
        return top + row_height * (rank - 0.5)

    for x, label in ((x0, label_before), (x1, label_after)):
        out.append(f'<text x="{x:.1f}" y="16" text-anchor="middle" font-size="12" font-weight="600" '
                   f'fill="currentColor">{_esc(label)}</text>')
    out.append(f'<text x="{(x0 + x1) / 2:.1f}" y="{height - 4:.1f}" text-anchor="middle" font-size="11" '
               f'fill="currentColor" fill-opacity="0.75">{_esc(axis_title)}</text>')
    for r in sorted(rows, key=lambda r: abs(r.after - r.before) >= bold_from):   # movers drawn last, on top
        if not (math.isfinite(r.before) and math.isfinite(r.after)):
            continue
        bold = abs(r.after - r.before) >= bold_from
        col, w = ("#d32f2f", 3) if bold else ("#9e9e9e", 1)
        name_style = 'fill="currentColor" font-weight="600"' if bold else 'fill="currentColor" fill-opacity="0.8"'
        tip = f"<title>{_esc(r.tip)}</title>" if r.tip else ""
        ya, yb = Y(r.before), Y(r.after)
        out.append(f'<g>{tip}<line x1="{x0:.1f}" y1="{ya:.1f}" x2="{x1:.1f}" y2="{yb:.1f}" stroke="{col}" '
                   f'stroke-width="{w}"/><circle cx="{x0:.1f}" cy="{ya:.1f}" r="3.5" fill="{col}"/>'
                   f'<circle cx="{x1:.1f}" cy="{yb:.1f}" r="3.5" fill="{col}"/>'
                   f'<text x="{x0 - 8:.1f}" y="{ya + 4:.1f}" text-anchor="end" font-size="11" '
                   f"{name_style}>"
                   f"{_esc(r.name[:24])}</text>"
                   f'<text x="{x1 + 8:.1f}" y="{yb + 4:.1f}" font-size="11" fill="currentColor" fill-opacity="0.75">'
                   f"{r.after:.0f}</text></g>")
    out.append("</svg>")
    return "".join(out)


# --- the pages' charts (no plotly.js: a page without a map loads none of its 4.7 MB) ------------

def _open(width: float, height: float, title: str) -> list[str]:
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:g} {height:g}" width="{width:g}" '
           f'height="{height:g}" role="img" aria-label="{_esc(title)}" style="max-width:100%;height:auto;{FONT}">']
    if title:
        out.append(f"<title>{_esc(title)}</title>")
    return out


def _clip(text: str, px: float, size: float = 12) -> str:
    """``text`` cut with an ellipsis to about ``px`` pixels (the whole text stays in the tooltip)."""
    n = max(int(px / (0.58 * size)), 4)
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def _wrap(text: str, chars: int, lines: int = 2) -> list[str]:
    words, out, cur = str(text).replace("-", "- ").split(), [], ""
    for w in words:
        if cur and len(cur) + 1 + len(w) > chars:
            out.append(cur)
            cur = w
        else:
            cur = f"{cur}{w}" if cur.endswith("-") else f"{cur} {w}".strip()
    if cur:
        out.append(cur)
    if len(out) > lines:
        out = out[: lines - 1] + [_clip(" ".join(out[lines - 1:]), chars * 7, 12)]
    return out or [""]


def _tspans(lines: Sequence[str], x: float, dy: float = 13) -> str:
    return "".join(f'<tspan x="{x:.1f}" dy="{0 if k == 0 else dy:g}">{_esc(t)}</tspan>' for k, t in enumerate(lines))


def _y_grid(out: list[str], ticks: Sequence[float], Y, left: float, right_x: float, *, side: str = "left",
            fmt=None) -> None:
    fmt = fmt or _fmt_tick
    for t in ticks:
        y = Y(t)
        if side == "left":
            out.append(f'<line x1="{left:g}" x2="{right_x:g}" y1="{y:.1f}" y2="{y:.1f}" stroke="currentColor" '
                       f'stroke-opacity="0.13"/><text x="{left - 5:g}" y="{y + 4:.1f}" text-anchor="end" '
                       f'font-size="11" fill="currentColor" fill-opacity="0.75">{fmt(t)}</text>')
        else:
            out.append(f'<text x="{right_x + 5:g}" y="{y + 4:.1f}" font-size="11" fill="currentColor" '
                       f'fill-opacity="0.75">{fmt(t)}</text>')


def _finite(v) -> bool:
    return v is not None and isinstance(v, (int, float, np.floating, np.integer)) and math.isfinite(v)


@dataclass
class Segment:
    value: float
    color: str
    tip: str = ""


def stacked_hbars(rows: Sequence[tuple[str, Sequence[Segment]]], *, axis_title: str, width: float = 560,
                  row_height: float = 24, title: str = "") -> str:
    """One horizontal bar per row (first row on top), stacked from its segments (negative values
    stack left of zero). Labels longer than the left margin are cut; the tooltips keep them whole."""
    if not rows:
        out = _open(width, 60, title)
        out.append(f'<text x="{width / 2:g}" y="34" text-anchor="middle" font-size="12" fill="#666">–</text></svg>')
        return "".join(out)
    left = min(max(_text_width(name) for name, _s in rows) + 12, width * 0.42)
    right, top, bottom = 16, 6, 40
    pw = width - left - right
    height = top + row_height * len(rows) + bottom
    pos = [sum(s.value for s in segs if _finite(s.value) and s.value > 0) for _n, segs in rows]
    neg = [sum(s.value for s in segs if _finite(s.value) and s.value < 0) for _n, segs in rows]
    ticks = nice_ticks(min(0.0, min(neg)), max(max(pos), 1e-9), 5)
    lo, hi = ticks[0], ticks[-1]

    def X(v: float) -> float:
        return left + (v - lo) / (hi - lo) * pw

    out = _open(width, height, title)
    for t in ticks:
        x = X(t)
        out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{height - bottom:g}" stroke="currentColor" '
                   f'stroke-opacity="{0.45 if t == 0 else 0.13}"/><text x="{x:.1f}" y="{height - bottom + 15:g}" '
                   f'text-anchor="middle" font-size="11" fill="currentColor" fill-opacity="0.75">{_fmt_tick(t)}</text>')
    out.append(f'<text x="{left + pw / 2:.1f}" y="{height - 6:g}" text-anchor="middle" font-size="12" '
               f'fill="currentColor">{_esc(axis_title)}</text>')
    for k, (name, segs) in enumerate(rows):
        y = top + row_height * k
        out.append(f'<text x="{left - 6:.1f}" y="{y + row_height / 2 + 4:.1f}" text-anchor="end" font-size="12" '
                   f'fill="currentColor"><title>{_esc(name)}</title>{_esc(_clip(name, left - 12))}</text>')
        up, down = 0.0, 0.0
        for s in segs:
            if not _finite(s.value) or s.value == 0:
                continue
            if s.value > 0:
                a, b = up, up + s.value
                up = b
            else:
                a, b = down + s.value, down
                down = a
            out.append(f'<rect x="{X(a):.1f}" y="{y + 3:.1f}" width="{X(b) - X(a):.1f}" height="{row_height - 6:g}" '
                       f'fill="{s.color}"><title>{_esc(s.tip)}</title></rect>')
    out.append("</svg>")
    return "".join(out)


def grouped_bars(categories: Sequence[str], series: Sequence[tuple[str, str, Sequence[float]]], *, y_max: float,
                 axis_title: str, width: float = 560, height: float = 300, title: str = "") -> str:
    """Bars of each series side by side in each category; a missing value leaves its slot empty."""
    left, right, top = 44, 10, 10
    bottom = 44
    pw, ph = width - left - right, height - top - bottom
    ticks = nice_ticks(0, y_max, 6)
    hi = max(ticks[-1], y_max)

    def Y(v: float) -> float:
        return top + (hi - v) / hi * ph

    out = _open(width, height, title)
    _y_grid(out, ticks, Y, left, left + pw)
    out.append(f'<text transform="translate(12,{top + ph / 2:.1f}) rotate(-90)" text-anchor="middle" font-size="11" '
               f'fill="currentColor" fill-opacity="0.75">{_esc(axis_title)}</text>')
    n_cat, n_ser = max(len(categories), 1), max(len(series), 1)
    slot = pw / n_cat
    bw = slot * 0.8 / n_ser
    for c, cat in enumerate(categories):
        x0 = left + slot * c + slot * 0.1
        for s, (name, col, vals) in enumerate(series):
            v = vals[c] if c < len(vals) else None
            if not _finite(v):
                continue
            y = Y(max(float(v), 0.0))
            out.append(f'<rect x="{x0 + s * bw:.1f}" y="{y:.1f}" width="{max(bw - 1, 1):.1f}" '
                       f'height="{top + ph - y:.1f}" fill="{col}"><title>{_esc(name)} · {_esc(cat)}: '
                       f'{float(v):.2f}</title></rect>')
        lines = _wrap(cat, max(int(slot / 6.5), 6))
        out.append(f'<text y="{top + ph + 15:g}" text-anchor="middle" font-size="11" fill="currentColor">'
                   f"<title>{_esc(cat)}</title>{_tspans(lines, left + slot * (c + 0.5))}</text>")
    out.append(f'<line x1="{left}" x2="{left + pw:g}" y1="{top + ph:g}" y2="{top + ph:g}" stroke="currentColor" '
               f'stroke-opacity="0.5"/></svg>')
    return "".join(out)


def radar(axes: Sequence[str], series: Sequence[tuple[str, str, Sequence[float]]], *, r_max: float,
          width: float = 460, height: float = 380, title: str = "") -> str:
    """One polygon per series over the axes (clockwise from the top). A missing value has no
    vertex: the polygon joins its neighbours and the tooltip says the value is missing."""
    cx, cy = width / 2, height / 2 + 4
    r = min(width * 0.5 - 100, height * 0.5 - 46)
    n = max(len(axes), 3)

    def P(k: int, v: float) -> tuple[float, float]:
        a = -math.pi / 2 + 2 * math.pi * k / n
        return cx + math.cos(a) * r * v / r_max, cy + math.sin(a) * r * v / r_max

    out = _open(width, height, title)
    for t in nice_ticks(0, r_max, 5)[1:]:
        pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in (P(k, t) for k in range(n)))
        out.append(f'<polygon points="{pts}" fill="none" stroke="currentColor" stroke-opacity="0.15"/>')
        x, y = P(0, t)
        out.append(f'<text x="{x + 4:.1f}" y="{y + 11:.1f}" font-size="10" fill="currentColor" fill-opacity="0.6">'
                   f"{_fmt_tick(t)}</text>")
    for k, name in enumerate(axes):
        x, y = P(k, r_max)
        out.append(f'<line x1="{cx:.1f}" y1="{cy:.1f}" x2="{x:.1f}" y2="{y:.1f}" stroke="currentColor" '
                   f'stroke-opacity="0.2"/>')
        lx, ly = P(k, r_max * 1.1)
        ly -= 4 if k == 0 else 0
        anchor = "middle" if abs(lx - cx) < 8 else "start" if lx > cx else "end"
        lines = _wrap(name, 15)
        ly = ly - (6 * (len(lines) - 1) if abs(ly - cy) < r * 0.5 else (13 * (len(lines) - 1) if ly < cy else 0))
        out.append(f'<text y="{ly + 4:.1f}" text-anchor="{anchor}" font-size="11" fill="currentColor">'
                   f"<title>{_esc(name)}</title>{_tspans(lines, lx)}</text>")
    for name, col, vals in series:
        pts = [P(k, float(v)) for k, v in enumerate(vals) if _finite(v)]
        tip = " · ".join(f"{a}: {float(v):.2f}" if _finite(v) else f"{a}: –" for a, v in zip(axes, vals))
        if len(pts) >= 2:
            out.append(f'<polygon points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in pts)}" fill="{col}" '
                       f'fill-opacity="0.22" stroke="{col}" stroke-width="2"><title>{_esc(name)} · {_esc(tip)}</title>'
                       "</polygon>")
        for x, y in pts:
            out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{col}"/>')
    out.append("</svg>")
    return "".join(out)


def month_bars(months: Sequence[dt.date], bars: Sequence[float], line: Sequence[float], *, bar_name: str,
               line_name: str, bar_color: str, line_color: str, date_format=None, width: float = 760,
               height: float = 260, title: str = "") -> str:
    """Bars (left axis) and a line (right axis) by month; a month with no value leaves a gap."""
    left, right, top, bottom = 48, 48, 10, 26
    pw, ph = width - left - right, height - top - bottom
    out = _open(width, height, title)
    if not len(months):
        out.append(f'<text x="{width / 2:g}" y="{height / 2:g}" text-anchor="middle" font-size="12" fill="#666">–</text>'
                   "</svg>")
        return "".join(out)
    fmt = date_format or (lambda d: f"{d:%b %Y}")
    t0, t1 = min(months), max(months)
    n_slots = (t1.year - t0.year) * 12 + t1.month - t0.month + 1
    slot = pw / n_slots

    def X(d: dt.date) -> float:
        return left + ((d.year - t0.year) * 12 + d.month - t0.month + 0.5) * slot

    def axis(vals):
        vmax = max([float(v) for v in vals if _finite(v)] + [0.0])
        ticks = nice_ticks(0, max(vmax, 1.0), 5)
        return ticks, ticks[-1]

    bt, bhi = axis(bars)
    lt, lhi = axis(line)
    _y_grid(out, bt, lambda v: top + (bhi - v) / bhi * ph, left, left + pw)
    _y_grid(out, lt, lambda v: top + (lhi - v) / lhi * ph, left, left + pw, side="right")
    for d, b, ln in zip(months, bars, line):
        if not _finite(b):
            continue
        y = top + (bhi - float(b)) / bhi * ph
        w = max(slot * 0.8, 1.0)
        tipl = f" · {line_name}: {float(ln):,.0f}" if _finite(ln) else ""
        out.append(f'<rect x="{X(d) - w / 2:.1f}" y="{y:.1f}" width="{w:.1f}" height="{top + ph - y:.1f}" '
                   f'fill="{bar_color}"><title>{_esc(fmt(d))}: {bar_name} {float(b):,.0f}{_esc(tipl)}</title></rect>')
    out.append(_gapped_line([(X(d), top + (lhi - float(v)) / lhi * ph) if _finite(v) else None
                             for d, v in zip(months, line)], line_color, 1.6))
    # x ticks: each month when few, else every k-th January (or month) that fits ~70 px a label
    per = max(1, math.ceil(70 / slot))
    step = per if per < 12 else 12 * math.ceil(per / 12)
    k = 0 if step < 12 else (13 - t0.month) % 12
    while k < n_slots:
        y_, m_ = divmod(t0.month - 1 + k, 12)
        d = dt.date(t0.year + y_, m_ + 1, 1)
        out.append(f'<text x="{X(d):.1f}" y="{top + ph + 17:g}" text-anchor="middle" font-size="11" '
                   f'fill="currentColor" fill-opacity="0.75">{_esc(fmt(d) if step < 12 else d.year)}</text>')
        k += step
    out.append(f'<line x1="{left}" x2="{left + pw:g}" y1="{top + ph:g}" y2="{top + ph:g}" stroke="currentColor" '
               f'stroke-opacity="0.5"/></svg>')
    return "".join(out)


def heat_grid(rows: Sequence[str], columns: Sequence[str], z: np.ndarray, color, *, tip, width: float = 760,
              row_height: float = 15, title: str = "") -> str:
    """A grid of ``z`` (rows x columns) coloured by ``color(value)``; runs of equal cells in a row
    are one rectangle, so a long series stays a few hundred elements. ``tip(row, first, last,
    value)`` is each run's tooltip; column labels are shown for every January ("YYYY-01")."""
    left = min(max((_text_width(r, 11) for r in rows), default=0) + 10, width * 0.3)
    right, top, bottom = 8, 4, 22
    n = max(len(columns), 1)
    cw = (width - left - right) / n
    height = top + row_height * len(rows) + bottom
    out = _open(width, height, title)
    for i, name in enumerate(rows):
        y = top + row_height * i
        out.append(f'<text x="{left - 5:.1f}" y="{y + row_height - 4:.1f}" text-anchor="end" font-size="11" '
                   f'fill="currentColor">{_esc(_clip(name, left - 10, 11))}</text>')
        j = 0
        while j < len(columns):
            v = z[i, j]
            k = j
            while k + 1 < len(columns) and (z[i, k + 1] == v or (np.isnan(z[i, k + 1]) and np.isnan(v))):
                k += 1
            out.append(f'<rect x="{left + j * cw:.1f}" y="{y:.1f}" width="{(k - j + 1) * cw:.1f}" '
                       f'height="{row_height - 1:g}" fill="{color(v)}"><title>{_esc(tip(name, columns[j], columns[k], v))}'
                       "</title></rect>")
            j = k + 1
    first_jan = next((j for j, c in enumerate(columns) if str(c).endswith("-01")), n)
    for j, c in enumerate(columns):
        if str(c).endswith("-01") or (j == 0 and first_jan * cw > 34):
            x = left + j * cw
            out.append(f'<text x="{x:.1f}" y="{height - 6:g}" font-size="10" fill="currentColor" fill-opacity="0.75">'
                       f"{_esc(str(c)[:4])}</text>")
    out.append("</svg>")
    return "".join(out)
