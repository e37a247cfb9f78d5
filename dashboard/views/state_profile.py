"""State profile: level, score and interval, rank range, drivers, indicators, trend, events,
armed groups, corridors, peers, and a downloadable HTML brief."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import brief_buttons, data, live_map, settings, sidebar, wording
from dashboard.figures import brief, charts, maps
from dashboard.figures.palette import level_badge_style
from dashboard.i18n import _
from dashboard.text import md
from scoring.index import report

sidebar.draw("profile")
res = data.run()
states = res.table[res.table["region_type"] == "state"].sort_values("name")
names = dict(zip(states["region_id"], states["name"]))
code = settings.get("state") if settings.get("state") in names else None
choice = st.selectbox(_("State"), list(names), index=list(names).index(code) if code else None,
                      format_func=names.get, placeholder=_("Choose a state"), key="profile_state")
if choice is None:
    st.title(_("State profile"))
    st.info(_("Choose a state above, or click one on the risk map."))
    st.stop()
settings.put("state", choice)
settings.to_url()

i = int(res.table.index[res.table["region_id"] == choice][0])
row = res.table.loc[i]
st.title(f"{row['name']}")
found = st.session_state.pop("_found_place", None)
if found:
    st.info(md(found))
lvl = int(row["level"])
st.markdown(f"<div style='{level_badge_style(lvl)}'>{wording.level_title(lvl)}</div>", unsafe_allow_html=True)
st.markdown(wording.level_block(lvl))

num = wording.num
c1, c2, c3, c4 = st.columns(4)
c1.metric(_("Score (0-10)"), num(row["score"]), None if pd.isna(row["change"]) else f"{row['change']:+.2f}",
          delta_color="inverse", help=_("90% interval {iv} (bootstrap)", iv=wording.interval(row["ci_low"], row["ci_high"])))
c2.metric(_("90% interval"), wording.interval(row["ci_low"], row["ci_high"]).replace("–", " – "))
c3.metric(_("Rank of 32"), wording.rank(row["rank"]), help=_("1 = highest risk"))
c4.metric(_("Rank range (5-95%)"), wording.rank_range(row["rank_low"], row["rank_high"]).replace("–", " – "),
          help=_("Over 500 random draws of weights (Dirichlet around the profile) and methods"))
if not lvl:
    st.warning(_("No score: none of the indicators has data for this state in the window."))
st.write(wording.summary(res, choice))
for line in wording.beside(res, data.assessments(), choice):
    st.caption(_("Another assessment: {line}. A reference, never part of the score.", line=md(line)))
dc = data.death_certificate_line(choice)
if dc:
    st.caption(_("Data quality: {line}", line=wording.data_note(dc)))
missing = report.missing_indicators(res, choice)
if missing:
    st.caption(_("No data here for: {names}. Their weight went to the other indicators of their pillar (or to the "
                 "other pillars); the coverage shows how much of the weight had data.",
                 names=", ".join(wording.indicator(m) for m in missing)))
if res.matrix.meta["notes"]:
    st.caption(_("Data notes: {notes}", notes="; ".join(wording.data_note(n) for n in res.matrix.meta["notes"])))

indicators = report.indicator_table(res, choice)
left, right = st.columns([1, 1], gap="large")
with left:
    st.subheader(_("What drives the score"))
    st.markdown(charts.contributions_bar(indicators), unsafe_allow_html=True)
    for d in res.driver_records.get(choice) or []:
        st.markdown(f"- {wording.driver(d)}")
with right:
    st.subheader(_("Indicators and where they come from"))
    show = pd.DataFrame({
        wording.col("indicator"): [wording.indicator(n) for n in indicators["indicator_name"]],
        wording.col("pillar"): [wording.pillar(p) for p in indicators["pillar"]],
        wording.col("value"): indicators["raw"].round(2), wording.col("scaled"): indicators["normalised"].round(1),
        wording.col("weight"): indicators["weight"].round(3), wording.col("points"): indicators["points"].round(2),
        wording.col("coverage"): indicators["coverage"],
        wording.col("basis"): [wording.missing(b) and "–" or str(b) for b in indicators["basis"]],
        wording.col("data_end"): [wording.month(d) for d in indicators["data_end"]],
        wording.col("source"): [("–" if wording.missing(x) else str(x)) for x in indicators["source"]],
    })
    show = wording.dashes(show, {wording.col("value"): "{:,.2f}", wording.col("scaled"): "{:.1f}",
                               wording.col("weight"): "{:.3f}", wording.col("points"): "{:.2f}"})
    st.dataframe(show, hide_index=True, width="stretch", key="ind_table",
                 column_config={wording.col("coverage"): st.column_config.ProgressColumn(min_value=0, max_value=1,
                                                                                       format="percent")})

ms = data.municipal()
if ms is not None:
    st.subheader(_("Municipalities of {state}", state=row["name"]))
    mt = ms.table[ms.table["state_code"] == choice]
    mt = mt.assign(sc=[num(v) for v in mt["score"]], iv=[wording.interval(a, b) for a, b in zip(mt["ci_low"], mt["ci_high"])],
                   rk=[_("{r} of {n}", r=wording.rank(r), n=len(mt)) for r in mt["rank_in_state"]])
    if not mt["own_data"].any():
        st.caption(_("SESNSP's municipal series for this state is not in the database yet: its municipalities carry "
                     "the state's official figures, and differ only through the events placed in them."))
    mcol, tcol = st.columns([3, 2], gap="medium")
    with mcol:
        munis_geo = data.municipal_geojson(choice)
        picked = st.session_state.pop("_state_pick", None)
        if picked in set(mt["cvegeo"]):
            settings.put("place", picked)
            settings.to_url()
            st.switch_page("views/place_profile.py")
        mlevels = dict(zip(mt["cvegeo"], mt["level"]))
        tips = {c: "\n".join([str(n), f"{_('Risk level')}: {wording.level(lv)}", f"{_('Score')}: {sc}",
                               f"{_('90% interval')}: {iv}", f"{_('Rank in the state')}: {rk}"])
                for c, n, lv, sc, iv, rk in zip(mt["cvegeo"], mt["name"], mt["level"], mt["sc"], mt["iv"], mt["rk"])}
        # no plotly.js: the SVG map with its tooltips, clicks and zoom (dashboard/live_map.py)
        live_map.live_map(maps.state_map_svg(munis_geo, mlevels, titles=tips, height=420, clickable=True,
                                             title=_("Municipalities of {state}", state=row["name"])),
                          key="livemap_state", on_pick="_state_pick", legend=maps.level_legend(munis_geo, mlevels))
        st.caption(_("Click a municipality to open its profile. Rates of small places are shrunk toward the "
                     "state's (empirical Bayes), so one case in a village does not read as extreme."))
    with tcol:
        top = mt.sort_values("rank_in_state").head(15)
        st.dataframe(pd.DataFrame({_("In state"): top["rank_in_state"].round().astype("Int64"),
                                   wording.col("municipality"): top["name"],
                                   wording.col("level"): [wording.level(v) for v in top["level"]],
                                   wording.col("score"): [num(v) for v in top["score"]],
                                   wording.col("interval"): [wording.interval(a, b)
                                                           for a, b in zip(top["ci_low"], top["ci_high"])],
                                   wording.col("people"): top["pop"].round(-2).astype("Int64")}),
                     hide_index=True, width="stretch", key="state_munis_table",
                     column_config={_("In state"): st.column_config.NumberColumn(width=60)})

st.subheader(_("Trend"))
recent = data.spikes(res.options.as_of, choice)
if not recent.empty:
    st.markdown(_("**Recent spikes** (months far above the state's previous two years):"))
    for r in recent.itertuples(index=False):
        st.text("• " + _("{series} in {month}: {n} files against a usual {b} a month (robust z-score {z})",
                         series=wording.series(r.series), month=wording.month(r.month), n=f"{r.value:,.0f}",
                         b=f"{r.baseline:,.0f}", z=f"{r.z:.1f}"))
tr = data.trend(choice)
if tr.empty:
    st.info(_("No monthly official figures for this state."))
else:
    st.markdown(charts.trend_lines(tr, "month", "rate", "series", y_title=_("per 100,000 people a year")),
                unsafe_allow_html=True)
    st.caption(_("Monthly SESNSP investigation files (the series continued across the 2026 catalogue), annualised "
                 "per 100,000 residents. Gaps are months without data."))
hist = data.score_history(choice)
if hist is not None and not hist.empty:
    st.markdown(charts.trend_lines(hist, "as_of", "score", "name", y_title=_("score (0-10)"),
                                   thresholds=res.profile.thresholds), unsafe_allow_html=True)

st.subheader(_("Events behind the score"))
opts = res.options
ev, cut = data.region_events(choice, "state", opts.as_of, opts.window_days * 2, opts.buffer_km)
if ev.empty:
    st.info(_("No events recorded in this state in the two windows before the as-of date "
              "(UCDP data end in 2023; add events on the Events & data page)."))
else:
    st.dataframe(wording.events_frame(ev, ["date", "event_type", "fatalities", "place", "actors", "origin", "sources",
                                         "notes"]),
                 hide_index=True, width="stretch", height=260,
                 column_config={wording.col("date"): st.column_config.DateColumn(format="YYYY-MM-DD")})
    if cut:
        st.caption(_("The newest {n} events of the two windows before {date}; more match (see Events & data for all "
                     "of them).", n=f"{len(ev):,}", date=wording.day(opts.as_of)))

g1, g2, g3 = st.columns(3)
with g1:
    st.subheader(_("Armed groups named"))
    groups = report.armed_groups(res, choice)
    # actors come from imported events: shown as text, never as Markdown or HTML
    st.markdown(_("No event source covers the window: no groups can be named from events.") if groups is None
                else md("; ".join(groups)) if groups else _("None named."))
    facts = data.group_presence(choice)
    if len(facts):
        st.caption(_("From the seed articles: {facts}", facts=md("; ".join(facts["metric"]))))
with g2:
    st.subheader(_("Corridors through it"))
    cr = data.corridors_in_state(choice)
    ctab = res.table.set_index("region_id")
    for r in cr.itertuples(index=False):
        lv = wording.level(ctab.at[r.corridor_id, "level"]) if r.corridor_id in ctab.index else "–"
        st.markdown(f"- **{r.name}** — {lv}")
    if cr.empty:
        st.write(_("None monitored."))
with g3:
    st.subheader(_("Peer states"))
    peers = data.peers(res)
    mine_peers = peers.set_index("state_code").at[choice, "peers"]
    st.write(", ".join(names[p] for p in mine_peers[:5]) if mine_peers else _("No close peers."))
    st.caption(_("States with a similar mix of pillar scores (k-means on the five pillars)."))

st.divider()
brief_buttons.offer(lambda lang: brief.state_brief(res, choice, tr, ev, lang=lang, ctx=brief_buttons.context(),
                                                   spikes=recent), row["name"], res.options.as_of, "brief_dl")
