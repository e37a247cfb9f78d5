"""Figures of scores and data for the pages: contributions, pillars, trends, rank ranges, slope
charts, the events timeline and the coverage heatmap.

Each returns HTML (a figure: its title, an inline SVG drawn by :mod:`dashboard.figures.svg`, and
its legend) for ``st.markdown(..., unsafe_allow_html=True)``; every name and label in it is
escaped. No plotly.js: a page whose only plotly element would be a chart loads none of its
4.7 MB (docs/SCALE.md, tenth pass), and the figures are the ones the briefs draw. Tooltips are
the SVG's own (plain text). None imports streamlit (tested without it).
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import numpy as np
import pandas as pd

from dashboard import wording
from dashboard.figures import svg
from dashboard.figures.palette import LEVEL_NAMES, PILLAR_COLORS, SERIES_COLORS, level_color
from dashboard.i18n import _


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def legend(items: Sequence[tuple[str, str]]) -> str:
    """A wrapping row of colour swatches and names (HTML)."""
    return ('<div class="chart-legend" style="display:flex;flex-wrap:wrap;gap:.15rem 1rem;font-size:.8rem;'
            'margin:.2rem 0 0 .3rem">' + "".join(
                f'<span><i style="display:inline-block;width:.75em;height:.75em;background:{c};margin-right:.35em;'
                f'vertical-align:-.05em"></i>{_e(n)}</span>' for n, c in items) + "</div>")


# The chart is drawn at three widths and the figure shows the one nearest its own width (a CSS
# container query): the text keeps about its size on a phone, a half column and a full page,
# where one drawing scaled to fit would shrink it to 5 px on a phone.
WIDTHS = (380, 640, 960)
_STYLE = ("<style>figure.chart{container-type:inline-size}figure.chart .rc svg{width:100%;height:auto}"
          "figure.chart .rc1,figure.chart .rc2{display:none}"
          "@container (min-width:520px){figure.chart .rc0{display:none}figure.chart .rc1{display:block}}"
          "@container (min-width:800px){figure.chart .rc1{display:none}figure.chart .rc2{display:block}}</style>")


def responsive(draw) -> str:
    """``draw(width)`` -> SVG, at each of :data:`WIDTHS`, for :func:`figure`. The drawings are
    inline in HTML, where SVG needs no namespace declaration (and the page's Markdown then holds
    no URL at all)."""
    return "".join(f'<div class="rc rc{k}">{draw(w).replace(_XMLNS, "", 1)}</div>' for k, w in enumerate(WIDTHS))


_XMLNS = ' xmlns="http://www.w3.org/2000/svg"'


def figure(svg_markup: str, title: str | None = None, items: Sequence[tuple[str, str]] = (),
           unit: str | None = None) -> str:
    """An SVG chart (or :func:`responsive` drawings) with its title above and its legend below,
    as one HTML block."""
    cap = ""
    if title or unit:
        unit_html = "" if not unit else (f' <span style="font-weight:400;opacity:.75">({_e(unit)})</span>' if title
                                         else f'<span style="font-weight:400;opacity:.75">{_e(unit)}</span>')
        cap = ('<figcaption style="font-weight:600;font-size:.95rem;margin:0 0 .3rem 0">' + _e(title or "")
               + unit_html + "</figcaption>")
    return (f'{_STYLE}<figure class="chart" style="margin:0 0 1rem 0">{cap}{svg_markup}'
            + (legend(items) if items else "") + "</figure>")


def _short_month(d) -> str:
    d = pd.Timestamp(d)
    return f"{_(wording._MONTHS[d.month - 1])[:3]} {d.year}"


def contributions_bar(contrib: pd.DataFrame, title: str | None = None) -> str:
    """Horizontal bars: points each indicator adds, coloured by pillar (largest on top).

    ``contrib``: columns indicator_name, pillar, points.
    """
    df = contrib.sort_values("points", ascending=False)
    rows, seen = [], {}
    for r in df.itertuples(index=False):
        name, pname = wording.indicator(r.indicator_name), wording.pillar(r.pillar)
        col = PILLAR_COLORS.get(r.pillar, "#999")
        seen.setdefault(pname, col)
        pts = float(r.points) if pd.notna(r.points) else float("nan")
        tip = f"{name} ({pname}): " + (f"{pts:.2f} " + _("points") if pd.notna(r.points) else "–")
        rows.append((name, [svg.Segment(pts, col, tip)]))
    return figure(responsive(lambda w: svg.stacked_hbars(rows, axis_title=_("points of the 0-10 score"), width=w,
                                                         title=title or "")), title,
                  list(seen.items()))


def pillar_bars(table: pd.DataFrame, pillars: Sequence[str], names: Sequence[str] | None = None,
                title: str | None = None) -> str:
    """Grouped bars: each region's pillar scores (0-10) side by side."""
    names = list(names or pillars)
    series = [(str(r["name"]), SERIES_COLORS[i % len(SERIES_COLORS)],
               [float(r[f"pillar_{p}"]) if pd.notna(r[f"pillar_{p}"]) else None for p in pillars])
              for i, (_i, r) in enumerate(table.iterrows())]
    chart = responsive(lambda w: svg.grouped_bars(names, series, y_max=10, axis_title=_("pillar score (0-10)"),
                                                  width=w, height=min(max(w * 0.5, 270), 340), title=title or ""))
    return figure(chart, title, [(n[:60], c) for n, c, _v in series])


