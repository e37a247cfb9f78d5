"""Corridors: every corridor on the map and in a ranked table; one corridor's states, drivers,
quarterly score and nearby events."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import brief_buttons, data, exports, settings, sidebar
from dashboard.figures import brief, charts, maps
from dashboard.text import md
from scoring.index import stretches as stretch_index

sidebar.draw("corridors")
st.title("Corridors")
res = data.run()
t = res.table
cor = t[t["region_type"] == "corridor"].sort_values("rank")
levels = dict(zip(cor["region_id"], cor["level"]))
stretch_t, by_stretch = data.stretch_scores()
if by_stretch is not None:
    cor = cor.merge(by_stretch.assign(worst=by_stretch["worst_stretch"] + ": " + by_stretch["worst_level_name"])[
        ["corridor_id", "level_name", "worst"]].rename(
        columns={"corridor_id": "region_id", "level_name": "level (stretches)", "worst": "worst stretch"}),
        on="region_id", how="left")
st.caption(f"Events within {res.options.buffer_km:g} km of each corridor's line, plus the official figures of "
           "the states it crosses weighted by the share of its length in each.")
states_lv = t[t["region_type"] == "state"].rename(columns={"region_id": "state_code"})
fig = maps.state_map(data.state_geojson(), states_lv, "level", scale="level", label="State level", name_col="name",
                     corridors=data.corridor_paths(), corridor_levels=levels)
st.plotly_chart(fig, config=maps.PLOTLY_CONFIG, width="stretch", key="cor_map")
show = cor[["rank", "name", "level_name"] + (["level (stretches)", "worst stretch"] if by_stretch is not None
                                                else []) + ["score", "ci_low", "ci_high", "rank_low", "rank_high",
                                                            "change", "coverage"]]
st.dataframe(show, hide_index=True, width="stretch",
             column_config={c: st.column_config.NumberColumn(format="%.2f") for c in ("score", "ci_low", "ci_high", "change")}
             | {"coverage": st.column_config.ProgressColumn(min_value=0, max_value=1, format="percent")})

names = dict(zip(cor["region_id"], cor["name"]))
current = settings.get("corridor") if settings.get("corridor") in names else cor["region_id"].iat[0]
cid = st.selectbox("Corridor", list(names), index=list(names).index(current), format_func=names.get, key="cor_pick")
settings.put("corridor", cid)
settings.to_url()
row = cor.set_index("region_id").loc[cid]
info = data.corridors().set_index("corridor_id").loc[cid]
st.subheader(row["name"])
st.markdown(f"**{row['level_name']}** · score {row['score']:.2f} ({row['ci_low']:.2f}–{row['ci_high']:.2f}) · "
            f"{info['kind'].replace('_', ' ')} · {info['length_km']:,.0f} km")
st.write(info["why"])
st.write(row["summary"])
if stretch_t is not None:
    mine = stretch_t[stretch_t["corridor_id"] == cid]
    lv = by_stretch.set_index("corridor_id").loc[cid]
    st.markdown(f"**Stretch by stretch.** Level from its stretches: **{lv['level_name']}** ({lv['worst_km']:,.0f} "
                f"of {lv['length_km']:,.0f} km at that level or above). Worst stretch: **{md(lv['worst_stretch'])}: "
                f"{lv['worst_level_name']}** (score {lv['worst_score']:.2f}). Length-weighted mean of the stretches: "
                f"{lv['mean_score']:.2f}.")
    smap = maps.state_map(data.state_geojson(), states_lv, "level", scale="level", label="State level",
                          name_col="name", corridors=stretch_index.as_waypoints(mine, {cid: row["name"]}),
                          corridor_levels={f"{cid}#{q}": v for q, v in zip(mine["seq"], mine["level"])}, height=420)
    st.plotly_chart(smap, config=maps.PLOTLY_CONFIG, width="stretch", key="cor_stretch_map")
    st.dataframe(pd.DataFrame({"from": mine["from_name"], "to": mine["to_name"], "km": mine["length_km"].round(0),
                               "level": mine["level_name"], "score": mine["score"].round(2),
                               "90% interval": [f"{a:.2f}–{b:.2f}" if a == a else "–"
                                                for a, b in zip(mine["ci_low"], mine["ci_high"])],
                               "worst municipality": mine["worst_municipality"],
                               "municipalities crossed": mine["municipalities"]}),
                 hide_index=True, width="stretch", key="cor_stretch_table")
    st.caption("Each stretch scores the length-weighted mean of the municipalities it crosses (their own official "
               "figures, shrunk toward their state's, and the events placed in them). A corridor's level from its "
               "stretches is the highest level that at least 50 km of it (or a quarter of a shorter one) reach.")
sh = data.corridor_state_shares(cid)
st_names = data.states().set_index("state_code")["name_common"]
st.markdown("**States along it:** " + ", ".join(f"{st_names.get(s, s)} ({p:.0%})" for s, p in zip(sh["state_code"], sh["share"])))
c1, c2 = st.columns(2)
with c1:
    contrib = res.contributions()
    st.plotly_chart(charts.contributions_bar(contrib[contrib["region_id"] == cid], "Contributions"),
                    width="stretch", key="cor_contrib")
with c2:
    hist = data.score_history(cid)
    fig = charts.trend_lines(hist, "as_of", "score", "name", "Score, quarterly", "score (0-10)")
    charts.level_bands(fig, res.profile.thresholds)
    st.plotly_chart(fig, width="stretch", key="cor_trend")
ev, cut = data.region_events(cid, "corridor", res.options.as_of, res.options.window_days * 2, res.options.buffer_km)
st.markdown(f"**Events near it** ({len(ev)} in the two windows before {res.options.as_of}"
            + ("; more match: these are the newest)" if cut else ")"))
if len(ev):
    st.dataframe(ev[["date", "event_type", "fatalities", "place", "actors", "origin", "sources"]], hide_index=True,
                 width="stretch", height=260, column_config={"date": st.column_config.DateColumn(format="YYYY-MM-DD")})
brief_buttons.offer(lambda lang: brief.corridor_brief(
    res, cid, ev, info=info.to_dict(), path=data.corridor_paths().query("corridor_id == @cid"), shares=sh,
    stretches=mine if stretch_t is not None else None,
    stretch_level=lv.to_dict() if stretch_t is not None else None, lang=lang, ctx=brief_buttons.context(),
    state_names=st_names.to_dict()), row["name"], res.options.as_of, "cor_brief")
st.download_button("Download corridor scores (CSV)", lambda: exports.scores_csv(res, data.freshness(), region_type="corridor"),
                   file_name="corridor-scores.csv", mime="text/csv", key="cor_csv")
