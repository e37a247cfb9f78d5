"""Corridors: every corridor on the map and in a ranked table; one corridor's states, drivers,
quarterly score and nearby events."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import brief_buttons, data, exports, live_map, settings, sidebar, wording
from dashboard.figures import brief, charts, maps
from dashboard.i18n import _
from dashboard.text import md
from scoring.index import stretches as stretch_index

sidebar.draw("corridors")
st.title(_("Corridors"))
res = data.run()
t = res.table
cor = t[t["region_type"] == "corridor"].sort_values("rank")
levels = dict(zip(cor["region_id"], cor["level"]))
stretch_t, by_stretch = data.stretch_scores()
st.caption(_("Events within {km} km of each corridor's line, plus the official figures of the states it crosses "
             "weighted by the share of its length in each. Click a corridor to open it below.",
             km=f"{res.options.buffer_km:g}"))
states_lv = t[t["region_type"] == "state"].rename(columns={"region_id": "state_code"})
abbr = data.states().set_index("state_code")["abbr"].to_dict()
picked = st.session_state.pop("_cor_pick", None)
if picked and picked.startswith("corridor:") and picked[9:] in levels:
    settings.put("corridor", picked[9:])
    st.session_state.pop("cor_pick", None)
slevels = dict(zip(states_lv["state_code"], states_lv["level"]))
state_tips = {c: f"{n}\n{_('State level')}: {wording.level(lv)}"
              for c, n, lv in zip(states_lv["state_code"], states_lv["name"], states_lv["level"])}
# no plotly.js: the SVG map with its tooltips, clicks and zoom (dashboard/live_map.py)
live_map.live_map(maps.state_map_svg(data.state_geojson(), slevels, labels=abbr, titles=state_tips,
                                     corridors=data.corridor_paths(), corridor_levels=levels, height=460,
                                     title=_("Corridors"), clickable=True),
                  key="livemap_cor", on_pick="_cor_pick",
                  legend=maps.level_legend(data.state_geojson(), slevels, levels))
worst = {}   # corridor -> (level from its stretches, its single worst stretch in words)
if by_stretch is not None:
    b = by_stretch.set_index("corridor_id")
    scored = stretch_t[stretch_t["score"].notna()].sort_values("score", ascending=False)
    top = scored.drop_duplicates("corridor_id").set_index("corridor_id")
    worst = {c: (b.at[c, "level"], f"{wording.stretch_end(top.at[c, 'from_name'])} – {wording.stretch_end(top.at[c, 'to_name'])}: "
                                  f"{wording.level(top.at[c, 'level'])}"
                 if c in top.index else "–") for c in b.index}
show = pd.DataFrame({
    "#": cor["rank"].round().astype("Int64"), _("Corridor"): cor["name"],
    _("Level"): [wording.level(v) for v in cor["level"]],
    _("Level of its stretches"): [wording.level(worst[c][0]) if c in worst else "–" for c in cor["region_id"]],
    _("Worst stretch"): [worst[c][1] if c in worst else "–" for c in cor["region_id"]],
    _("Score"): cor["score"].round(2),
    _("90% interval"): [wording.interval(a, b) for a, b in zip(cor["ci_low"], cor["ci_high"])],
    _("Rank range"): [wording.rank_range(a, b) for a, b in zip(cor["rank_low"], cor["rank_high"])],
    _("Change"): cor["change"].round(2), _("Coverage"): cor["coverage"],
})
if by_stretch is None:
    show = show.drop(columns=[_("Level of its stretches"), _("Worst stretch")])
show = wording.dashes(show, {_("Score"): "{:.2f}", _("Change"): "{:+.2f}"})
st.dataframe(show, hide_index=True, width="stretch", key="cor_table",
             column_config={"#": st.column_config.NumberColumn(width=30),
                            _("Corridor"): st.column_config.TextColumn(width=250),
                            _("Level"): st.column_config.TextColumn(width=66),
                            _("Level of its stretches"): st.column_config.TextColumn(width=90),
                            _("Worst stretch"): st.column_config.TextColumn(width=220),
                            _("Score"): st.column_config.TextColumn(width=56),
                            _("90% interval"): st.column_config.TextColumn(width=86),
                            _("Rank range"): st.column_config.TextColumn(width=70),
                            _("Change"): st.column_config.TextColumn(width=60),
                            _("Coverage"): st.column_config.ProgressColumn(min_value=0, max_value=1, format="percent",
                                                                           width=80)})

names = dict(zip(cor["region_id"], cor["name"]))
current = settings.get("corridor") if settings.get("corridor") in names else cor["region_id"].iat[0]
cid = st.selectbox(_("Corridor"), list(names), index=list(names).index(current), format_func=names.get, key="cor_pick")
settings.put("corridor", cid)
settings.to_url()
row = cor.set_index("region_id").loc[cid]
info = data.corridors().set_index("corridor_id").loc[cid]
st.subheader(row["name"])
st.markdown(f"**{wording.level_title(row['level'])}** · " + _("score {s}", s=wording.num(row["score"]))
            + f" ({wording.interval(row['ci_low'], row['ci_high'])}) · {wording.corridor_kind(info['kind'])} · "
            + f"{info['length_km']:,.0f} km")
st.caption(wording.definition(row["level"]))
st.write(info["why"])
st.write(wording.summary(res, cid))
if stretch_t is not None:
    mine = stretch_t[stretch_t["corridor_id"] == cid]
    lv = by_stretch.set_index("corridor_id").loc[cid]
    st.markdown(_("**Stretch by stretch.** Level from its stretches: **{level}** ({km} of {total} km at that level or "
                  "above). Worst stretch: **{worst}** (score {wscore}). Length-weighted mean of the "
                  "stretches: {mean}.", level=wording.level(lv["level"]), km=f"{lv['worst_km']:,.0f}",
                  total=f"{lv['length_km']:,.0f}", worst=md(worst.get(cid, ("", "–"))[1]),
                  wscore=wording.num(lv["worst_score"]), mean=wording.num(lv["mean_score"])))
    stretch_levels = {f"{cid}#{q}": v for q, v in zip(mine["seq"], mine["level"])}
    live_map.live_map(maps.state_map_svg(data.state_geojson(), slevels, labels=abbr, titles=state_tips,
                                         corridors=stretch_index.as_waypoints(mine, {cid: row["name"]}),
                                         corridor_levels=stretch_levels, height=420, corridor_tips=True, live=True,
                                         title=row["name"]),
                      key="livemap_stretches", on_pick="_stretch_pick",
                      legend=maps.level_legend(data.state_geojson(), slevels, stretch_levels))
    st.dataframe(pd.DataFrame({_("From"): [wording.stretch_end(x) for x in mine["from_name"]],
                               _("To"): [wording.stretch_end(x) for x in mine["to_name"]],
                               "km": mine["length_km"].round(0).astype("Int64"),
                               _("Level"): [wording.level(v) for v in mine["level"]],
                               _("Score"): [wording.num(v) for v in mine["score"]],
                               _("90% interval"): [wording.interval(a, b) for a, b in zip(mine["ci_low"], mine["ci_high"])],
                               _("Worst municipality"): mine["worst_municipality"].fillna("–"),
                               _("Municipalities crossed"): mine["municipalities"].fillna("–")}),
                 hide_index=True, width="stretch", key="cor_stretch_table")
    st.caption(_("Each stretch scores the length-weighted mean of the municipalities it crosses (their own official "
                 "figures, shrunk toward their state's, and the events placed in them). A corridor's level from its "
                 "stretches is the highest level that at least 50 km of it (or a quarter of a shorter one) reach."))
sh = data.corridor_state_shares(cid)
st_names = data.states().set_index("state_code")["name_common"]
st.markdown(_("**States along it:** {states}", states=", ".join(f"{st_names.get(s, s)} ({p:.0%})"
                                                                for s, p in zip(sh["state_code"], sh["share"]))))
c1, c2 = st.columns(2)
with c1:
    contrib = res.contributions()
    st.markdown(charts.contributions_bar(contrib[contrib["region_id"] == cid], _("Contributions")),
                unsafe_allow_html=True)
with c2:
    hist = data.score_history(cid)
    st.markdown(charts.trend_lines(hist, "as_of", "score", "name", _("Score, quarterly"), _("score (0-10)"),
                                   thresholds=res.profile.thresholds), unsafe_allow_html=True)
ev, cut = data.region_events(cid, "corridor", res.options.as_of, res.options.window_days * 2, res.options.buffer_km)
st.markdown(_("**Events near it** ({n} in the two windows before {date}", n=len(ev), date=wording.day(res.options.as_of))
            + (_("; more match: these are the newest)") if cut else ")"))
if len(ev):
    st.dataframe(wording.events_frame(ev, ["date", "event_type", "fatalities", "place", "actors", "origin", "sources"]),
                 hide_index=True, width="stretch", height=260,
                 column_config={wording.col("date"): st.column_config.DateColumn(format="YYYY-MM-DD")})
brief_buttons.offer(lambda lang: brief.corridor_brief(
    res, cid, ev, info=info.to_dict(), path=data.corridor_paths().query("corridor_id == @cid"), shares=sh,
    stretches=mine if stretch_t is not None else None,
    stretch_level=lv.to_dict() if stretch_t is not None else None, lang=lang, ctx=brief_buttons.context(),
    state_names=st_names.to_dict()), row["name"], res.options.as_of, "cor_brief")
st.download_button(_("Download corridor scores (CSV)"), lambda: exports.scores_csv(res, data.freshness(), region_type="corridor"),
                   file_name="corridor-scores.csv", mime="text/csv", key="cor_csv")
