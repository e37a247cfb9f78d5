"""Corridors: every corridor on the map and in a ranked table; one corridor's states, drivers,
quarterly score and nearby events."""

from __future__ import annotations

import streamlit as st

from dashboard import data, exports, settings, sidebar
from dashboard.figures import charts, maps

sidebar.draw("corridors")
st.title("Corridors")
res = data.run()
t = res.table
cor = t[t["region_type"] == "corridor"].sort_values("rank")
levels = dict(zip(cor["region_id"], cor["level"]))
st.caption(f"Events within {res.options.buffer_km:g} km of each corridor's line, plus the official figures of "
           "the states it crosses weighted by the share of its length in each.")
fig = maps.state_map(data.state_geojson(), data.states().assign(level=0), "level", scale="level",
                     label="", corridors=data.corridor_paths(), corridor_levels=levels)
st.plotly_chart(fig, config=maps.PLOTLY_CONFIG, width="stretch", key="cor_map")
show = cor[["rank", "name", "level_name", "score", "ci_low", "ci_high", "rank_low", "rank_high", "change", "coverage"]]
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
st.download_button("Download corridor scores (CSV)", lambda: exports.to_csv(res.flat().query("region_type == 'corridor'")),
                   file_name="corridor-scores.csv", mime="text/csv", key="cor_csv")
