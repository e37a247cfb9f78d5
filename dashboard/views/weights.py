"""Weights & methods (for analysts): sliders, methods, thresholds, a weights file to load or
save; the map and ranking move live, with rank moves against the profile and rank ranges."""

from __future__ import annotations

import pandas as pd
import streamlit as st
import yaml

from dashboard import data, exports, live_map, settings, sidebar, wording
from dashboard.figures import charts, maps
from dashboard.i18n import _
from dashboard.text import md, md_table
from scoring.errors import RiskError
from scoring.index import methods, report
from scoring.index.weights import load_profile, profile_from_dict

sidebar.draw("weights")
picked = st.session_state.pop("_w_pick", None)          # a click on the live map: that state's profile
if picked in set(data.states()["state_code"]):
    settings.put("state", picked)
    settings.to_url()
    st.switch_page("views/state_profile.py")
st.title(_("Weights & methods"))
reg = data.registry()
base = load_profile(settings.get("profile"))

with st.sidebar:
    st.markdown("### " + _("Load or reset"))
    up = st.file_uploader(_("Load a weights file (YAML)"), type=["yml", "yaml"], key="w_upload")
    if up is not None and st.session_state.get("_w_loaded") != up.file_id:
        try:
            loaded = profile_from_dict(yaml.safe_load(up.getvalue().decode("utf-8")), where=up.name)
            settings.put("pw", loaded.pillar_weights)
            settings.put("iw", loaded.indicator_weights)
            settings.put("norm", loaded.normalisation)
            settings.put("agg", loaded.aggregation)
            settings.put("th", tuple(loaded.thresholds))
            st.session_state["_w_loaded"] = up.file_id
            st.success(_("Loaded {name}.", name=md(up.name)))
        except (RiskError, yaml.YAMLError, UnicodeDecodeError) as exc:
            st.error(_("{name} was not loaded: {exc}", name=md(up.name), exc=md(exc)))
    if st.button(_("Reset to the profile"), key="w_reset"):
        for k in ("pw", "iw", "norm", "agg", "th"):
            settings.put(k, {} if k in ("pw", "iw") else ("" if k in ("norm", "agg") else ()))
        for k in list(st.session_state):
            if k.startswith("wsl_"):
                del st.session_state[k]
        st.rerun()

pw = {**base.pillar_weights, **settings.get("pw")}
iw = {**base.indicator_weights, **settings.get("iw")}
st.caption(_("Starting from the **{name}** profile. Weights are relative: they are rescaled to sum to 1.",
             name=sidebar.profile_label(base.name)))
m1, m2, m3 = st.columns(3)
norms = list(methods.NORMALISERS)
aggs = list(methods.AGGREGATORS)
norm = m1.selectbox(_("Normalisation"), norms, index=norms.index(settings.get("norm") or base.normalisation),
                    key="w_norm", format_func=lambda k: _(wording.NORMALISERS[k]) if k in wording.NORMALISERS else k,
                    help=" ".join(_(wording.NORMALISER_HELP[k]) for k in norms if k in wording.NORMALISER_HELP))
agg = m2.selectbox(_("Aggregation"), aggs, index=aggs.index(settings.get("agg") or base.aggregation), key="w_agg",
                   format_func=lambda k: _(wording.AGGREGATORS[k]) if k in wording.AGGREGATORS else k,
                   help=" ".join(_(wording.AGGREGATOR_HELP[k]) for k in aggs if k in wording.AGGREGATOR_HELP))
hl = m3.slider(_("Half-life (days)"), 30, 730, int(settings.get("half_life")), step=15, key="w_hl",
               help=_("An event or month this old counts half as much as one at the as-of date."))
settings.put("norm", "" if norm == base.normalisation else norm)
settings.put("agg", "" if agg == base.aggregation else agg)
settings.put("half_life", float(hl))
uc = st.checkbox(_("Adjust homicide files for under-recording (death certificates)"), value=bool(settings.get("uc")),
                 key="w_uc", help=_("Scales each state's homicide files by the homicides INEGI's death certificates "
                                    "record per file in 2020-2022. Off by default: the ratio is stable across periods "
                                    "only in part (rank correlation 0.47 between 2016-18 and 2020-22), so it is "
                                    "offered, not imposed."))
settings.put("uc", uc)
th = settings.get("th") or tuple(base.thresholds)
st.markdown(_("**Level thresholds** (score at which each level starts)"))
tcols = st.columns(4)
th_sel = tuple(c.number_input(_("{level} from", level=wording.level(k + 2)), 0.1, 9.9, float(v), 0.1, key=f"w_th_{k}")
               for k, (c, v) in enumerate(zip(tcols, th)))
if list(th_sel) == sorted(th_sel) and len(set(th_sel)) == 4:
    settings.put("th", () if tuple(th_sel) == tuple(base.thresholds) else tuple(th_sel))
else:
    st.warning(_("Thresholds must increase from Moderate to Extreme; keeping the previous ones."))