def pillar_radar(table: pd.DataFrame, pillars: Sequence[str], names: Sequence[str] | None = None,
                 title: str | None = None) -> str:
    """One closed polygon per region over its pillar scores (0-10; a missing score has no vertex)."""
    names = list(names or pillars)
    series = [(str(r["name"]), SERIES_COLORS[i % len(SERIES_COLORS)],
               [float(r[f"pillar_{p}"]) if pd.notna(r[f"pillar_{p}"]) else None for p in pillars])
              for i, (_i, r) in enumerate(table.iterrows())]
    chart = responsive(lambda w: svg.radar(names, series, r_max=10, width=w, height=min(max(w * 0.7, 300), 420),
                                           title=title or ""))
    return figure(chart, title, [(n[:60], c) for n, c, _v in series])


def rank_ranges_svg(table: pd.DataFrame, of: int, title: str = "", width: float = 760) -> str:
    """Each region's rank (a dot in its level's colour) and its 5-95 % Monte-Carlo range (a bar),
    rank 1 on top, as SVG markup; ``of``: how many regions of that kind are ranked (ranks of states
    and of corridors are never on one axis)."""
    rows = [svg.RankRow(str(r.name), float(r.rank), float(r.rank_low), float(r.rank_high), level_color(r.level),
                        f"{r.name}: " + _("rank {r} (range {lo}-{hi}, median {m})", r=f"{r.rank:.0f}",
                                          lo=f"{r.rank_low:.0f}", hi=f"{r.rank_high:.0f}", m=f"{r.median_rank:.0f}"))
            for r in table.sort_values("rank").itertuples(index=False)]
    return svg.rank_range_chart(rows, of=of, axis_title=_("rank of {n} (1 = highest risk)", n=of), title=title,
                                width=width)


def slope_chart_svg(before: pd.DataFrame, after: pd.DataFrame, label_before: str, label_after: str,
                    title: str = "") -> str:
    """Each region's rank before and after as SVG markup, the movers of 2+ places bold and red."""
    b = before.set_index("region_id")
    rows = []
    for r in after.itertuples(index=False):
        if r.region_id not in b.index:
            continue
        rb = float(b.at[r.region_id, "rank"])
        rows.append(svg.SlopeRow(str(r.name), rb, float(r.rank),
                                 f"{r.name}: " + _("rank {r}", r=f"{rb:.0f}") + " → " + _("rank {r}", r=f"{r.rank:.0f}")))
    return svg.slope_chart(rows, label_before=label_before, label_after=label_after,
                           axis_title=_("rank (1 = highest risk)"), title=title)


