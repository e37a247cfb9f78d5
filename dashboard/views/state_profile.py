"""State profile: level, score and interval, rank range, drivers, indicators, trend, events,
armed groups, corridors, peers, and a downloadable HTML brief."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import brief_buttons, data, settings, sidebar
from dashboard.figures import brief, charts, maps
from dashboard.figures.palette import LEVEL_NAMES, level_badge_style
from dashboard.text import md
from scoring.index import report

sidebar.draw("profile")
res = data.run()
states = res.table[res.table["region_type"] == "state"].sort_values("name")
names = dict(zip(states["region_id"], states["name"]))
code = settings.get("state") if settings.get("state") in names else None
choice = st.selectbox("State", list(names), index=list(names).index(code) if code else None,
                      format_func=names.get, placeholder="Choose a state", key="profile_state")
if choice is None:
    st.title("State profile")
    st.info("Choose a state above, or click one on the risk map.")
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
st.markdown(f"<div style='{level_badge_style(lvl)}'>{LEVEL_NAMES[lvl]}{f' · {lvl} of 5' if lvl else ''}</div>",
            unsafe_allow_html=True)


def _num(x, fmt: str = "{:.2f}") -> str:
    """A figure, or a dash where there is none (a state without data has no score, rank or interval)."""
    return "–" if x is None or pd.isna(x) else fmt.format(x)


c1, c2, c3, c4 = st.columns(4)
c1.metric("Score (0-10)", _num(row["score"]), None if pd.isna(row["change"]) else f"{row['change']:+.2f}",
          delta_color="inverse", help=f"90% interval {_num(row['ci_low'])}-{_num(row['ci_high'])} (bootstrap)")
c2.metric("90% interval", f"{_num(row['ci_low'])} – {_num(row['ci_high'])}")
c3.metric("Rank of 32", _num(row["rank"], "{:.0f}"), help="1 = highest risk")
c4.metric("Rank range (5-95%)", f"{_num(row['rank_low'], '{:.0f}')} – {_num(row['rank_high'], '{:.0f}')}",
          help="Over 500 random draws of weights (Dirichlet around the profile) and methods")
if not lvl:
    st.warning("No score: none of the indicators has data for this state in the window.")
st.write(row["summary"])
for line in report.beside(res, data.assessments(), choice):
    st.caption("Beside ours: " + md(line) + " (a reference, never part of the score)")  # assessor, level names
dc = data.death_certificate_line(choice)
if dc:
    st.caption("Data quality: " + dc)
missing = report.missing_indicators(res, choice)
if missing:
    st.caption("No data here for: " + ", ".join(missing) + ". Their weight went to the other indicators of "
               "their pillar (or to the other pillars); the coverage shows how much of the weight had data.")
if res.matrix.meta["notes"]:
    st.caption("Data notes: " + "; ".join(res.matrix.meta["notes"]))

indicators = report.indicator_table(res, choice)
left, right = st.columns([1, 1], gap="large")
with left:
    st.subheader("What drives the score")
    st.plotly_chart(charts.contributions_bar(indicators), width="stretch", key="contrib_bar")
    for d in row["drivers"]:
        st.markdown(f"- {d}")
with right:
    st.subheader("Indicators and where they come from")
    show = indicators[["indicator_name", "pillar", "raw", "normalised", "weight", "points", "coverage", "basis",
                       "data_end", "source"]]
    show.columns = ["indicator", "pillar", "value", "0-10", "weight", "points", "coverage", "based on", "data to", "source"]
    st.dataframe(show, hide_index=True, width="stretch",
                 column_config={"value": st.column_config.NumberColumn(format="%.2f"),
                                "0-10": st.column_config.NumberColumn(format="%.1f"),
                                "weight": st.column_config.NumberColumn(format="%.3f"),
                                "points": st.column_config.NumberColumn(format="%.2f"),
                                "coverage": st.column_config.ProgressColumn(min_value=0, max_value=1, format="percent")})

ms = data.municipal()
if ms is not None:
    st.subheader(f"Municipalities of {row['name']}")
    mt = ms.table[ms.table["state_code"] == choice].assign(
        sc=lambda d: d["score"].round(2), lo=lambda d: d["ci_low"].round(2), hi=lambda d: d["ci_high"].round(2))
    if not mt["own_data"].any():
        st.caption("SESNSP's municipal series for this state is not in the database yet: its municipalities carry "
                   "the state's official figures, and differ only through the events placed in them.")
    mcol, tcol = st.columns([3, 2], gap="medium")
    with mcol:
        fig = maps.state_map(data.municipal_geojson(choice), mt, "level", scale="level", label="Risk level",
                             code_col="cvegeo", name_col="name",
                             hover={"sc": "Score", "lo": "90% low", "hi": "90% high", "top_driver": "Top driver"},
                             height=420)
        st.plotly_chart(fig, config=maps.PLOTLY_CONFIG, on_select="rerun", selection_mode="points",
                        key="state_munis_map", width="stretch")
        picked = maps.clicked_location(st.session_state.get("state_munis_map"))
        if picked and len(picked) == 5 and picked != st.session_state.get("_state_munis_click"):
            st.session_state["_state_munis_click"] = picked
            settings.put("place", picked)
            settings.to_url()
            st.switch_page("views/place_profile.py")
        st.caption("Click a municipality to open its profile. Rates of small places are shrunk toward the "
                   "state's (empirical Bayes), so one case in a village does not read as extreme.")
    with tcol:
        top = mt.sort_values("rank_in_state").head(15)
        st.dataframe(pd.DataFrame({"in state": top["rank_in_state"].astype("Int64"), "municipality": top["name"],
                                   "level": top["level_name"], "score": top["score"],
                                   "90% interval": [f"{a:.2f}–{b:.2f}" if a == a else "–"
                                                    for a, b in zip(top["ci_low"], top["ci_high"])],
                                   "people": top["pop"].round(-2).astype("Int64")}),
                     hide_index=True, width="stretch",
                     column_config={"score": st.column_config.NumberColumn(format="%.2f")})

st.subheader("Trend")
recent = data.spikes(res.options.as_of, choice)
if not recent.empty:
    st.markdown("**Recent spikes** (months far above the state's previous two years):")
    for line in recent["text"]:
        st.text("• " + line)
tr = data.trend(choice)
if tr.empty:
    st.info("No monthly official figures for this state.")
else:
    fig = charts.trend_lines(tr, "month", "rate", "series", y_title="per 100,000 people a year")
    st.plotly_chart(fig, width="stretch", key="trend_series")
    st.caption("Monthly SESNSP investigation files (the series continued across the 2026 catalogue), annualised "
               "per 100,000 residents. Gaps are months without data.")
hist = data.score_history(choice)
if hist is not None and not hist.empty:
    fig = charts.trend_lines(hist, "as_of", "score", "name", y_title="score (0-10)")
    charts.level_bands(fig, res.profile.thresholds)
    st.plotly_chart(fig, width="stretch", key="trend_score")

st.subheader("Events behind the score")
opts = res.options
ev, cut = data.region_events(choice, "state", opts.as_of, opts.window_days * 2, opts.buffer_km)
if ev.empty:
    st.info("No events recorded in this state in the two windows before the as-of date "
            "(UCDP data end in 2023; add events on the Events & data page).")
else:
    st.dataframe(ev[["date", "event_type", "fatalities", "place", "actors", "origin", "sources", "notes"]],
                 hide_index=True, width="stretch", height=260,
                 column_config={"date": st.column_config.DateColumn(format="YYYY-MM-DD")})
    if cut:
        st.caption(f"The newest {len(ev):,} events of the two windows before {opts.as_of}; more match "
                   "(see Events & data for all of them).")

g1, g2, g3 = st.columns(3)
with g1:
    st.subheader("Armed groups named")
    groups = report.armed_groups(res, choice)
    # actors come from imported events: shown as text, never as Markdown or HTML
    st.markdown("No event source covers the window: no groups can be named from events." if groups is None
                else md("; ".join(groups)) if groups else "None named.")
    facts = data.group_presence(choice)
    if len(facts):
        st.caption("From the seed articles: " + md("; ".join(facts["metric"])))
with g2:
    st.subheader("Corridors through it")
    cr = data.corridors_in_state(choice)
    ctab = res.table.set_index("region_id")
    for r in cr.itertuples(index=False):
        lv = ctab.at[r.corridor_id, "level_name"] if r.corridor_id in ctab.index else "?"
        st.markdown(f"- **{r.name}** — {lv}")
    if cr.empty:
        st.write("None monitored.")
with g3:
    st.subheader("Peer states")
    peers = data.peers(res)
    mine_peers = peers.set_index("state_code").at[choice, "peers"]
    st.write(", ".join(names[p] for p in mine_peers[:5]) if mine_peers else "No close peers.")
    st.caption("States with a similar mix of pillar scores (k-means on the five pillars).")

st.divider()
brief_buttons.offer(lambda lang: brief.state_brief(res, choice, tr, ev, lang=lang, ctx=brief_buttons.context(),
                                                   spikes=recent), row["name"], res.options.as_of, "brief_dl")
