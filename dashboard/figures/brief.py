"""Briefs a security team can send: one state, one municipality, one corridor, or a comparison
of two to six regions, in English or Spanish, as a self-contained HTML page and as a PDF printed
from that same page.

Each brief holds: a map excerpt (inline SVG drawn from ``data/geo``), the level with its
definition and plain advice for travellers, investors and security teams, the drivers in words,
the trend, recent events, the reference assessments beside ours, the sources with each one's
latest month (data vintage), the method, the as-of date and when it was generated.

Offline and small: no script, no plotly.js, no web font, no image fetched; charts are inline SVG
(:mod:`dashboard.figures.svg`). Every text from the data is escaped. No streamlit here: the pages
call these functions from their download buttons.
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import html
import importlib.util
import math
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from dashboard import words
from dashboard.figures import svg
from dashboard.figures.palette import SERIES_COLORS, level_color, level_text_color
from dashboard.i18n import b_
from scoring.db.schema import EVENT_TYPES
from scoring.index.levels import DEFAULT_THRESHOLDS

CHROMIUM = "/usr/bin/chromium"
VINTAGE_HEAD = "Data vintage: each source's latest month"
OWN_NOTE = "the official figures are the state's, so the score differs from the state's only through the events placed here."
EVENTS_SHOWN = 15
CORRIDOR_KINDS = {"highway": "highway", "port_route": "port route", "migrant_route": "migrant route",
                  "border_crossing": "border crossing", "trafficking_route": "trafficking route"}
EVENT_TYPE_NAMES = {
    "armed_clash": "Armed clash", "killing": "Killing of civilians", "targeted_killing": "Targeted killing",
    "attack_on_security_forces": "Attack on security forces", "kidnapping": "Kidnapping",
    "disappearance": "Disappearance", "body_discovery": "Bodies found", "blockade_arson": "Blockade or arson",
    "explosive_attack": "Explosive attack", "extortion": "Extortion", "seizure": "Seizure",
    "arrest_or_operation": "Arrest or operation", "migrant_incident": "Migrant incident", "protest": "Protest",
    "other": "Other",
}
assert set(EVENT_TYPE_NAMES) == set(EVENT_TYPES)
MUNICIPAL_SERIES_NAMES = {"homicide": "Intentional homicide", "feminicide": "Feminicide", "extortion": "Extortion",
                          "kidnapping": "Kidnapping", "drug_dealing": "Drug dealing"}
ASSESSORS = {"US Department of State travel advisory": "US Department of State travel advisory"}
SOURCES = ("SESNSP crime statistics, state and municipal (Términos de Libre Uso MX)",
           "CONAPO population projections; INEGI census 2020, death certificates and municipal outlines",
           "RNPDNO register of missing people",
           "UCDP Georeferenced Event Dataset (CC BY 4.0)",
           "GeoNames (CC BY 4.0); news articles (facts only, restated)")


@dataclass
class Context:
    """What every brief shows besides its region: data vintage, reference assessments, the state
    outlines, the quarterly score history of every region, and when it was generated."""

    vintage: list = field(default_factory=list)                    # scoring.index.report.Freshness
    ratings: pd.DataFrame = field(default_factory=pd.DataFrame)      # queries.assessments
    states_geo: dict | None = None                                  # data/geo/mx_states.geojson
    history: pd.DataFrame | None = None                             # report.score_history (all regions)
    generated: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))

    def geo(self) -> dict:
        if self.states_geo is None:
            import json

            path = Path(__file__).resolve().parents[2] / "data" / "geo" / "mx_states.geojson"
            self.states_geo = json.loads(path.read_text(encoding="utf-8"))
        return self.states_geo


# --- names of files -----------------------------------------------------------------------------

def slug(text: str) -> str:
    """"Benito Juárez" -> "benito-juarez"."""
    ascii_ = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    s = re.sub(r"[^a-z0-9]+", "-", ascii_.lower()).strip("-")
    if len(s) > 60:   # long corridor names and comparisons: cut at a word, never inside one
        s = s[:61].rsplit("-", 1)[0]
    return s or "region"


def file_name(name: str, as_of: dt.date, lang: str, ext: str = "html") -> str:
    """"brief-benito-juarez-2026-07-31-es.html"."""
    return f"brief-{slug(name)}-{as_of.isoformat()}-{lang}.{ext}"


# --- building blocks ------------------------------------------------------------------------------

def _e(text: object) -> str:
    return html.escape("" if text is None else str(text), quote=True)


def _num(v, digits: int = 2) -> str:
    return words.number(None if v is None or (isinstance(v, float) and not math.isfinite(v)) else float(v), digits)


def _int(v) -> str:
    return "–" if v is None or pd.isna(v) else f"{int(round(float(v))):,}"


def _badge(level, lang: str, big: bool = False) -> str:
    lv = int(level) if level == level and level is not None else 0
    cls = "badge big" if big else "badge"
    return (f'<span class="{cls}" style="background:{level_color(lv)};color:{level_text_color(lv)}">'
            f"{_e(words.level_label(lv, lang))}</span>")


def _level_section(level, score, lo, hi, rank_line: str, lang: str, change=None) -> str:
    lv = int(level) if level == level and level is not None else 0
    if lv and score is not None and math.isfinite(score):
        figures = b_("Score {score} of 10 (90% interval {lo}–{hi})", lang, score=f"<b>{_num(score)}</b>",
                     lo=_num(lo), hi=_num(hi))
    else:
        figures = b_("No score: too little data in the window.", lang)
    ch = ""
    if change is not None and math.isfinite(change):
        ch = "<br>" + _e(b_("Change since the previous quarter: {d}", lang, d=f"{change:+.2f}"))
    return (f'<div class="level">{_badge(lv, lang, big=True)}<p class="figures">{figures}. {_e(rank_line)}{ch}</p>'
            f'<p class="definition">{_e(words.level_definition(lv, lang))}</p></div>')


def _advice_section(level, lang: str) -> str:
    rows = "".join(f"<tr><th>{_e(w)}</th><td>{_e(a)}</td></tr>" for w, a in words.advice(level, lang))
    return f'<h2>{_e(b_("What to do", lang))}</h2><table class="advice">{rows}</table>'


def _levels_key(lang: str) -> str:
    items = "".join(f'<li>{_badge(lv, lang)} {_e(words.level_definition(lv, lang))}</li>' for lv in range(1, 6))
    return (f'<details class="key" open><summary>{_e(b_("The five levels", lang))}</summary><ul>{items}</ul>'
            f'<p class="note">{_e(b_("Levels are relative to Mexico: they rank places against each other, and are not the levels of a travel advisory.", lang))}</p></details>')


def _beside_section(ours_level, ratings: pd.DataFrame, state_code: str | None, lang: str, for_state: str = "") -> str:
    rows = [f"<tr><td>{_e(b_('This assessment', lang))}</td><td>{_badge(ours_level, lang)}</td><td>–</td></tr>"]
    if state_code is not None and ratings is not None and len(ratings):
        for r in ratings[ratings["state_code"] == state_code].itertuples(index=False):
            their = f"{r.level} {b_('of', lang)} {r.level_max}"
            if isinstance(r.level_name, str) and r.level_name:
                their = f"“{r.level_name}” ({their})"
            rows.append(f"<tr><td>{_e(b_(ASSESSORS.get(r.assessor, r.assessor), lang))}{_e(for_state)}</td>"
                        f"<td>{_e(their)}</td><td>{_e(words.day(pd.Timestamp(r.as_of).date(), lang))}</td></tr>")
    if len(rows) == 1:
        rows.append(f'<tr><td colspan="3">{_e(b_("No reference assessment covers this region.", lang))}</td></tr>')
    head = (f"<tr><th>{_e(b_('Assessment', lang))}</th><th>{_e(b_('Level', lang))}</th>"
            f"<th>{_e(b_('Date', lang))}</th></tr>")
    return (f'<h2>{_e(b_("Beside other assessments", lang))}</h2><table class="t">{head}{"".join(rows)}</table>'
            f'<p class="note">{_e(b_("References are shown beside ours for context; they never enter the score.", lang))}</p>')


def _bars(rows: list[tuple[str, float]], lang: str, unit: str | None = None) -> str:
    """Horizontal bars (HTML, so long labels wrap instead of being cut): (label, points)."""
    if not rows:
        return f"<p>{_e(b_('No indicator adds points.', lang))}</p>"
    top = max(p for _, p in rows) or 1.0
    unit = unit if unit is not None else b_("points", lang)
    out = []
    for label, p in rows:
        w = max(0.5, 100 * p / top)
        out.append(f'<div class="bar"><span class="lbl">{_e(label)}</span><span class="track">'
                   f'<span class="fill" style="width:{w:.1f}%"></span></span>'
                   f'<span class="val">{_num(p)} {_e(unit)}</span></div>')
    return '<div class="bars">' + "".join(out) + "</div>"


def _legend(items: list[tuple[str, str]]) -> str:
    return '<p class="legend">' + "".join(
        f'<span><i style="background:{c}"></i>{_e(n)}</span>' for n, c in items) + "</p>"


def _month_fmt(lang: str):
    short = {"en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
             "es": ("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic")}
    names = short.get(lang, short["en"])
    return lambda d: f"{names[d.month - 1]} {d.year}"


def _trend_chart(trend: pd.DataFrame, label_of, lang: str, title: str, y_title: str) -> str:
    if trend is None or trend.empty:
        return f"<p>{_e(b_('No monthly official figures here.', lang))}</p>"
    series, legend = [], []
    for k, (name, g) in enumerate(trend.groupby("series", sort=False)):
        g = g.sort_values("month")
        col = SERIES_COLORS[k % len(SERIES_COLORS)]
        label = label_of(name)
        series.append((label, col, [pd.Timestamp(m).date() for m in g["month"]], g["rate"].astype(float).tolist()))
        legend.append((label, col))
    return (f'<figure><figcaption>{_e(title)} <span class="unit">({_e(y_title)})</span></figcaption>'
            + svg.line_chart(series, date_format=_month_fmt(lang), title=title) + _legend(legend) + "</figure>")


def _history_chart(hist: pd.DataFrame | None, ids: list[str], names: dict, lang: str, thresholds) -> str:
    if hist is None or hist.empty:
        return ""
    h = hist[hist["region_id"].isin(ids)]
    if h.empty:
        return ""
    edges = [0.0, *thresholds, 10.0]
    bands = [(edges[k], edges[k + 1], level_color(k + 1)) for k in range(5)]
    series, legend = [], []
    for k, rid in enumerate(ids):
        g = h[h["region_id"] == rid].sort_values("as_of")
        if g.empty:
            continue
        col = SERIES_COLORS[k % len(SERIES_COLORS)] if len(ids) > 1 else "#1b2631"
        series.append((names.get(rid, rid), col, [pd.Timestamp(d).date() for d in g["as_of"]],
                       g["score"].astype(float).tolist()))
        legend.append((names.get(rid, rid), col))
    title = b_("Score each quarter, over the level bands", lang)
    return (f'<figure><figcaption>{_e(title)} <span class="unit">({_e(b_("score 0-10", lang))})</span></figcaption>'
            + svg.line_chart(series, y_min=0, y_max=max(7.0, float(h["score"].max() or 0) + 0.5), bands=bands,
                             date_format=_month_fmt(lang), title=title)
            + (_legend(legend) if len(ids) > 1 else "") + "</figure>")


def _events_section(events: pd.DataFrame, lang: str, where: str) -> str:
    head = f'<h2>{_e(b_("Recent events", lang))}</h2>'
    if events is None or events.empty:
        return head + f"<p>{_e(b_('No event recorded {where} in the window (systematic event data end in 2023; recent events come from articles and imports).', lang, where=where))}</p>"
    ev = events.sort_values("date", ascending=False).head(EVENTS_SHOWN)
    cols = [b_("Date", lang), b_("What", lang), b_("Deaths", lang), b_("Place", lang), b_("Actors", lang),
            b_("Sources", lang)]
    rows = []
    for r in ev.to_dict(orient="records"):
        d = pd.Timestamp(r.get("date"))
        fat = r.get("fatalities")
        rows.append("<tr>" + "".join(f"<td>{_e(x)}</td>" for x in (
            "–" if pd.isna(d) else d.date().isoformat(),
            b_(EVENT_TYPE_NAMES.get(r.get("event_type"), "Other"), lang),
            "–" if fat is None or pd.isna(fat) else f"{int(fat):,}",
            " ".join(str(r.get("place") or "–").split()),
            " ".join(str(r.get("actors") or "–").split()),
            " ".join(str(r.get("sources") or "–").split())[:120])) + "</tr>")
    more = ""
    if len(events) > EVENTS_SHOWN:
        more = f'<p class="note">{_e(b_("The newest {n} of {total} events.", lang, n=EVENTS_SHOWN, total=f"{len(events):,}"))}</p>'
    return (head + '<table class="t ev"><tr>' + "".join(f"<th>{_e(c)}</th>" for c in cols) + "</tr>"
            + "".join(rows) + "</table>" + more)


def _sources_section(res, ctx: Context, lang: str, extra: str = "") -> str:
    o, p = res.options, res.profile
    vint = "".join(f"<li>{_e(b_(f.label, lang))}: <b>{_e(words.month(f.through, lang))}</b></li>"
                   for f in ctx.vintage) or f"<li>{_e(b_('not known', lang))}</li>"
    method = (b_("Profile {profile}", lang, profile=words.profile_name(p, lang)) + "; "
              + words.method_line(p, lang) + "; "
              + b_("window {w} days, half-life {h} days", lang, w=o.window_days, h=f"{o.half_life_days:g}"))
    from scoring.index.registry import load_registry

    src = "".join(f"<li>{_e(b_(s, lang))}</li>" for s in SOURCES)
    return (f'<h2>{_e(b_("Sources and method", lang))}</h2><div class="cols">'
            f'<div><h3>{_e(b_(VINTAGE_HEAD, lang))}</h3><ul>{vint}</ul></div>'
            f'<div><h3>{_e(b_("Sources", lang))}</h3><ul>{src}</ul></div></div>'
            f'<p class="note">{_e(method)}. {_e(b_("Weights", lang))}: {_e(words.weights_line(p, load_registry(), lang))}. '
            f'{_e(b_("Scores run from 0 (the calmest state on every indicator) to 10 (the worst); they compare places within Mexico.", lang))}'
            f"{(' ' + _e(extra)) if extra else ''}</p>")


CSS = """
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;color:#1d2327;margin:0;background:#fff;
 font-size:14px;line-height:1.45}
