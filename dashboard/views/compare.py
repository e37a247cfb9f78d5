"""Compare two to six states or corridors: pillars, ranks with ranges (states and corridors on
separate axes), trends, and what drives the difference between every pick and a reference
(:func:`scoring.index.report.gap`)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from dashboard import brief_buttons, data, exports, settings, sidebar, wording
from dashboard.figures import brief, charts
from dashboard.i18n import _
from scoring.index import report

sidebar.draw("compare")
st.title(_("Compare"))
res = data.run()
t = res.table
kind_word = {"state": _("state"), "corridor": _("corridor")}
labels = {r: f"{n} ({kind_word[k]})" for r, n, k in zip(t["region_id"], t["name"], t["region_type"])}
default = [r for r in settings.get("compare") if r in labels] or ["11", "12", "bajio-industrial-fed45"]
# "contains", not the default fuzzy match: typing "Jalisco" must not offer every corridor whose
# name happens to hold those letters in order
picked = st.multiselect(_("Regions (two to six)"), list(labels), default=default, format_func=labels.get,
                        max_selections=6, key="compare_regions", filter_mode="contains",
                        placeholder=_("Type a state or corridor"))
settings.put("compare", picked)
settings.to_url()
if len(picked) < 2:
    st.info(_("Pick at least two states or corridors to compare."))
    st.stop()

sel = t.set_index("region_id").loc[picked].reset_index()
pillar_names = [wording.pillar(p) for p in res.scores.pillar_ids]
c1, c2 = st.columns(2, gap="large")
with c1:
    st.markdown(charts.pillar_bars(sel, res.scores.pillar_ids, pillar_names, _("Pillar scores")),
                unsafe_allow_html=True)
with c2:
    st.markdown(charts.pillar_radar(sel, res.scores.pillar_ids, pillar_names, _("Profile of risk")),
                unsafe_allow_html=True)

n_of = t["region_type"].value_counts().to_dict()
show = pd.DataFrame({
    _("Name"): sel["name"], _("Kind"): [wording.region_type(k) for k in sel["region_type"]],
    _("Level"): [wording.level_title(v) for v in sel["level"]], _("Score"): sel["score"].round(2),
    _("90% interval"): [wording.interval(a, b) for a, b in zip(sel["ci_low"], sel["ci_high"])],
    _("Rank"): [_("{r} of {n}", r=wording.rank(r), n=n_of.get(k, 0)) for r, k in zip(sel["rank"], sel["region_type"])],
    _("Rank range"): [wording.rank_range(a, b) for a, b in zip(sel["rank_low"], sel["rank_high"])],
    _("Change (quarter)"): sel["change"].round(2),
})
ratings = data.assessments()
for assessor, r in ratings.groupby("assessor", sort=True):   # references beside ours, never in the score
    r = r.set_index("state_code")
    show[assessor] = [wording.reference_level(r, c) for c in sel["region_id"]]
show = wording.dashes(show, {_("Score"): "{:.2f}", _("Change (quarter)"): "{:+.2f}"})
st.dataframe(show, hide_index=True, width="stretch", key="cmp_table",
             column_config={_("Name"): st.column_config.TextColumn(width="medium")})
st.caption(_("Ranks are within each kind (32 states; corridors apart); the bar is the 5-95% band of the rank over "
             "random weights and methods."))
# never corridor ranks and state ranks on one axis: one chart per kind
kinds = [k for k in ("state", "corridor") if (sel["region_type"] == k).any()]
rcols = st.columns(len(kinds))
for col, k in zip(rcols, kinds):
    with col:
        title = _("State ranks and their range") if k == "state" else _("Corridor ranks and their range")
        st.markdown(charts.figure(charts.responsive(lambda w, k=k, title=title: charts.rank_ranges_svg(
            sel[sel["region_type"] == k], of=n_of.get(k, 0), title=title, width=w)), title), unsafe_allow_html=True)

hist = data.score_history()
h = hist[hist["region_id"].isin(picked)]
h = h.iloc[np.argsort(h["region_id"].map({r: i for i, r in enumerate(picked)}).to_numpy(), kind="stable")]  # colours as above
st.markdown(charts.trend_lines(h, "as_of", "score", "name", _("Score over the last two years (quarterly)"),
                               _("score (0-10)"), thresholds=res.profile.thresholds), unsafe_allow_html=True)

st.subheader(_("What drives the difference"))
ref = st.selectbox(_("Against"), picked, format_func=labels.get, key="cmp_ref",
                   help=_("Every other pick is compared with this one, indicator by indicator."))
others = [r for r in picked if r != ref]
for b in others:
    try:
        g = report.gap(res, b, ref)
    except Exception:  # a region without scores
        st.write(_("{a}: no score to compare.", a=labels[b]))
        continue
    if wording.missing(g.gap):
        st.write(_("{a}: no score to compare.", a=labels[b]))
        continue
    largest = "; ".join(f"{wording.indicator(r.indicator_name)} {r.difference:+.2f}"
                        for r in g.largest(3).itertuples(index=False))
    st.markdown("- " + _("**{a}** scores {gap} against {b}; the largest gaps: {parts}.", a=labels[b],
                         gap=f"{g.gap:+.2f}".replace("-0.00", "0.00").replace("+0.00", "0.00"), b=labels[ref], parts=largest))
contrib = res.contributions()
pts = contrib[contrib["region_id"].isin(picked)].pivot_table(index="indicator_name", columns="region_id",
                                                              values="points", sort=False)[picked]
pts = pts.assign(_spread=pts.max(axis=1) - pts.min(axis=1)).sort_values("_spread", ascending=False)
diff = pd.DataFrame({_("Indicator"): [wording.indicator(n) for n in pts.index]})
for r in picked:
    diff[labels[r]] = pts[r].round(2).to_numpy()
diff[_("Spread")] = pts["_spread"].round(2).to_numpy()
diff = wording.dashes(diff, {c: "{:.2f}" for c in diff.columns[1:]})
st.dataframe(diff, hide_index=True, width="stretch", key="cmp_diff")
st.caption(_("Points each indicator adds to each score (they sum to the score); the widest spread first."))
brief_buttons.offer(lambda lang: brief.comparison_brief(res, picked, lang=lang, ctx=brief_buttons.context(),
                                                        paths=data.corridor_paths()),
                    " ".join(t.set_index("region_id").loc[picked, "name"]), res.options.as_of, "cmp_brief")
st.download_button(_("Download this comparison (CSV)"),
                   lambda: exports.scores_csv(res, data.freshness(), ids=picked),
                   file_name="comparison.csv", mime="text/csv", key="cmp_csv")