st.markdown("#### " + _("Pillars"))
cols = st.columns(len(reg.pillars))
new_pw = {}
for c, p in zip(cols, reg.pillars):
    new_pw[p.id] = c.slider(wording.pillar(p.id), 0.0, 1.0, float(round(pw[p.id], 2)), 0.05, key=f"wsl_p_{p.id}")
with st.expander(_("Indicators (relative weight inside their pillar)")):
    new_iw = {}
    icols = st.columns(3)
    for k, ind in enumerate(reg.indicators):
        new_iw[ind.id] = icols[k % 3].slider(wording.indicator(ind.id), 0.0, 5.0, float(iw[ind.id]), 0.5,
                                             key=f"wsl_i_{ind.id}")
settings.put("pw", {k: v for k, v in new_pw.items() if abs(v - base.pillar_weights[k]) > 1e-9})
settings.put("iw", {k: v for k, v in new_iw.items() if abs(v - base.indicator_weights[k]) > 1e-9})
settings.to_url()

profile = settings.profile()
# the live view needs scores, levels and ranks only: no drivers, no bootstrap (kept fast)
res = data.run(profile, uncertainty=False, explain=False)
ref = data.run(base, uncertainty=False, explain=False)
t = res.table
states_now = t[t["region_type"] == "state"]
moves = report.rank_moves(ref.table, t, "state")
left, right = st.columns([3, 2], gap="medium")
with left:
    sn = states_now.rename(columns={"region_id": "state_code"})
    sn = sn.assign(sc=[wording.num(v) for v in sn["score"]], rk=[wording.rank(v) for v in sn["rank"]])
    # an SVG map, not plotly: it is redrawn on every slider move, and plotly's map cost each
    # browser 0.6-0.9 s of main-thread time a move (docs/SCALE.md); as a live map
    # (dashboard/live_map.py) the browser parses it as XML, not through the Markdown pipeline
    wlevels = dict(zip(sn["state_code"], sn["level"]))
    live_map.live_map(maps.state_map_svg(
        data.state_geojson(), wlevels, labels=data.states().set_index("state_code")["abbr"].to_dict(),
        titles={c: f"{n}\n{_('Risk level')}: {wording.level(lv)}\n{_('Score')}: {sc}\n{_('Rank of 32')}: {rk}"
                for c, n, lv, sc, rk in zip(sn["state_code"], sn["name"], sn["level"], sn["sc"], sn["rk"])},
        height=460, title=_("Risk level"), clickable=True), key="livemap_w", on_pick="_w_pick",
        legend=maps.level_legend(data.state_geojson(), wlevels))
with right:
    # a Markdown table in a scrolling box, not st.dataframe: no data grid to fetch and redraw on
    # every slider move (the page then needs no chart or grid code at all)
    ranking = pd.DataFrame({"#": moves["rank"].round().astype("Int64"),
                            _("Moved"): ["–" if wording.missing(v) else f"{int(v):+d}" if v else "0"
                                         for v in moves["moved"]], _("State"): moves["name"],
                            _("Score"): [wording.num(v) for v in moves["score"]],
                            _("Level"): [wording.level(wording.LEVEL_NAMES_EN.index(n)) if n in wording.LEVEL_NAMES_EN
                                         else "–" for n in moves["level_name"]]})
    with st.container(height=520, key="w_rank"):
        st.markdown(md_table(ranking, align={"#": "right", _("Moved"): "right", _("Score"): "right"}))
    st.caption(_("Moved") + ": " + _("places up (+) or down (-) against the profile"))

st.markdown("#### " + _("Who moved against the profile"))
moved = moves["moved"].abs()
if moved.notna().any():
    st.write(_("{n} of {total} states changed rank; the largest move is {k} places.", n=int((moved > 0).sum()),
               total=len(moves), k=int(moved.max())))
b = ref.table[ref.table["region_type"] == "state"]
# SVG, not plotly, like the map above: redrawn on every slider move
st.markdown(charts.slope_chart_svg(b, states_now, sidebar.profile_label(base.name), _("adjusted"),
                                   title=_("Who moved against the profile")), unsafe_allow_html=True)

st.markdown("#### " + _("How robust is this ranking?"))
st_mc = report.rank_ranges(res, data.mc_ranks(profile), "state")
st.markdown(charts.rank_ranges_svg(st_mc, of=len(st_mc), title=_("How robust is this ranking?")),
            unsafe_allow_html=True)
st.caption(_("Each bar spans the 5th to 95th percentile of the state's rank over 500 draws: weights drawn from a "
             "Dirichlet distribution around these weights, and normalisation and aggregation drawn at random half "
             "the time. A long bar means the rank depends on method choices."))

st.download_button(_("Save these weights (YAML)"), profile.to_yaml(), file_name=f"weights-{base.name}-custom.yml",
                   mime="application/x-yaml", key="w_save")
c1, c2 = st.columns(2)
c1.download_button(_("Scores (CSV)"), lambda: exports.scores_csv(res, data.freshness()), "scores.csv", "text/csv", key="w_csv")
c2.download_button(_("Scores (JSON)"), lambda: exports.scores_json(res, data.freshness()),
                   "scores.json", "application/json", key="w_json")
