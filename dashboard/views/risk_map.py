"""Risk map (home): the 32 states by level, corridors in their level's colour, events if asked,
and a ranked table; a click on a state opens its profile.

Settings (sidebar) -> scores (dashboard.data) -> figures (dashboard.figures.maps).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import data, exports, settings, sidebar
from dashboard.figures import maps
from dashboard.figures.palette import LEVEL_NAMES, level_color
from scoring.index import report
from scoring.index.levels import LEVEL_MEANINGS

sidebar.draw("map")
with st.sidebar:
    show_corridors = st.toggle("Show corridors", value=True, key="map_corridors")
    show_events = st.toggle("Show events (sized by deaths)", value=bool(settings.get("events")), key="map_events")
    settings.put("events", show_events)
    show_munis = st.toggle("Municipalities (all 2,475)", value=bool(settings.get("mlayer")), key="map_munis",
                           help="Colour every municipality by its own level instead of the states")
    settings.put("mlayer", show_munis)
settings.to_url()

res = data.run()
t = res.table
states_t = t[t["region_type"] == "state"].rename(columns={"region_id": "state_code"})
cors = t[t["region_type"] == "corridor"]

# A click arrives in the chart's session entry; we keep the state in our own key because the
# chart's selection is cleared whenever the figure changes.
clicked = maps.clicked_location(st.session_state.get("map"))
if clicked and clicked != st.session_state.get("_map_last_click"):
    st.session_state["_map_last_click"] = clicked
    if len(clicked) == 5:                      # a municipality of the national layer
        settings.put("place", clicked)
        settings.to_url()
        st.switch_page("views/place_profile.py")
    settings.put("state", clicked)
    settings.to_url()
    st.switch_page("views/state_profile.py")
ms = data.municipal() if show_munis else None

st.title("Risk map")
as_of = res.options.as_of
st.caption(f"Organised-crime risk by state, as of {as_of:%d %b %Y}, {res.profile.name} profile, "
           f"{res.options.window_days}-day window. Click a state to open its profile.")
map_col, table_col = st.columns([3, 2], gap="medium")
with map_col:
    hover = {"score": "Score", "ci_low": "90% low", "ci_high": "90% high", "rank": "Rank", "driver": "Top driver"}
    top = dict(zip(res.table["region_id"], report.top_drivers(res)))
    states_t = states_t.assign(driver=[top[c].describe(points=False) if top.get(c) else "–"
                                       for c in states_t["state_code"]])
    ratings = data.assessments()
    for k, (assessor, r) in enumerate(ratings.groupby("assessor", sort=True)):
        r = r.set_index("state_code")
        col = f"_ref{k}"
        states_t[col] = [f"{r.at[c, 'level_name'] or ''} ({r.at[c, 'level']} of {r.at[c, 'level_max']})"
                         if c in r.index else "–" for c in states_t["state_code"]]
        hover[col] = f"{assessor} ({pd.Timestamp(r['as_of'].iloc[0]):%b %Y})"
    ev = data.map_events(as_of, res.options.window_days) if show_events else None
    corridor_args = dict(corridors=data.corridor_paths() if show_corridors else None,
                         corridor_levels=dict(zip(cors["region_id"], cors["level"])) if show_corridors else None,
                         events=ev)
    if ms is not None:
        mt = ms.table.assign(sc=ms.table["score"].round(2), lo=ms.table["ci_low"].round(2),
                             hi=ms.table["ci_high"].round(2))
        fig = maps.state_map(data.municipal_geojson(None), mt, "level", scale="level", label="Risk level",
                             code_col="cvegeo", name_col="name",
                             hover={"sc": "Score", "lo": "90% low", "hi": "90% high", "top_driver": "Top driver"},
                             **corridor_args)
    else:
        fig = maps.state_map(data.state_geojson(), states_t, "level", scale="level", label="Risk level",
                             name_col="name", hover=hover, **corridor_args)
    st.plotly_chart(fig, config=maps.PLOTLY_CONFIG, on_select="rerun", selection_mode="points",
                    key="map", width="stretch")
    legend = " ".join(
        f"<span style='display:inline-block;margin:2px 8px 2px 0'><span style='display:inline-block;width:12px;"
        f"height:12px;background:{level_color(k)};border:1px solid #555;vertical-align:middle'></span> "
        f"<b>{LEVEL_NAMES[k]}</b> ({lo:g}–{hi:g})</span>"
        for k, lo, hi in zip(range(1, 6), [0, *res.profile.thresholds], [*res.profile.thresholds, 10]))
    st.markdown(legend, unsafe_allow_html=True)
    with st.expander("What the levels mean"):
        for k, text in LEVEL_MEANINGS.items():
            st.markdown(f"**{LEVEL_NAMES[k]}** — {text}")
        st.caption("Scores are relative to Mexico's states (0 = the calmest on every indicator, 10 = the worst). "
                   "Grey means no data, never no risk.")

with table_col:
    kind = st.radio("Rank", ["States", "Corridors", "Municipalities"], horizontal=True, key="map_kind",
                    label_visibility="collapsed")
    if kind == "Municipalities":
        mun = (ms or data.municipal())
        names_st = data.states().set_index("state_code")["abbr"]
        sub = mun.table.assign(region_id=mun.table["cvegeo"],
                               name=[f"{n} ({names_st.get(s, s)})" for n, s in
                                     zip(mun.table["name"], mun.table["state_code"])])
    else:
        sub = states_t.rename(columns={"state_code": "region_id"}) if kind == "States" else cors
    sub = sub.sort_values("rank")
    show = pd.DataFrame({
        "rank": sub["rank"].astype("Int64"), "name": sub["name"], "level": sub["level_name"],
        "score": sub["score"], "±90%": (sub["ci_high"] - sub["ci_low"]) / 2, "change": sub["change"],
        "rank range": [f"{int(a)}–{int(b)}" if a == a else "–" for a, b in zip(sub["rank_low"], sub["rank_high"])],
    })
    st.dataframe(show, hide_index=True, width="stretch", height=560, key="map_table",
                 column_config={"score": st.column_config.NumberColumn(format="%.2f"),
                                "±90%": st.column_config.NumberColumn(format="%.2f"),
                                "change": st.column_config.NumberColumn(format="%+.2f",
                                                                        help="against the previous quarter")})
    c1, c2 = st.columns(2)
    c1.download_button("CSV", lambda: exports.scores_csv(res, data.freshness()), f"risk-scores-{as_of}.csv", "text/csv", key="map_csv")
    c2.download_button("JSON", lambda: exports.scores_json(res, data.freshness()),
                       f"risk-scores-{as_of}.json", "application/json", key="map_json")

st.markdown("##### Data behind this view")
cov = states_t["coverage"]
notes = res.matrix.meta["notes"]
st.caption(
    f"Coverage: {cov.mean():.0%} of the weighted indicators have data on average (lowest "
    f"{cov.min():.0%}). " + (" ".join(f"{n}." for n in notes) + " " if notes else "")
    + "Sources: SESNSP crime and victim statistics, CONAPO population, UCDP GED events (CC BY 4.0), news "
    "events extracted by hand, imports. See Events & data for coverage and licences.")
