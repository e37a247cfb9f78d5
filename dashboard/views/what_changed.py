"""What changed since a month: regions whose level changed, the biggest movers in score and new
spikes, each with its reason in words (:func:`scoring.index.changes.changes`)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import data, sidebar, wording
from dashboard.i18n import _

sidebar.draw("changes")
st.title(_("What changed"))
res = data.run(uncertainty=False, explain=False)
as_of = res.options.as_of

# month ends going back two years, the as-of month excluded
ends = data.month_ends(as_of)
since = st.selectbox(_("Since the end of"), ends, index=data.DEFAULT_SINCE, key="chg_since", format_func=wording.month,
                     help=_("Scores at that date (same profile, window and half-life) against the scores now."))
ch = data.changes(since)
KINDS = {"state": _("States"), "corridor": _("Corridors"), "municipality": _("Municipalities")}
kinds = st.multiselect(_("Regions"), list(KINDS), default=["state", "corridor"], format_func=KINDS.get,
                       key="chg_kinds")
st.caption(_("Scores as of {now} against {then}, {profile} profile.", now=wording.day(as_of), then=wording.day(since),
             profile=sidebar.profile_label(res.profile.name.split(" ")[0])))


def _reason(r) -> str:
    if wording.missing(r.score_before) or wording.missing(r.score_after):
        return _("Newly scored.") if wording.missing(r.score_before) else _("No longer scored.")
    d = float(r.change)
    if abs(d) < 0.05:
        head = _("Score nearly unchanged ({d})", d=f"{d:+.2f}")
    elif d > 0:
        head = _("Up {d} points", d=f"{abs(d):.2f}")
    else:
        head = _("Down {d} points", d=f"{abs(d):.2f}")
    if r.level_before != r.level_after:
        head += _(", from {a} to {b}", a=wording.level(r.level_before).lower(), b=wording.level(r.level_after).lower())
    if isinstance(r.driver, str) and r.driver and not wording.missing(r.driver_change):
        head += _(", mostly from {parts}", parts=f"{wording.indicator(r.driver).lower()} ({r.driver_change:+.2f})")
    return head + "."


def _table(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame[frame["region_type"].isin(kinds)]
    return pd.DataFrame({
        _("Region"): frame["name"], _("Kind"): [wording.region_type(k) for k in frame["region_type"]],
        _("Level then"): [wording.level(v) for v in frame["level_before"]],
        _("Level now"): [wording.level(v) for v in frame["level_after"]],
        _("Change"): [wording.num(v, sign=True) for v in frame["change"]],
        _("Rank now"): [wording.rank(v) for v in frame["rank_after"]],
        _("Why"): [_reason(r) for r in frame.itertuples(index=False)],
    })


cfg = {_("Change"): st.column_config.TextColumn(width="small"),
       _("Region"): st.column_config.TextColumn(width="medium"), _("Why"): st.column_config.TextColumn(width="large")}
st.subheader(_("Level changes"))
lc = ch.level_changes[ch.level_changes["region_type"].isin(kinds)]
if lc.empty:
    st.info(_("No region changed level since {month}.", month=wording.month(since)))
else:
    up = int((lc["level_after"] > lc["level_before"]).sum())
    st.write(_("{n} regions changed level: {up} up, {down} down.", n=len(lc), up=up, down=len(lc) - up))
    st.dataframe(_table(lc), hide_index=True, width="stretch", column_config=cfg, key="chg_levels")

st.subheader(_("Biggest movers"))
if ch.movers[ch.movers["region_type"].isin(kinds)].empty:
    st.info(_("No score moved by 0.05 points or more."))
else:
    st.dataframe(_table(ch.movers), hide_index=True, width="stretch", column_config=cfg, key="chg_movers")

st.subheader(_("New spikes"))
st.caption(_("Months after {month} far above the state's previous two years (robust z-score of the monthly "
             "investigation files).", month=wording.month(since)))
if ch.spikes.empty:
    st.info(_("No new spike."))
else:
    sp = ch.spikes
    st.dataframe(pd.DataFrame({
        _("State"): sp["name"], _("Crime"): [wording.series(s) for s in sp["series"]],
        _("Month"): [wording.month(m) for m in sp["month"]],
        _("Why"): [_("{n} files against a usual {b} a month (robust z-score {z})", n=f"{v:,.0f}", b=f"{b:,.0f}",
                     z=f"{z:.1f}") for v, b, z in zip(sp["value"], sp["baseline"], sp["z"])],
    }), hide_index=True, width="stretch", key="chg_spikes")