def trend_lines(series: pd.DataFrame, x: str, y: str, group: str, title: str | None = None,
                y_title: str | None = None, thresholds: Sequence[float] | None = None) -> str:
    """One line per ``group`` of ``series`` (NaN values leave gaps); with ``thresholds`` (a score
    chart, 0-10), the five level bands are shaded behind the lines and named."""
    lines, items = [], []
    for i, (name, g) in enumerate(series.groupby(group, sort=False)):
        g = g.sort_values(x)
        label = wording.series(name) if name in wording.SERIES else str(name)
        col = SERIES_COLORS[i % len(SERIES_COLORS)]
        vals = [float(v) if pd.notna(v) else float("nan") for v in g[y]]
        lines.append((label, col, [pd.Timestamp(d).date() for d in g[x]], vals))
        items.append((label[:60], col))
    kw = {}
    if thresholds is not None:
        edges = [0.0, *thresholds, 10.0]
        kw = dict(y_min=0, y_max=10, bands=[(edges[k], edges[k + 1], level_color(k + 1), _(LEVEL_NAMES[k + 1]))
                                            for k in range(5)])
    chart = responsive(lambda w: svg.line_chart(lines, date_format=_short_month, title=title or y_title or "",
                                                width=w, height=min(max(w * 0.32, 220), 300), **kw))
    return figure(chart, title, items if len(items) > 1 or thresholds is None else (), unit=y_title)


def timeline(events: pd.DataFrame, title: str | None = None) -> str:
    """Monthly events and deaths of a list of events."""
    if "date_precision" in events:
        # events known only to the year sit on 1 January and would draw false spikes
        events = events[events["date_precision"] != "year"]
    if events.empty:
        return monthly_timeline(pd.DataFrame({"month": [], "events": [], "deaths": []}), title)
    m = events.assign(month=pd.to_datetime(events["date"]).dt.to_period("M").dt.to_timestamp())
    g = m.groupby("month").agg(events=("event_id", "count"), deaths=("fatalities", "sum")).reset_index()
    return monthly_timeline(g, title)


def monthly_timeline(g: pd.DataFrame, title: str | None = None) -> str:
    """Events (bars, left axis) and deaths (line, right axis) by month (``g``: month, events,
    deaths; months known only to the year left out)."""
    g = g[g["month"].notna()] if len(g) else g
    if g.empty:
        return figure(f"<p>{_e(_('No events in the selection'))}</p>", title)
    g = g.sort_values("month")
    months = [pd.Timestamp(m).date().replace(day=1) for m in g["month"]]
    deaths = [float(v) if pd.notna(v) else float("nan") for v in g["deaths"]]
    chart = responsive(lambda w: svg.month_bars(
        months, [float(v) for v in g["events"]], deaths, bar_name=_("events"), line_name=_("deaths"),
        bar_color="#607d8b", line_color="#7b1e3a", date_format=_short_month, width=w,
        height=min(max(w * 0.3, 220), 300), title=title or _("events") + " · " + _("deaths")))
    return figure(chart, title, [(_("events") + " (" + _("left axis") + ")", "#607d8b"),
                                 (_("deaths") + " (" + _("right axis") + ")", "#7b1e3a")])


def _coverage_color(v: float) -> str:
    if not np.isfinite(v) or v <= 0:
        return "#bdbdbd"
    a, b = np.array([0xff, 0xf3, 0xe0]), np.array([0x2e, 0x7d, 0x32])
    r, g, bl = (a + (b - a) * min(float(v), 1.0)).round().astype(int)
    return f"#{r:02x}{g:02x}{bl:02x}"


def coverage_heatmap(coverage: pd.DataFrame, names: dict | None = None) -> str:
    """States x months, the share of cells with a figure: grey = none, green = all.

    ``coverage``: index state codes, columns months ("YYYY-MM"), values 0-1; ``names``
    labels the states (code -> name).
    """
    names = names or {}
    rows = [str(names.get(s, s)) for s in coverage.index]
    cols = [str(c) for c in coverage.columns]

    def tip(row, first, last, v):
        span = first if first == last else f"{first} – {last}"
        return f"{row} · {span}: " + (f"{v:.0%}" if np.isfinite(v) else "–")

    z = coverage.to_numpy(dtype=float)
    chart = responsive(lambda w: svg.heat_grid(rows, cols, z, _coverage_color, tip=tip, width=w, title=_("share")))
    return figure(chart, None, [(_("none"), "#bdbdbd"), ("1-50%", _coverage_color(0.25)),
                                ("50-99%", _coverage_color(0.75)), ("100%", _coverage_color(1.0))])
