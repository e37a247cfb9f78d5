"""Place profile: one municipality's level, score and interval, ranks in its state and in
Mexico, drivers, monthly trend, events placed in it, corridors through it, its state's
context and the reference assessments, with a brief to download."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import brief_buttons, data, settings, sidebar
from dashboard.figures import brief, charts, maps
from dashboard.figures.palette import LEVEL_NAMES, level_badge_style
from dashboard.text import md
from scoring.index import municipal, report

sidebar.draw("place")
res = data.run()
ms = data.municipal()
if ms is None:
    st.title("Place profile")
    st.error("This database has no municipalities. Rebuild it: `python -m scoring build` (or `make run`).")
    st.stop()
t = ms.table
states = data.states().set_index("state_code")["name_common"]
labels = {c: f"{n} ({states.get(s, s)})" for c, n, s in zip(t["cvegeo"], t["name"], t["state_code"])}
code = settings.get("place") if settings.get("place") in labels else None
choice = st.selectbox("Municipality", sorted(labels, key=lambda c: labels[c]),
                      index=sorted(labels, key=lambda c: labels[c]).index(code) if code else None,
                      format_func=labels.get, placeholder="Type a municipality", key="place_pick")
if choice is None:
    st.title("Place profile")
    st.info("Choose a municipality above, search for a town in the sidebar, or click one on the map.")
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
st.markdown(f"<div style='{level_badge_style(lvl)}'>{LEVEL_NAMES[lvl]}{f' · {lvl} of 5' if lvl else ''}</div>",
            unsafe_allow_html=True)


def _num(x, fmt: str = "{:.2f}") -> str:
    return "–" if x is None or pd.isna(x) else fmt.format(x)


n_scored = int(t["score"].notna().sum())
c1, c2, c3, c4 = st.columns(4)
c1.metric("Score (0-10)", _num(row["score"]), None if pd.isna(row["change"]) else f"{row['change']:+.2f}",
          delta_color="inverse", help="On the states' scale: 0 = the calmest state on every indicator, 10 = the worst")
c2.metric("90% interval", f"{_num(row['ci_low'])} – {_num(row['ci_high'])}",
          help="Every municipal estimate at the low (high) end of its empirical-Bayes interval")
c3.metric(f"Rank in {state_name}", f"{_num(row['rank_in_state'], '{:.0f}')} of {int(row['n_in_state'])}",
          help="1 = highest risk")
c4.metric(f"Rank of {n_scored:,} municipalities", _num(row["rank"], "{:.0f}"),
          help=f"Range the intervals allow: {_num(row['rank_low'], '{:.0f}')}–{_num(row['rank_high'], '{:.0f}')}")
if not lvl:
    st.warning("No score: " + str(ms.stage1.basis[i, 0]) + ".")
if not row["own_data"]:
    st.warning(f"SESNSP's municipal series for {state_name} is not in this database yet: the official figures "
               "here are the state's, so this score differs from the state's only through events placed here.")

srow = res.table.set_index("region_id").loc[state_code]
state_line = (f"{state_name}: {srow['level_name']}, score {srow['score']:.2f} "
              f"(rank {int(srow['rank'])} of 32)." if pd.notna(srow["score"]) else f"{state_name}: no score.")
st.caption("State context: " + md(state_line))
if st.button(f"Open {state_name}'s profile", key="place_state"):
    settings.put("state", state_code)
    settings.to_url()
    st.switch_page("views/state_profile.py")
beside = report.beside(res, data.assessments(), state_code)
for line in beside:
    st.caption("Beside ours (for the state): " + md(line) + " (a reference, never part of the score)")

drivers = municipal.drivers(ms, i, data.registry())
left, right = st.columns([1, 1], gap="large")
with left:
    st.subheader("What drives the score")
    if not drivers:
        st.write("No indicator adds points.")
    for d in drivers:
        own = d["kind"] == "own"
        band = f" (90%: {d['low']:.1f}–{d['high']:.1f})" if own else ""
        st.markdown(f"- **{md(d['name'])}**: {d['value']:.2f} {md(d['unit'])}{band}, +{d['points']:.2f} points  \n"
                    f"  <small>{md(d['basis'])}</small>", unsafe_allow_html=True)
    cors = data.corridors_through(choice)
    if cors:
        names = data.corridors().set_index("corridor_id")["name"]
        st.markdown("**Corridors through it:** " + ", ".join(md(names.get(c, c)) for c in cors))
with right:
    st.subheader(f"{row['name']} in {state_name}")
    geo = data.municipal_geojson(state_code)
    st_t = t[t["state_code"] == state_code].assign(
        lo=lambda d: d["ci_low"].round(2), hi=lambda d: d["ci_high"].round(2), sc=lambda d: d["score"].round(2))
    fig = maps.state_map(geo, st_t, "level", scale="level", label="Risk level", code_col="cvegeo", name_col="name",
                         hover={"sc": "Score", "lo": "90% low", "hi": "90% high", "top_driver": "Top driver"},
                         selected=choice, height=380)
    st.plotly_chart(fig, config=maps.PLOTLY_CONFIG, on_select="rerun", selection_mode="points", key="place_map",
                    width="stretch")
    clicked = maps.clicked_location(st.session_state.get("place_map"))
    if clicked and clicked != choice and clicked != st.session_state.get("_place_last_click"):
        st.session_state["_place_last_click"] = clicked
        settings.put("place", clicked)
        settings.to_url()
        st.rerun()

st.subheader("Monthly trend")
tr = data.place_trend(choice, row["pop"])
if tr.empty:
    st.info("No municipal monthly series for this place.")
else:
    st.plotly_chart(charts.trend_lines(tr, "month", "rate", "series", y_title="per 100,000 people a year"),
                    width="stretch", key="place_trend")
    st.caption(f"SESNSP investigation files opened in {row['name']}, per month, annualised per 100,000 residents "
               f"({row['pop']:,.0f} people, the 2020 census share of the state's CONAPO projection). A small "
               "place's monthly line jumps with single cases: the score uses the shrunk, decay-weighted rate.")

opts = res.options
st.subheader("Events placed here")
ev = data.place_events(choice, opts.as_of, opts.window_days)
if ev.empty:
    st.caption(f"No event in the {opts.window_days}-day window ending {opts.as_of:%d %b %Y} "
               "(systematic event data end in 2023; recent events come from articles and imports).")
else:
    st.dataframe(ev[["date", "event_type", "fatalities", "place", "actors", "origin", "placed_by", "sources"]],
                 hide_index=True, width="stretch")

brief_buttons.offer(lambda lang: brief.place_brief(ms, i, res, tr, ev, reg=data.registry(), munis_geo=geo, lang=lang,
                                                   ctx=brief_buttons.context(), state_name=state_name),
                    row["name"], opts.as_of, "place_brief")
