"""Compare two to six states or corridors: pillars, ranks with ranges, trends, and what drives
the difference between the first two (:func:`scoring.index.report.gap`)."""

from __future__ import annotations

import streamlit as st

from dashboard import brief_buttons, data, exports, settings, sidebar
from dashboard.figures import brief, charts
from scoring.index import report

sidebar.draw("compare")
st.title("Compare")
res = data.run()
t = res.table
labels = {r: f"{n} ({'state' if k == 'state' else 'corridor'})" for r, n, k in
          zip(t["region_id"], t["name"], t["region_type"])}
default = [r for r in settings.get("compare") if r in labels] or ["11", "12", "bajio-industrial-fed45"]
picked = st.multiselect("Regions (two to six)", list(labels), default=default, format_func=labels.get,
                        max_selections=6, key="compare_regions")
settings.put("compare", picked)
settings.to_url()
if len(picked) < 2:
    st.info("Pick at least two states or corridors to compare.")
    st.stop()

sel = t.set_index("region_id").loc[picked].reset_index()
pillar_names = [p.name for p in data.registry().pillars]
c1, c2 = st.columns(2, gap="large")
with c1:
    st.plotly_chart(charts.pillar_bars(sel, res.scores.pillar_ids, pillar_names, "Pillar scores"),
                    width="stretch", key="cmp_bars")
with c2:
    st.plotly_chart(charts.pillar_radar(sel, res.scores.pillar_ids, pillar_names, "Profile of risk"),
                    width="stretch", key="cmp_radar")

show = sel[["name", "region_type", "score", "ci_low", "ci_high", "level_name", "rank", "rank_low", "rank_high", "change"]]
ratings = data.assessments()
for assessor, r in ratings.groupby("assessor", sort=True):   # references beside ours, never in the score
    r = r.set_index("state_code")
    show = show.assign(**{assessor: [f"{r.at[c, 'level_name'] or ''} ({r.at[c, 'level']} of {r.at[c, 'level_max']})"
                                     if c in r.index else "–" for c in sel["region_id"]]})
show = show.rename(columns={"region_type": "kind", "ci_low": "90% low", "ci_high": "90% high", "level_name": "level",
                            "rank_low": "rank from", "rank_high": "rank to", "change": "change (quarter)"})
st.dataframe(show, hide_index=True, width="stretch",
             column_config={c: st.column_config.NumberColumn(format="%.2f")
                            for c in ("score", "90% low", "90% high", "change (quarter)")})
st.caption("Ranks are within each kind (32 states, corridors apart); the range is the 5-95% band over "
           "random weights and methods.")
st.plotly_chart(charts.rank_ranges(sel, "Rank and its range"), width="stretch", key="cmp_ranks")

hist = data.score_history()
h = hist[hist["region_id"].isin(picked)]
fig = charts.trend_lines(h, "as_of", "score", "name", "Score over the last two years (quarterly)", "score (0-10)")
charts.level_bands(fig, res.profile.thresholds)
st.plotly_chart(fig, width="stretch", key="cmp_trend")

st.subheader("What drives the difference")
a, b = picked[0], picked[1]
g = report.gap(res, a, b)
st.write(f"{labels[a]} scores {g.gap:+.2f} against {labels[b]}; the largest gaps: "
         + "; ".join(f"{r.indicator_name} {r.difference:+.2f}" for r in g.largest(3).itertuples(index=False)) + ".")
diff = g.parts[["indicator_name", "points_a", "points_b", "difference"]].rename(
    columns={"indicator_name": "indicator", "points_a": labels[a], "points_b": labels[b]})
st.dataframe(diff, hide_index=True, width="stretch",
             column_config={c: st.column_config.NumberColumn(format="%.2f") for c in diff.columns[1:]})
brief_buttons.offer(lambda lang: brief.comparison_brief(res, picked, lang=lang, ctx=brief_buttons.context(),
                                                        paths=data.corridor_paths()),
                    " ".join(t.set_index("region_id").loc[picked, "name"]), res.options.as_of, "cmp_brief")
st.download_button("Download this comparison (CSV)",
                   lambda: exports.scores_csv(res, data.freshness(), ids=picked),
                   file_name="comparison.csv", mime="text/csv", key="cmp_csv")