main{max-width:960px;margin:0 auto;padding:0 24px 24px}
header.top{background:#1b2631;color:#fff;padding:14px 24px;margin-bottom:16px}
header.top .inner{max-width:912px;margin:0 auto}
header.top .kind{text-transform:uppercase;letter-spacing:.08em;font-size:12px;color:#c9d3dc}
header.top h1{margin:2px 0 4px;font-size:28px;line-height:1.2}
header.top .when{font-size:13px;color:#dde4ea}
h2{font-size:17px;margin:22px 0 8px;padding-bottom:4px;border-bottom:2px solid #1b2631}
h3{font-size:14px;margin:8px 0 4px}
.grid{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1.1fr);gap:20px;align-items:start}
.badge{display:inline-block;padding:2px 10px;border-radius:4px;font-weight:600;white-space:nowrap;
 -webkit-print-color-adjust:exact;print-color-adjust:exact}
.badge.big{font-size:20px;padding:6px 16px;border-radius:6px}
.figures{font-size:15px;margin:10px 0 6px}
.definition{margin:4px 0;color:#333}
.summary{font-size:15px}
table.t,table.advice{border-collapse:collapse;width:100%;font-size:13px}
table.t th,table.t td,table.advice th,table.advice td{padding:5px 8px;border-bottom:1px solid #dde2e6;
 text-align:left;vertical-align:top}
table.t th{background:#f2f4f6;font-weight:600}
table.advice th{width:24%;color:#1b2631}
table.t td.n,table.t th.n{text-align:right;white-space:nowrap}
.bars{display:grid;gap:5px}
.bar{display:grid;grid-template-columns:minmax(0,44%) minmax(0,1fr) 88px;gap:8px;align-items:center;font-size:13px}
.bar .track{background:#eef1f4;height:12px;border-radius:2px;overflow:hidden}
.bar .fill{display:block;height:12px;background:#1b2631;-webkit-print-color-adjust:exact;print-color-adjust:exact}
.bar .val{text-align:right;white-space:nowrap;color:#333}
ul.drivers{margin:6px 0 0 18px;padding:0}
figure{margin:8px 0 0}
figure svg{display:block;width:100%;height:auto}
figcaption{font-weight:600;font-size:13px;margin-bottom:2px}
figcaption .unit{font-weight:400;color:#555}
.legend{display:flex;flex-wrap:wrap;gap:4px 14px;font-size:12px;margin:2px 0}
.legend i{display:inline-block;width:14px;height:4px;margin:0 5px 3px 0;vertical-align:middle;
 -webkit-print-color-adjust:exact;print-color-adjust:exact}
.map svg{display:block;border:1px solid #dde2e6;border-radius:4px;width:100%;height:auto}
.map .cap{font-size:12px;color:#555;margin:4px 0 0}
.note{font-size:12px;color:#555}
.cols{display:grid;grid-template-columns:1fr 1fr;gap:16px}
.cols ul{margin:0;padding-left:18px;font-size:13px}
details.key{font-size:12.5px;margin-top:10px}
ul.glance{list-style:none;padding:0;margin:0}
ul.glance li{margin:0 0 10px}
table.fixed{table-layout:fixed}
.bar.mini{grid-template-columns:minmax(0,1fr) 34px;gap:4px}
details.key ul{list-style:none;padding:0;margin:6px 0}
details.key li{margin:3px 0}
footer{margin-top:24px;font-size:12px;color:#555;border-top:1px solid #dde2e6;padding-top:8px}
@media (max-width:720px){.grid,.cols{grid-template-columns:1fr}.bar{grid-template-columns:1fr 90px}
 .bar .track{grid-column:1/3;grid-row:2}}
@page{size:A4;margin:12mm 12mm 14mm}
@media print{header.top{-webkit-print-color-adjust:exact;print-color-adjust:exact}main{padding:0 4px}
 h2,h3,figcaption{break-after:avoid}tr,figure,.bar,.level,.map,table.advice,details.key,ul.glance li{break-inside:avoid}
 details.key summary{list-style:none}}
"""


def _page(lang: str, kind: str, title: str, as_of: dt.date, ctx: Context, body: str) -> str:
    gen = words.generated_line(ctx.generated.astimezone(dt.UTC), lang)
    when = b_("Data as of {as_of} · generated {generated}", lang, as_of=words.day(as_of, lang), generated=gen)
    doc_title = b_("Risk brief: {name}", lang, name=title)
    foot = b_("Mexico risk dashboard. Scores describe organised-crime risk relative to the rest of Mexico at the "
              "as-of date; they are no substitute for current local advice.", lang)
    return (f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<meta name="generator" content="Mexico risk dashboard"><title>{_e(doc_title)}</title>'
            f"<style>{CSS}</style></head><body>"
            f'<header class="top"><div class="inner"><div class="kind">{_e(b_("Risk brief", lang))} · {_e(kind)}</div>'
            f'<h1>{_e(title)}</h1><div class="when">{_e(when)}</div></div></header>'
            f"<main>{body}<footer>{_e(foot)}</footer></main></body></html>")


def _rank_line(rank, low, high, n: int, kind_plural: str, lang: str) -> str:
    if rank is None or pd.isna(rank):
        return b_("Unranked.", lang)
    text = b_("Rank {rank} of {n} {kinds} (1 = highest risk)", lang, rank=f"{int(rank):,}", n=f"{n:,}",
              kinds=kind_plural)
    if low is not None and not pd.isna(low) and not pd.isna(high) and (int(low) != int(rank) or int(high) != int(rank)):
        text += b_("; between {lo} and {hi} under other weights and methods", lang, lo=f"{int(low):,}",
                   hi=f"{int(high):,}")
    return text + "."


def _state_shapes(ctx: Context, levels: dict, lang: str, highlight: set[str] = frozenset(), dim: bool = False):
    shapes = []
    for f in ctx.geo()["features"]:
        code = f.get("id") or f["properties"].get("inegi")
        lv = levels.get(code, 0)
        hl = code in highlight
        name = f["properties"].get("name", code)
        shapes.append(svg.Shape(f["geometry"], level_color(lv), "#1b2631" if hl else "#ffffff", 2.2 if hl else 0.6,
                                f"{name}: {words.level_name(lv, lang)}",
                                str(f["properties"].get("hasc", "")).split(".")[-1],
                                opacity=1.0 if (hl or not dim) else 0.3))
    # highlighted outlines drawn last, so their edge is not hidden under a neighbour's
    return sorted(shapes, key=lambda s: s.stroke_width)


def _map_block(svg_text: str, caption: str, lang: str) -> str:
    return f'<div class="map">{svg_text}<p class="cap">{_e(caption)}</p></div>'


def _level_legend(lang: str) -> str:
    return _legend([(words.level_name(lv, lang), level_color(lv)) for lv in range(1, 6)])


def _state_levels(res) -> dict:
    t = res.table[res.table["region_type"] == "state"]
    return dict(zip(t["region_id"], t["level"].astype(int)))


def _driver_rows(res, rid: str, lang: str, top: int = 8) -> list[tuple[str, float]]:
    contrib = res.contributions()
    mine = contrib[(contrib["region_id"] == rid) & (contrib["points"] > 0.005)].sort_values("points", ascending=False)
    return [(b_(r.indicator_name, lang), float(r.points)) for r in mine.head(top).itertuples(index=False)]


# --- the four briefs ------------------------------------------------------------------------------

def state_brief(res, code: str, trend: pd.DataFrame, events: pd.DataFrame, *, lang: str = "en",
                ctx: Context | None = None, spikes: pd.DataFrame | None = None) -> str:
    """The brief of state ``code``: ``trend`` = :func:`scoring.index.report.trend`, ``events``
    = its events of the two windows before the as-of date, ``spikes`` = report.spikes."""
    ctx = ctx or Context()
    row = res.table.set_index("region_id").loc[code]
    name, lv = str(row["name"]), int(row["level"])
    n = int((res.table["region_type"] == "state").sum())
    kinds = b_("states", lang)
    drivers = res.driver_records.get(code, [])
    levels = _state_levels(res)
    geom = [f["geometry"] for f in ctx.geo()["features"] if (f.get("id") or f["properties"].get("inegi")) == code]
    focus = svg.bounds(geom) if geom else (-118.5, 14.5, -86.7, 32.8)
    mp = svg.map_svg(_state_shapes(ctx, levels, lang, {code}), focus=focus, margin=0.35,
                     title=b_("{name} and its neighbours, coloured by level", lang, name=name))
    body = ['<section class="grid"><div>',
            _level_section(lv, float(row["score"]), float(row["ci_low"]), float(row["ci_high"]),
                           _rank_line(row["rank"], row["rank_low"], row["rank_high"], n, kinds, lang), lang,
                           float(row["change"]) if pd.notna(row["change"]) else None),
            f'<p class="summary">{_e(words.summary(name, lv, float(row["score"]), row["rank"], n, kinds, drivers, lang))}</p>',
            "</div><div>",
            _map_block(mp, b_("{name} outlined; every state in its level colour.", lang, name=name), lang),
            _level_legend(lang), "</div></section>",
            f"<section>{_advice_section(lv, lang)}</section>",
            f'<section><h2>{_e(b_("What drives the score", lang))}</h2>',
            '<ul class="drivers">' + "".join(f"<li>{_e(words.driver(d, 'state', lang))}</li>" for d in drivers) + "</ul>",
            f'<h3>{_e(b_("Points each indicator adds to the score", lang))}</h3>', _bars(_driver_rows(res, code, lang), lang),
            "</section>",
            f'<section><h2>{_e(b_("Trend", lang))}</h2>',
            _trend_chart(trend, lambda s: b_(s, lang), lang, b_("Monthly official figures", lang),
                         b_("per 100,000 people a year", lang)),
            _history_chart(ctx.history, [code], {code: name}, lang, res.profile.thresholds)]
    if spikes is not None and len(spikes):
        from scoring.index.changes import _spike_reason

        sp = spikes[spikes["state_code"] == code] if "state_code" in spikes else spikes
        items = "".join(f"<li>{_e(_spike_reason(r, lambda s: b_(s, lang)))}</li>" for r in sp.to_dict(orient="records"))
        if items:
            body.append(f'<h3>{_e(b_("Recent spikes", lang))}</h3><ul>{items}</ul>')
    body.append("</section>")
    body.append(f"<section>{_beside_section(lv, ctx.ratings, code, lang)}</section>")
    body.append(f"<section>{_events_section(events, lang, b_('in this state', lang))}</section>")
    body.append(f"<section>{_sources_section(res, ctx, lang)}{_levels_key(lang)}</section>")
    return _page(lang, words.kind("state", lang), name, res.options.as_of, ctx, "".join(body))


def place_brief(ms, i: int, res, trend: pd.DataFrame, events: pd.DataFrame, *, reg, munis_geo: dict | None,
                lang: str = "en", ctx: Context | None = None, state_name: str | None = None) -> str:
    """The brief of municipality ``i`` of ``ms`` (:class:`scoring.index.municipal.MunicipalScores`);
    ``trend`` = :func:`scoring.index.municipal.trend`, ``munis_geo`` = its state's municipal outlines."""
    from scoring.index import municipal

    ctx = ctx or Context()
    t = ms.table
    row = t.iloc[i]
    name, code, sc = str(row["name"]), str(row["cvegeo"]), str(row["state_code"])
    srow = res.table.set_index("region_id").loc[sc]
    state_name = state_name or str(srow["name"])
    title = f"{name}, {state_name}"
    lv = int(row["level"])
    n = int(t["score"].notna().sum())
    rank = _rank_line(row["rank"], row["rank_low"], row["rank_high"], n, b_("municipalities", lang), lang)
    if pd.notna(row["rank_in_state"]):
        rank += " " + b_("{rank} of {n} in {state}.", lang, rank=int(row["rank_in_state"]), n=int(row["n_in_state"]),
                         state=state_name)
    drivers = municipal.drivers(ms, i, reg, top=5)
    basis = {"own": b_("its own files, shrunk toward the state's rate", lang),
             "state": b_("the state's figure (not published by municipality)", lang),
             "none": b_("no data", lang)}
    dlist = []
    for d in drivers:
        lo_, hi_ = _num(d["low"], 1), _num(d["high"], 1)
        band = (" " + b_("(90%: {lo} to {hi})", lang, lo=lo_, hi=hi_)) if d["kind"] == "own" and lo_ != hi_ else ""
        dlist.append(f"<li><b>{_e(b_(d['name'], lang))}</b>: {_e(_num(d['value']))} "
                     f"{_e(words.unit(d['unit'], 'state', lang))}{_e(band)}, +{_e(_num(d['points']))} "
                     f"{_e(b_('points', lang))} <span class='note'>({_e(basis.get(d['kind'], d['kind']))})</span></li>")
    # the map: the state's municipalities in their levels, this one outlined, framed around it
    shapes, mine = [], []
    lvls = dict(zip(t["cvegeo"], t["level"].astype(int)))
    for f in (munis_geo or {}).get("features", []):
        fid = f.get("id")
        hl = fid == code
        s = svg.Shape(f["geometry"], level_color(lvls.get(fid, 0)), "#1b2631" if hl else "#ffffff",
                      2.4 if hl else 0.3, f"{words.level_name(lvls.get(fid, 0), lang)}")
        (mine if hl else shapes).append(s)
    mp = ""
    if mine:
        x0, y0, x1, y1 = svg.bounds([mine[0].geometry])
        sx0, sy0, sx1, sy1 = svg.bounds([sh.geometry for sh in shapes + mine])
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        hw = max((x1 - x0) * 1.5, (sx1 - sx0) * 0.3, 0.08)
        hh = max((y1 - y0) * 1.5, (sy1 - sy0) * 0.3, 0.06)
        # the neighbouring states in pale grey underneath, so the frame never shows empty sea where there is land
        under = [svg.Shape(f["geometry"], "#e3e7eb", "#ffffff", 1.2, f["properties"].get("name", ""),
                           str(f["properties"].get("hasc", "")).split(".")[-1])
                 for f in ctx.geo()["features"] if (f.get("id") or f["properties"].get("inegi")) != sc]
        mp = svg.map_svg(under + shapes + mine, focus=(cx - hw, cy - hh, cx + hw, cy + hh), margin=0.1,
                         title=b_("{name} and the municipalities around it, coloured by level", lang, name=name))
    own = "" if row["own_data"] else (
        f'<p class="note"><b>{_e(b_("No municipal series for this state in our data:", lang))}</b> '
        f'{_e(b_(OWN_NOTE, lang))}</p>')
    state_line = b_("State context: {state} is at {level} (score {score}, rank {rank} of 32).", lang, state=state_name,
                    level=words.level_label(srow["level"], lang), score=_num(float(srow["score"])),
                    rank=_int(srow["rank"]))
    tr_label = {k: b_(v, lang) for k, v in MUNICIPAL_SERIES_NAMES.items()}
    body = ['<section class="grid"><div>',
            _level_section(lv, float(row["score"]), float(row["ci_low"]), float(row["ci_high"]), rank, lang,
                           float(row["change"]) if pd.notna(row["change"]) else None),
            f'<p class="summary">{_e(state_line)}</p>', own,
            "</div><div>",
            _map_block(mp, b_("{name} outlined; municipalities in their level colours.", lang, name=name), lang)
            if mp else "", _level_legend(lang), "</div></section>",
            f"<section>{_advice_section(lv, lang)}</section>",
            f'<section><h2>{_e(b_("What drives the score", lang))}</h2>',
            ('<ul class="drivers">' + "".join(dlist) + "</ul>") if dlist else f"<p>{_e(b_('No indicator adds points.', lang))}</p>",
            f'<p class="note">{_e(b_("Municipal rates are shrunk toward the state rate (empirical Bayes), so one case in a small town does not read as extreme; indicators not published by municipality carry the state figure.", lang))}</p>',
            "</section>",
            f'<section><h2>{_e(b_("Trend", lang))}</h2>',
            _trend_chart(trend, lambda s: tr_label.get(s, s), lang, b_("Monthly official figures", lang),
                         b_("per 100,000 people a year", lang)),
            "</section>",
            f"<section>{_beside_section(srow['level'], ctx.ratings, sc, lang, ' (' + b_('for the state', lang) + ')')}</section>",
            f"<section>{_events_section(events, lang, b_('in this municipality', lang))}</section>",
            f"<section>{_sources_section(res, ctx, lang)}{_levels_key(lang)}</section>"]
    return _page(lang, words.kind("municipality", lang), title, res.options.as_of, ctx, "".join(body))


def corridor_brief(res, cid: str, events: pd.DataFrame, *, info: dict, path: pd.DataFrame,
                   shares: pd.DataFrame | None = None, stretches: pd.DataFrame | None = None,
                   stretch_level: dict | None = None, lang: str = "en", ctx: Context | None = None,
                   state_names: dict | None = None) -> str:
    """The brief of corridor ``cid``: ``info`` its row of the corridors table (name, kind,
    length_km, why), ``path`` its waypoints (latitude, longitude in order), ``stretches`` its
    scored stretches (:func:`scoring.index.stretches.score_stretches`), ``stretch_level`` its row
    of :func:`~scoring.index.stretches.corridor_levels`."""
    ctx = ctx or Context()
    row = res.table.set_index("region_id").loc[cid]
    name, lv = str(row["name"]), int(row["level"])
    n = int((res.table["region_type"] == "corridor").sum())
    kinds = b_("corridors", lang)
    drivers = res.driver_records.get(cid, [])
    levels = _state_levels(res)
    lines = []
    if stretches is not None and len(stretches):
        for r in stretches.itertuples(index=False):
            lines.append(svg.Line([(r.lon0, r.lat0), (r.lon1, r.lat1)], level_color(int(r.level)), 4.0,
                                  f"{r.from_name} – {r.to_name}: {words.level_name(int(r.level), lang)}"))
    elif len(path):
        lines.append(svg.Line(list(zip(path["longitude"], path["latitude"])), level_color(lv), 4.0, name))
    lons = [c[0] for ln in lines for c in ln.coords] or [-118.5, -86.7]
    lats = [c[1] for ln in lines for c in ln.coords] or [14.5, 32.8]
    focus = (min(lons), min(lats), max(lons), max(lats))
    mp = svg.map_svg(_state_shapes(ctx, levels, lang, dim=True), lines, focus=focus, margin=0.25,
                     title=b_("{name} on the map", lang, name=name))
    facts = b_("{kind}, {km} km", lang, kind=b_(CORRIDOR_KINDS.get(info.get("kind"), "route"), lang),
               km=f"{float(info.get('length_km') or 0):,.0f}")
    st_names = state_names or {}
    along = ""
    if shares is not None and len(shares):
        along = b_("States along it: {states}.", lang, states=", ".join(
            f"{st_names.get(s, s)} ({p:.0%})" for s, p in zip(shares["state_code"], shares["share"])))
    body = ['<section class="grid"><div>',
            _level_section(lv, float(row["score"]), float(row["ci_low"]), float(row["ci_high"]),
                           _rank_line(row["rank"], row["rank_low"], row["rank_high"], n, kinds, lang), lang,
                           float(row["change"]) if pd.notna(row["change"]) else None),
            f'<p class="summary">{_e(facts[:1].upper() + facts[1:])}. {_e(along)}</p>',
            (f'<p class="note">{_e(info.get("why"))}</p>' if lang == "en" and info.get("why") else ""),
            "</div><div>",
            _map_block(mp, b_("Stretches in their level colours over the states in theirs (pale).", lang)
                       if stretches is not None and len(stretches)
                       else b_("The corridor in its level colour over the states in theirs (pale).", lang), lang),
            _level_legend(lang), "</div></section>",
            f"<section>{_advice_section(lv, lang)}</section>"]
    if stretches is not None and len(stretches):
        sl = stretch_level or {}
        head = ""
        worst = stretches.sort_values("score", ascending=False).iloc[0]
        if sl:
            text = b_("Level from its stretches: {level} ({km} of {total} km at that level or above). Worst stretch: "
                      "{worst}, {wl} (score {ws}).", lang, level=words.level_name(sl.get("level", 0), lang),
                      km=f"{sl.get('worst_km', 0):,.0f}", total=f"{sl.get('length_km', 0):,.0f}",
                      worst=f"{worst['from_name']} – {worst['to_name']}", wl=words.level_name(int(worst["level"]), lang),
                      ws=_num(float(worst["score"])))
            head = f"<p>{_e(text)}</p>"
        rows = "".join(
            f"<tr><td>{_e(r.from_name)} – {_e(r.to_name)}</td><td class='n'>{r.length_km:,.0f}</td>"
            f"<td>{_badge(int(r.level), lang)}</td><td class='n'>{_num(r.score)}</td>"
            f"<td>{_e(r.worst_municipality)}</td></tr>" for r in stretches.itertuples(index=False))
        body.append(f'<section><h2>{_e(b_("Stretch by stretch", lang))}</h2>{head}<table class="t"><tr>'
                    f"<th>{_e(b_('Stretch', lang))}</th><th class='n'>km</th><th>{_e(b_('Level', lang))}</th>"
                    f"<th class='n'>{_e(b_('Score', lang))}</th><th>{_e(b_('Worst municipality', lang))}</th></tr>"
                    f"{rows}</table></section>")
    body += [f'<section><h2>{_e(b_("What drives the score", lang))}</h2>',
             '<ul class="drivers">' + "".join(f"<li>{_e(words.driver(d, 'corridor', lang))}</li>" for d in drivers) + "</ul>",
             f'<h3>{_e(b_("Points each indicator adds to the score", lang))}</h3>', _bars(_driver_rows(res, cid, lang), lang),
             "</section>",
             f'<section><h2>{_e(b_("Trend", lang))}</h2>',
             _history_chart(ctx.history, [cid], {cid: name}, lang, res.profile.thresholds)
             or f"<p>{_e(b_('No history.', lang))}</p>", "</section>",
             f"<section>{_events_section(events, lang, b_('near this corridor', lang))}</section>",
             f"<section>{_sources_section(res, ctx, lang, b_('A corridor scores the events within {km} km of its line and the official figures of the states it crosses, weighted by the share of its length in each.', lang, km=f'{res.options.buffer_km:g}'))}{_levels_key(lang)}</section>"]
    return _page(lang, words.kind("corridor", lang), name, res.options.as_of, ctx, "".join(body))


def comparison_brief(res, ids: list[str], *, lang: str = "en", ctx: Context | None = None, reg=None,
                     paths: pd.DataFrame | None = None) -> str:
    """A brief comparing two to six states or corridors: levels side by side, pillars, what
    drives each difference from the first, the history, the map, references."""
    from scoring.index import report
    from scoring.index.registry import load_registry

    if not 2 <= len(ids) <= 6:
        raise ValueError("a comparison takes two to six regions")
    ctx = ctx or Context()
    reg = reg or load_registry()
    t = res.table.set_index("region_id")
    sel = t.loc[ids]
    names = {r: str(sel.at[r, "name"]) for r in ids}
    n_of = {k: int((res.table["region_type"] == k).sum()) for k in ("state", "corridor")}
    title = b_("Comparison: {names}", lang, names=", ".join(names[r] for r in ids))
    short_title = " · ".join(names[r] for r in ids)
    # map: compared states in their level, the rest greyed; compared corridors as lines
    levels = _state_levels(res)
    states = [r for r in ids if sel.at[r, "region_type"] == "state"]
    shapes = _state_shapes(ctx, levels, lang, set(states), dim=True)
    lines = []
    if paths is not None and len(paths):
        for r in ids:
            if sel.at[r, "region_type"] == "corridor":
                p = paths[paths["corridor_id"] == r].sort_values("seq")
                lines.append(svg.Line(list(zip(p["longitude"], p["latitude"])), level_color(int(sel.at[r, "level"])),
                                      4.0, names[r]))
    geoms = [f["geometry"] for f in ctx.geo()["features"] if (f.get("id") or f["properties"].get("inegi")) in states]
    xs, ys = [], []
    if geoms:
        b = svg.bounds(geoms)
        xs += [b[0], b[2]]
        ys += [b[1], b[3]]
    for ln in lines:
        xs += [c[0] for c in ln.coords]
        ys += [c[1] for c in ln.coords]
    focus = (min(xs), min(ys), max(xs), max(ys)) if xs else (-118.5, 14.5, -86.7, 32.8)
    mp = svg.map_svg(shapes, lines, focus=focus, margin=0.12, title=title)
    # the side-by-side table; one column per reference assessor (a reference, never part of the score)
    assessors = sorted(set(ctx.ratings["assessor"])) if len(ctx.ratings) else []
    head = "".join(f"<th>{_e(c)}</th>" for c in (b_("Region", lang), b_("Level", lang), b_("Score", lang),
                                                 b_("90% interval", lang), b_("Rank", lang),
                                                 b_("Change in a quarter", lang),
                                                 *(b_(ASSESSORS.get(x, x), lang) for x in assessors)))
    rows = []
    for r in ids:
        s = sel.loc[r]
        kind = s["region_type"]
        refs = []
        for x in assessors:
            got = ctx.ratings[(ctx.ratings["state_code"] == r) & (ctx.ratings["assessor"] == x)]
            if kind != "state" or got.empty:
                refs.append("–")
                continue
            a_ = got.iloc[0]
            refs.append((f"“{a_['level_name']}” " if isinstance(a_["level_name"], str) and a_["level_name"] else "")
                        + f"({a_['level']} {b_('of', lang)} {a_['level_max']})")
        rank = "–" if pd.isna(s["rank"]) else b_("{rank} of {n} {kinds}", lang, rank=int(s["rank"]), n=n_of[kind],
                                                  kinds=b_("states" if kind == "state" else "corridors", lang))
        chg = "–" if pd.isna(s["change"]) else f"{float(s['change']):+.2f}"
        rows.append(f"<tr><td><b>{_e(names[r])}</b><br><span class='note'>{_e(words.kind(kind, lang))}</span></td>"
                    f"<td>{_badge(s['level'], lang)}</td><td class='n'>{_num(float(s['score']))}</td>"
                    f"<td class='n'>{_num(float(s['ci_low']))}–{_num(float(s['ci_high']))}</td><td>{_e(rank)}</td>"
                    f"<td class='n'>{chg}</td>" + "".join(f"<td>{_e(x)}</td>" for x in refs) + "</tr>")
    table = f'<table class="t"><tr>{head}</tr>{"".join(rows)}</table>'
    # pillars: one row per region, one column per pillar (fixed widths, so bars compare)
    pill = []
    for r in ids:
        cells = []
        for p in reg.pillars:
            v = sel.at[r, "pillar_" + p.id]
            w = max(0.5, 10 * float(v)) if pd.notna(v) else 0
            cells.append(f"<td><div class='bar mini'><span class='track'><span class='fill' style='width:{w:.1f}%'>"
                         f"</span></span><span class='val'>{_num(float(v), 1) if pd.notna(v) else '–'}</span></div></td>")
        pill.append(f"<tr><th>{_e(names[r])}</th>{''.join(cells)}</tr>")
    pillars = (f'<table class="t fixed"><tr><th>{_e(b_("Region", lang))}</th>'
               + "".join(f"<th>{_e(b_(p.name, lang))}</th>" for p in reg.pillars) + "</tr>" + "".join(pill) + "</table>"
               + f'<p class="note">{_e(b_("Each pillar on 0-10.", lang))}</p>')
    # what drives each difference from the first region, all of them
    a = ids[0]
    gaps = []
    for b in ids[1:]:
        g = report.gap(res, a, b)
        parts = [f"{b_(r.indicator_name, lang)} {r.difference:+.2f}" for r in g.largest(3).itertuples(index=False)
                 if np.isfinite(r.difference) and abs(r.difference) >= 0.01]
        gaps.append(f"<li>{_e(b_('{a} scores {gap} against {b}; the largest differences: {parts}.', lang, a=names[a], b=names[b], gap=f'{g.gap:+.2f}', parts='; '.join(parts) or '–'))}</li>")
    levels_present = sorted({int(sel.at[r, "level"]) for r in ids})
    advice = "".join(
        f"<h3>{_badge(lv, lang)} {_e(', '.join(names[r] for r in ids if int(sel.at[r, 'level']) == lv))}</h3>"
        + '<table class="advice">' + "".join(f"<tr><th>{_e(w)}</th><td>{_e(x)}</td></tr>" for w, x in words.advice(lv, lang))
        + "</table>" for lv in levels_present)
    glance = "".join(f"<li>{_badge(sel.at[r, 'level'], lang)} <b>{_e(names[r])}</b> "
                     f"<span class='note'>{_e(words.kind(sel.at[r, 'region_type'], lang))}, "
                     f"{_e(b_('score', lang))} {_num(float(sel.at[r, 'score']))}</span></li>" for r in ids)
    body = ['<section class="grid"><div>', f'<ul class="glance">{glance}</ul>', "</div><div>",
            _map_block(mp, b_("The compared states (outlined) and corridors in their level colours; other states pale.", lang), lang),
            _level_legend(lang), "</div></section>",
            f'<section><h2>{_e(b_("Side by side", lang))}</h2>{table}',
            f'<p class="note">{_e(b_("Ranks are within each kind: 32 states, corridors apart. The interval is the 90% bootstrap band.", lang))}</p></section>',
            f'<section><h2>{_e(b_("What drives the differences", lang))}</h2><ul>{"".join(gaps)}</ul>',
            '<ul class="drivers">' + "".join(
                f"<li><b>{_e(names[r])}</b>: {_e(words.driver(res.driver_records[r][0], sel.at[r, 'region_type'], lang))}</li>"
                for r in ids if res.driver_records.get(r)) + "</ul></section>",
            f'<section><h2>{_e(b_("Pillars", lang))}</h2>{pillars}</section>',
            f'<section><h2>{_e(b_("Trend", lang))}</h2>',
            _history_chart(ctx.history, ids, names, lang, res.profile.thresholds) or f"<p>{_e(b_('No history.', lang))}</p>",
            "</section>",
            f'<section><h2>{_e(b_("What to do", lang))}</h2>{advice}</section>',
            f"<section>{_sources_section(res, ctx, lang)}{_levels_key(lang)}</section>"]
    return _page(lang, words.kind("comparison", lang), short_title, res.options.as_of, ctx, "".join(body))


# --- PDF ----------------------------------------------------------------------------------------------

class PdfUnavailable(RuntimeError):
    """The PDF cannot be printed here (no Chromium, or Playwright missing); the message says why."""


def pdf_available() -> str | None:
    """None when a PDF can be printed; else the reason, in words."""
    if not Path(CHROMIUM).exists():
        return "PDF needs Chromium, which is not installed here; download the HTML brief and print it from a browser."
    # find_spec, not import: the check runs on every page with a brief, and importing Playwright
    # costs about half a second (it is imported when a PDF is actually printed)
    if importlib.util.find_spec("playwright") is None:
        return "PDF needs the playwright package, which is not installed here; download the HTML brief instead."
    return None


def to_pdf(doc: str) -> bytes:
    """The brief printed to PDF (A4) by headless Chromium, offline: every request is refused.

    Printed on a thread of its own: Playwright's synchronous API refuses to start on a thread
    that already runs an asyncio loop (another Playwright session, or a host that runs one)."""
    why = pdf_available()
    if why:
        raise PdfUnavailable(why)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="brief-pdf") as pool:
        return pool.submit(_print_pdf, doc).result()


def _print_pdf(doc: str) -> bytes:
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            try:
                page = browser.new_page()
                page.route("**/*", lambda route: route.abort() if not route.request.url.startswith(("data:", "about:"))
                           else route.continue_())
                page.set_content(doc, wait_until="load")
                page.emulate_media(media="print")
                return page.pdf(format="A4", print_background=True, prefer_css_page_size=True,
                                display_header_footer=True, header_template="<span></span>",
                                footer_template='<div style="font-size:8px;width:100%;text-align:right;'
                                                'padding-right:12mm;color:#666"><span class="pageNumber"></span> / '
                                                '<span class="totalPages"></span></div>')
            finally:
                browser.close()
    except PlaywrightError as exc:
        raise PdfUnavailable(f"Chromium could not print the PDF ({str(exc).splitlines()[0]}); "
                             "download the HTML brief and print it from a browser.") from None


__all__ = ["Context", "PdfUnavailable", "comparison_brief", "corridor_brief", "file_name", "pdf_available",
           "place_brief", "state_brief", "to_pdf", "DEFAULT_THRESHOLDS"]
