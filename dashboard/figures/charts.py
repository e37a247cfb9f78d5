"""Figures of scores and data: contributions, pillars, trends, rank ranges, slope charts (SVG),
the events timeline and the coverage heatmap.

Each returns a ``go.Figure``; none imports streamlit (tested without it). The ``*_svg`` variants
return SVG markup for pages redrawn on every slider move (Weights & methods), where plotly.js
cost each browser most of a move.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard import wording
from dashboard.figures import svg
from dashboard.figures.palette import LEVEL_COLORS, LEVEL_NAMES, PILLAR_COLORS, SERIES_COLORS, level_color
from dashboard.i18n import _


def _layout(fig: go.Figure, title: str | None = None, height: int = 360) -> go.Figure:
    fig.update_layout(title=title, height=height, margin=dict(l=10, r=10, t=40 if title else 10, b=10),
                      plot_bgcolor="rgba(0,0,0,0)", paper_bgcolor="rgba(0,0,0,0)",
                      legend=dict(orientation="h", y=-0.15))
    return fig


def contributions_bar(contrib: pd.DataFrame, title: str | None = None) -> go.Figure:
    """Horizontal bars: points each indicator adds, coloured by pillar (largest on top).

    ``contrib``: columns indicator_name, pillar, points, raw (optional), coverage.
    """
    df = contrib.sort_values("points")
    fig = go.Figure()
    for pillar, g in df.groupby("pillar", sort=False):
        pname = wording.pillar(pillar)
        fig.add_bar(y=[wording.indicator(n) for n in g["indicator_name"]], x=g["points"], orientation="h", name=pname,
                    marker_color=PILLAR_COLORS.get(pillar, "#999"),
                    hovertemplate="%{y}: %{x:.2f} " + _("points") + "<extra>" + pname + "</extra>")
    fig.update_layout(barmode="stack", xaxis_title=_("points of the 0-10 score"))
    fig.update_yaxes(automargin=True)
    return _layout(fig, title, height=max(260, 24 * len(df) + 80))


def pillar_bars(table: pd.DataFrame, pillars: Sequence[str], names: Sequence[str] | None = None,
                title: str | None = None) -> go.Figure:
    """Grouped bars: each region's pillar scores (0-10) side by side."""
    fig = go.Figure()
    names = names or pillars
    # Long pillar names wrapped on two lines and kept horizontal: rotated, plotly let them
    # run into the legend below the axis.
    labels = ["<br>".join(textwrap.wrap(str(n), 12)) for n in names]
    for i, (_i, r) in enumerate(table.iterrows()):
        fig.add_bar(x=labels, y=[r[f"pillar_{p}"] for p in pillars], name=r["name"][:40],
                    marker_color=SERIES_COLORS[i % len(SERIES_COLORS)], customdata=list(names),
                    hovertemplate="%{customdata}: %{y:.2f}<extra>" + r["name"][:40] + "</extra>")
    fig.update_layout(barmode="group", yaxis=dict(range=[0, 10], title=_("pillar score (0-10)")))
    fig.update_xaxes(tickangle=0, automargin=True, tickfont=dict(size=10))
    _layout(fig, title)
    fig.update_layout(legend=dict(orientation="h", y=-0.3, yanchor="top"))
    return fig


def pillar_radar(table: pd.DataFrame, pillars: Sequence[str], names: Sequence[str] | None = None,
                 title: str | None = None) -> go.Figure:
    """One closed polygon per region over its pillar scores (0-10; missing drawn at 0)."""
    names = list(names or pillars)
    fig = go.Figure()
    for i, (_i, r) in enumerate(table.iterrows()):
        vals = [float(np.nan_to_num(r[f"pillar_{p}"])) for p in pillars]
        fig.add_scatterpolar(r=vals + vals[:1], theta=names + names[:1], name=r["name"][:40], fill="toself",
                             opacity=0.5, line_color=SERIES_COLORS[i % len(SERIES_COLORS)])
    # wrapped axis names and room around the circle: long pillar names were clipped
    fig.update_layout(polar=dict(radialaxis=dict(range=[0, 10]), angularaxis=dict(tickfont=dict(size=11)),
                                 domain=dict(x=[0.12, 0.88], y=[0.05, 0.95])))
    for tr in fig.data:
        tr.theta = ["<br>".join(textwrap.wrap(str(t), 16)) for t in tr.theta]
    _layout(fig, title, height=440)
    fig.update_layout(margin=dict(l=40, r=40, t=60 if title else 30, b=30))
    return fig


def rank_ranges(table: pd.DataFrame, title: str | None = None, of: int | None = None) -> go.Figure:
    """Dots at each region's rank with its 5-95 % Monte-Carlo range as a bar (one kind of region:
    ranks of states and of corridors are never on one axis). ``of``: how many regions are ranked."""
    df = table.sort_values("rank", ascending=False)
    fig = go.Figure()
    fig.add_trace(go.Scatter(
        x=df["rank"], y=[str(n)[:40] for n in df["name"]], mode="markers", name=_("Rank"),
        marker=dict(size=10, color=[level_color(v) for v in df["level"]], line=dict(color="#333", width=1)),
        error_x=dict(type="data", symmetric=False, array=df["rank_high"] - df["rank"],
                     arrayminus=df["rank"] - df["rank_low"], color="#555", thickness=1.5),
        customdata=np.stack([df["rank_low"], df["rank_high"], df["median_rank"]], axis=1),
        hovertemplate="%{y}: " + _("rank {r} (range {lo}-{hi}, median {m})", r="%{x:.0f}",
                                                  lo="%{customdata[0]:.0f}", hi="%{customdata[1]:.0f}",
                                                  m="%{customdata[2]:.0f}") + "<extra></extra>"))
    # a short axis title (it must fit a phone); what the bar means is in the hover and the caption
    xt = _("rank of {n} (1 = highest risk)", n=of) if of else _("rank (1 = highest risk)")
    xaxis = dict(title=xt, tickformat="d")
    xaxis.update(range=[of + 0.5, 0.5], autorange=False) if of else xaxis.update(autorange="reversed")
    fig.update_layout(xaxis=xaxis)
    fig.update_yaxes(automargin=True)
    return _layout(fig, title, height=max(200, 26 * len(df) + 110))


