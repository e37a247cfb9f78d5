"""Place profile: one municipality's level, score and interval, ranks in its state and in
Mexico, drivers, monthly trend, events placed in it, corridors through it, its state's
context and the reference assessments, with a brief to download."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import brief_buttons, data, live_map, settings, sidebar, wording
from dashboard.figures import brief, charts, maps
from dashboard.figures.palette import level_badge_style
from dashboard.i18n import _
from dashboard.text import md
from scoring.index import municipal, report

sidebar.draw("place")
res = data.run()
ms = data.municipal()
if ms is None:
    st.title(_("Place profile"))
    st.error(_("This database has no municipalities. Rebuild it: `python -m scoring build` (or `make run`)."))
    st.stop()
t = ms.table
states = data.states().set_index("state_code")["name_common"]
labels = {c: f"{n} ({states.get(s, s)})" for c, n, s in zip(t["cvegeo"], t["name"], t["state_code"])}
picked = st.session_state.pop("_place_pick", None)      # a click on the map below (dashboard/live_map.py)
if picked in labels and picked != settings.get("place"):
    settings.put("place", picked)
    st.session_state.pop("place_pick", None)            # the select box follows
code = settings.get("place") if settings.get("place") in labels else None
choice = st.selectbox(_("Municipality"), sorted(labels, key=lambda c: labels[c]),
                      index=sorted(labels, key=lambda c: labels[c]).index(code) if code else None,
                      format_func=labels.get, placeholder=_("Type a municipality"), key="place_pick")
if choice is None:
    st.title(_("Place profile"))
    st.info(_("Choose a municipality above, search for a town in the sidebar, or click one on the map."))
    st.stop()
settings.put("place", choice)
settings.to_url()

i = int(t.index[t["cvegeo"] == choice][0])
row = t.loc[i]
state_code = row["state_code"]
state_name = states.get(state_code, state_code)
st.title(f"{row['name']}, {state_name}")
found = st.session_state.pop("_found_place", None)
if found:
    st.info(md(found))
lvl = int(row["level"])
st.markdown(f"<div style='{level_badge_style(lvl)}'>{wording.level_title(lvl)}</div>", unsafe_allow_html=True)
st.markdown(wording.level_block(lvl))


def _num(x, fmt: str = "{:.2f}") -> str:
    return "–" if x is None or pd.isna(x) else fmt.format(x)


n_scored = int(t["score"].notna().sum())
c1, c2, c3, c4 = st.columns(4)
c1.metric(_("Score (0-10)"), _num(row["score"]), None if pd.isna(row["change"]) else f"{row['change']:+.2f}",
          delta_color="inverse", help=_("On the states' scale: 0 = the calmest state on every indicator, 10 = the worst"))
c2.metric(_("90% interval"), f"{_num(row['ci_low'])} – {_num(row['ci_high'])}",
          help=_("Every municipal estimate at the low (high) end of its empirical-Bayes interval"))
c3.metric(_("Rank in {state}", state=state_name), _("{r} of {n}", r=wording.rank(row["rank_in_state"]),
                                                    n=int(row["n_in_state"])), help=_("1 = highest risk"))
c4.metric(_("Rank of {n} municipalities", n=f"{n_scored:,}"), wording.rank(row["rank"]),
          help=_("Range the intervals allow: {r}", r=wording.rank_range(row["rank_low"], row["rank_high"])))
if not lvl:
    st.warning(_("No score: too little data for this period."))
if not row["own_data"]:
    st.warning(_("SESNSP's municipal series for {state} is not in this database yet: the official figures here are "
                 "the state's, so this score differs from the state's only through events placed here.",
                 state=state_name))

srow = res.table.set_index("region_id").loc[state_code]
state_line = (_("{state}: {level}, score {score} (rank {rank} of 32).", state=state_name,
                level=wording.level_title(srow["level"]), score=f"{srow['score']:.2f}", rank=wording.rank(srow["rank"]))
              if pd.notna(srow["score"]) else _("{state}: no score.", state=state_name))
st.caption(_("State context: {line}", line=md(state_line)))
if st.button(_("Open the profile of {state}", state=state_name), key="place_state"):
    settings.put("state", state_code)
    settings.to_url()
    st.switch_page("views/state_profile.py")
beside = report.beside(res, data.assessments(), state_code)   # English, for the brief
for line in wording.beside(res, data.assessments(), state_code):
    st.caption(_("Another assessment of the state: {line}. A reference, never part of the score.", line=md(line)))

drivers = municipal.drivers(ms, i, data.registry())
left, right = st.columns([1, 1], gap="large")
with left:
    st.subheader(_("What drives the score"))
    if not drivers:
        st.write(_("No indicator adds points."))
    for d in drivers:
        own = d["kind"] == "own"
        band = f" (90%: {d['low']:.1f}–{d['high']:.1f})" if own and d["high"] > d["low"] else ""
        st.markdown(f"- **{md(wording.indicator(d['indicator']))}**: {d['value']:.2f} {md(wording.unit(d['unit']))}{band}, "
                    + _("+{p} points", p=f"{d['points']:.2f}") + "  \n"
                    f"  <small>{md(d['basis'])}</small>", unsafe_allow_html=True)
    cors = data.corridors_through(choice)
    if cors:
        names = data.corridors().set_index("corridor_id")["name"]
        st.markdown(_("**Corridors through it:** {names}", names=", ".join(md(names.get(c, c)) for c in cors)))
with right:
    st.subheader(_("{place} in {state}", place=row["name"], state=state_name))
    geo = data.municipal_geojson(state_code)
    st_t = t[t["state_code"] == state_code]
    st_t = st_t.assign(sc=[wording.num(v) for v in st_t["score"]],
                       iv=[wording.interval(a, b) for a, b in zip(st_t["ci_low"], st_t["ci_high"])])
    plevels = dict(zip(st_t["cvegeo"], st_t["level"]))
    tips = {c: "\n".join([str(n), f"{_('Risk level')}: {wording.level(lv)}", f"{_('Score')}: {sc}",
                           f"{_('90% interval')}: {iv}"])
            for c, n, lv, sc, iv in zip(st_t["cvegeo"], st_t["name"], st_t["level"], st_t["sc"], st_t["iv"])}
    # no plotly.js: the SVG map with its tooltips, clicks and zoom (dashboard/live_map.py)
    live_map.live_map(maps.state_map_svg(geo, plevels, titles=tips, height=380, clickable=True, selected=choice,
                                         title=_("{place} in {state}", place=row["name"], state=state_name)),
                      key="livemap_place", on_pick="_place_pick", legend=maps.level_legend(geo, plevels))

st.subheader(_("Monthly trend"))
tr = data.place_trend(choice, row["pop"])
if tr.empty:
    st.info(_("No municipal monthly series for this place."))
else:
    st.markdown(charts.trend_lines(tr, "month", "rate", "series", y_title=_("per 100,000 people a year")),
                unsafe_allow_html=True)
    st.caption(_("SESNSP investigation files opened in {place}, per month, annualised per 100,000 residents ({pop} "
                 "people, the 2020 census share of the state's CONAPO projection). A small place's monthly line jumps "
                 "with single cases: the score uses the shrunk, decay-weighted rate.", place=row["name"],
                 pop=f"{row['pop']:,.0f}"))

opts = res.options
st.subheader(_("Events placed here"))
ev = data.place_events(choice, opts.as_of, opts.window_days)
if ev.empty:
    st.caption(_("No event in the {days}-day window ending {date} (systematic event data end in 2023; recent events "
                 "come from articles and imports).", days=opts.window_days, date=wording.day(opts.as_of)))
else:
    st.dataframe(wording.events_frame(ev, ["date", "event_type", "fatalities", "place", "actors", "origin", "placed_by",
                                         "sources"]), hide_index=True, width="stretch",
                 column_config={wording.col("date"): st.column_config.DateColumn(format="YYYY-MM-DD")})

brief_buttons.offer(lambda lang: brief.place_brief(ms, i, res, tr, ev, reg=data.registry(), munis_geo=geo, lang=lang,
                                                   ctx=brief_buttons.context(), state_name=state_name),
                    row["name"], opts.as_of, "place_brief")
