"""Risk map (home): the 32 states by level, corridors in their level's colour, events if asked,
and a ranked table; a click on a state opens its profile.

Settings (sidebar) -> scores (dashboard.data) -> figures (dashboard.figures.maps).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import data, exports, live_map, settings, sidebar, wording
from dashboard.figures import maps
from dashboard.i18n import _
from scoring.index import report

sidebar.draw("map")
with st.sidebar:
    show_corridors = st.toggle(_("Show corridors"), value=True, key="map_corridors")
    show_events = st.toggle(_("Show events (sized by deaths)"), value=bool(settings.get("events")), key="map_events")
    settings.put("events", show_events)
    show_munis = st.toggle(_("Municipalities (all 2,475)"), value=bool(settings.get("mlayer")), key="map_munis",
                           help=_("Colour every municipality by its own level instead of the states"))
    settings.put("mlayer", show_munis)
settings.to_url()

res = data.run()
t = res.table
states_t = t[t["region_type"] == "state"].rename(columns={"region_id": "state_code"})
cors = t[t["region_type"] == "corridor"]

# A click on the plotly map (the municipal layer) arrives in the chart's session entry; we keep the
# state in our own key because the chart's selection is cleared whenever the figure changes. A
# click on the live map (dashboard.live_map) arrives once, in the run it causes.
event = st.session_state.get("map")
clicked = maps.clicked_location(event)
corridor_clicked = maps.clicked_corridor(event)
if clicked == st.session_state.get("_map_last_click"):
    clicked = None
if corridor_clicked == st.session_state.get("_map_last_corridor"):
    corridor_clicked = None
picked = st.session_state.get("_live_pick")
if picked:
    st.session_state["_live_pick"] = None
    if picked.startswith("corridor:") and picked[9:] in set(cors["region_id"].astype(str).str.split("#").str[0]):
        corridor_clicked = picked[9:]
    elif picked in set(states_t["state_code"]):
        clicked = picked


def _open(corridor: str | None, place: str | None) -> None:
    if corridor:
        st.session_state["_map_last_corridor"] = corridor
        settings.put("corridor", corridor)
        settings.to_url()
        st.switch_page("views/corridors.py")
    if place:
        st.session_state["_map_last_click"] = place
        if len(place) == 5:                      # a municipality of the national layer
            settings.put("place", place)
            settings.to_url()
            st.switch_page("views/place_profile.py")
        settings.put("state", place)
        settings.to_url()
        st.switch_page("views/state_profile.py")


_open(corridor_clicked, clicked)
ms = data.municipal() if show_munis else None

st.title(_("Risk map"))
as_of = res.options.as_of
st.caption(_("Organised-crime risk by state, as of {date}, {profile} profile, {days}-day window. Click a state to "
             "open its profile, a corridor to open the Corridors page.", date=wording.day(as_of),
             profile=sidebar.profile_label(res.profile.name.split(" ")[0]), days=res.options.window_days))
map_col, table_col = st.columns([5, 4], gap="small")
abbr = data.states().set_index("state_code")["abbr"]
with map_col:
    hover = {"sc": _("Score"), "iv": _("90% interval"), "rk": _("Rank of 32"), "driver": _("Top driver")}
    top = dict(zip(res.table["region_id"], report.top_drivers(res)))
    states_t = states_t.assign(driver=[wording.driver(top[c], points=False) if top.get(c) else "–"
                                       for c in states_t["state_code"]],
                               sc=[wording.num(v) for v in states_t["score"]],
                               iv=[wording.interval(a, b) for a, b in zip(states_t["ci_low"], states_t["ci_high"])],
                               rk=[wording.rank(v) for v in states_t["rank"]])
    box = st.container(key="mapbox")
    ratings = data.assessments()
    for k, (assessor, r) in enumerate(ratings.groupby("assessor", sort=True)):
        r = r.set_index("state_code")
        col = f"_ref{k}"
        states_t[col] = [wording.reference_level(r, c) for c in states_t["state_code"]]
        hover[col] = f"{assessor} ({wording.month(r['as_of'].iloc[0])})"
    ev = data.map_events(as_of, res.options.window_days) if show_events else None
    corridor_args = dict(corridors=data.corridor_paths() if show_corridors else None,
                         corridor_levels=dict(zip(cors["region_id"], cors["level"])) if show_corridors else None,
                         events=ev)
    if ms is not None:
        mt = ms.table.assign(sc=[wording.num(v) for v in ms.table["score"]],
                             iv=[wording.interval(a, b) for a, b in zip(ms.table["ci_low"], ms.table["ci_high"])])
        fig = maps.state_map(data.municipal_geojson(None), mt, "level", scale="level", label=_("Risk level"),
                             code_col="cvegeo", name_col="name",
                             geojson_url=data.geojson_url("mx_municipalities_national.geojson"),
                             hover={"sc": _("Score"), "iv": _("90% interval")}, **corridor_args)
        with box:
            st.plotly_chart(fig, config=maps.PLOTLY_CONFIG, on_select="rerun", selection_mode="points",
                            key="map", width="stretch")
    else:
        # no plotly.js: the SVG map with its tooltips, clicks and zoom (dashboard/live_map.py)
        tips = {}
        for row in states_t.itertuples(index=False):
            r = row._asdict()
            lines = [str(r["name"]), f"{_('Risk level')}: {wording.level(r['level'])}"]
            lines += [f"{label}: {r.get(col) if r.get(col) not in (None, '') else '–'}" for col, label in hover.items()]
            tips[r["state_code"]] = "\n".join(lines)
        levels = dict(zip(states_t["state_code"], states_t["level"]))
        with box:
            live_map.live_map(maps.state_map_svg(
                data.state_geojson(), levels, labels=abbr.to_dict(), titles=tips, height=460, title=_("Risk map"),
                clickable=True, **corridor_args), key="livemap_home", on_pick="_live_pick",
                legend=maps.level_legend(data.state_geojson(), levels, corridor_args["corridor_levels"]))
    with st.expander(_("What the levels mean")):
        edges = [0, *res.profile.thresholds, 10]
        audience = st.radio(_("Advice for"), list(wording.AUDIENCES), format_func=lambda a: _(wording.AUDIENCES[a]),
                            horizontal=True, key="map_audience")
        st.dataframe(pd.DataFrame({
            _("Level"): [wording.level_title(k) for k in range(5, 0, -1)],
            _("Score"): [f"{edges[k - 1]:g}–{edges[k]:g}" for k in range(5, 0, -1)],
            _("What it means"): [wording.definition(k) for k in range(5, 0, -1)],
            _("Advice"): [wording.advice(k, audience) for k in range(5, 0, -1)],
        }), hide_index=True, width="stretch", key="map_levels",
            column_config={_("What it means"): st.column_config.TextColumn(width="large"),
                           _("Advice"): st.column_config.TextColumn(width="large")})
        st.caption(_("Scores are relative to Mexico's states (0 = the calmest on every indicator, 10 = the worst). "
                     "Grey means no data, never no risk. Our levels are named, not numbered like the US travel "
                     "advisory's."))

KINDS = {"States": _("States"), "Corridors": _("Corridors"), "Municipalities": _("Municipalities")}
with table_col:
    kind = st.radio(_("Rank"), list(KINDS), horizontal=True, key="map_kind", format_func=KINDS.get,
                    label_visibility="collapsed")
    if kind == "Municipalities":
        mun = (ms or data.municipal())
        sub = mun.table.assign(region_id=mun.table["cvegeo"],
                               name=[f"{n} ({abbr.get(s, s)})" for n, s in
                                     zip(mun.table["name"], mun.table["state_code"])])
    else:
        sub = states_t.rename(columns={"state_code": "region_id"}) if kind == "States" else cors
    sub = sub.sort_values("rank")
    # compact enough for all columns to show at 1366 px beside the map: the interval's half-width
    # joins the score, the level is a word (colour is never the only carrier)
    show = pd.DataFrame({
        "#": sub["rank"].round().astype("Int64"), _("Name"): sub["name"],
        _("Level"): [wording.level(v) for v in sub["level"]],
        _("Score"): [f"{s:.2f} ±{(h - lo) / 2:.2f}" if not wording.missing(s) and not wording.missing(h) else wording.num(s)
                     for s, lo, h in zip(sub["score"], sub["ci_low"], sub["ci_high"])],
        _("Change"): [wording.num(v, sign=True) for v in sub["change"]],
        _("Range"): [wording.rank_range(a, b) for a, b in zip(sub["rank_low"], sub["rank_high"])],
    })
    st.dataframe(show, hide_index=True, width="stretch", height=560, key="map_table",
                 column_config={
                     "#": st.column_config.NumberColumn(width=28, help=_("Rank, 1 = highest risk")),
                     _("Name"): st.column_config.TextColumn(width=84),
                     _("Level"): st.column_config.TextColumn(width=64),
                     _("Score"): st.column_config.TextColumn(width=80, help=_("0-10, ± half the 90% interval")),
                     _("Change"): st.column_config.TextColumn(width=54, help=_("against the previous quarter")),
                     _("Range"): st.column_config.TextColumn(width=52, help=_("Rank range: 5-95% over weights and "
                                                                              "methods")),
                 })
    # the full ranking as a plain table, shown only when printing (the grid above scrolls)
    st.html("<div class='print-only'>" + show.to_html(index=False, na_rep="–", float_format=lambda v: f"{v:.2f}")
            + "</div>")
    c1, c2 = st.columns(2)
    c1.download_button("CSV", lambda: exports.scores_csv(res, data.freshness()), f"risk-scores-{as_of}.csv", "text/csv", key="map_csv")
    c2.download_button("JSON", lambda: exports.scores_json(res, data.freshness()),
                       f"risk-scores-{as_of}.json", "application/json", key="map_json")

st.markdown("##### " + _("Data behind this view"))
cov = states_t["coverage"]
notes = [wording.data_note(n) for n in res.matrix.meta["notes"]]
st.caption(
    _("Coverage: {mean} of the weighted indicators have data on average (lowest {low}).",
      mean=f"{cov.mean():.0%}", low=f"{cov.min():.0%}") + " "
    + (" ".join(f"{n}." for n in notes) + " " if notes else "")
    + _("Sources: SESNSP crime and victim statistics, CONAPO population, UCDP GED events (CC BY 4.0), news "
        "events extracted by hand, imports. See Events & data for coverage and licences."))