def rank_ranges_svg(table: pd.DataFrame, of: int, title: str = "") -> str:
    """:func:`rank_ranges` as SVG markup (rank 1 on top, tooltips in plain text)."""
    rows = [svg.RankRow(str(r.name), float(r.rank), float(r.rank_low), float(r.rank_high), level_color(r.level),
                        f"{r.name}: " + _("rank {r} (range {lo}-{hi}, median {m})", r=f"{r.rank:.0f}",
                                          lo=f"{r.rank_low:.0f}", hi=f"{r.rank_high:.0f}", m=f"{r.median_rank:.0f}"))
            for r in table.sort_values("rank").itertuples(index=False)]
    return svg.rank_range_chart(rows, of=of, axis_title=_("rank of {n} (1 = highest risk)", n=of), title=title)


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
                y_title: str | None = None) -> go.Figure:
    """One line per ``group`` of ``series`` (NaN values leave gaps)."""
    fig = go.Figure()
    for i, (name, g) in enumerate(series.groupby(group, sort=False)):
        label = wording.series(name) if name in wording.SERIES else str(name)
        fig.add_scatter(x=g[x], y=g[y], mode="lines+markers", name=label[:40],
                        line=dict(color=SERIES_COLORS[i % len(SERIES_COLORS)]))
    fig.update_layout(yaxis_title=y_title or y)
    return _layout(fig, title)


def level_bands(fig: go.Figure, thresholds: Sequence[float]) -> go.Figure:
    """Shade the five level bands behind a score chart (0-10 on y)."""
    edges = [0, *thresholds, 10]
    for k in range(5):
        fig.add_hrect(y0=edges[k], y1=edges[k + 1], fillcolor=LEVEL_COLORS[k + 1], opacity=0.12, line_width=0,
                      annotation_text=_(LEVEL_NAMES[k + 1]), annotation_position="left",
                      annotation_font_size=10)
    fig.update_yaxes(range=[0, 10])
    return fig


def timeline(events: pd.DataFrame, title: str | None = None) -> go.Figure:
    """Monthly events and deaths of a list of events."""
    if events.empty:
        return _layout(go.Figure(), title or _("No events in the selection"))
    if "date_precision" in events:
        # events known only to the year sit on 1 January and would draw false spikes
        events = events[events["date_precision"] != "year"]
    m = events.assign(month=pd.to_datetime(events["date"]).dt.to_period("M").dt.to_timestamp())
    g = m.groupby("month").agg(events=("event_id", "count"), deaths=("fatalities", "sum")).reset_index()
    return monthly_timeline(g, title)


def monthly_timeline(g: pd.DataFrame, title: str | None = None) -> go.Figure:
    """Events and deaths by month (``g``: month, events, deaths; months known only to the year left out)."""
    g = g[g["month"].notna()] if len(g) else g
    if g.empty:
        return _layout(go.Figure(), title or _("No events in the selection"))
    month = pd.to_datetime(g["month"])
    fig = go.Figure()
    fig.add_bar(x=month, y=g["events"], name=_("events"), marker_color="#607d8b")
    fig.add_scatter(x=month, y=g["deaths"], name=_("deaths"), yaxis="y2", line=dict(color="#7b1e3a"),
                    mode="lines+markers" if len(g) < 3 else "lines")
    fig.update_layout(yaxis=dict(title=_("events"), rangemode="tozero"),
                      yaxis2=dict(title=_("deaths"), overlaying="y", side="right", rangemode="tozero"))
    if len(g) <= 6:
        # a few months: one tick a month and room around the bars (plotly zoomed one month's bar
        # to fractions of a second on the axis)
        fig.update_xaxes(dtick="M1", tickformat="%b %Y",
                         range=[month.min() - pd.Timedelta(days=45), month.max() + pd.Timedelta(days=45)])
    return _layout(fig, title)


def coverage_heatmap(coverage: pd.DataFrame, names: dict | None = None) -> go.Figure:
    """States x months, the share of cells with a figure: grey = none, green = all.

    ``coverage``: index state codes, columns months ("YYYY-MM"), values 0-1; ``names``
    labels the states (code -> name).
    """
    names = names or {}
    fig = go.Figure(go.Heatmap(z=coverage.to_numpy(), x=[str(c) for c in coverage.columns],
                               y=[names.get(s, s) for s in coverage.index],
                               colorscale=[[0, "#bdbdbd"], [0.01, "#fff3e0"], [1, "#2e7d32"]], zmin=0, zmax=1,
                               colorbar=dict(title=_("share"))))
    fig.update_layout(height=720, margin=dict(l=10, r=10, t=10, b=10))
    return fig
