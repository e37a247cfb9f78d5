"""What changed since a month: regions whose level changed, the biggest movers in score and new
spikes, each with its reason in words (:func:`scoring.index.changes.changes`)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from dashboard import data, sidebar, words
from dashboard.i18n import _

sidebar.draw("changes")
st.title(_("What changed"))
res = data.run(uncertainty=False, explain=False)
as_of = res.options.as_of

# month ends going back two years, the as-of month excluded
ends = []
d = as_of.replace(day=1) - dt.timedelta(days=1)
for _k in range(24):
    ends.append(d)
    d = d.replace(day=1) - dt.timedelta(days=1)
since = st.selectbox(_("Since the end of"), ends, index=2, key="chg_since", format_func=words.month,
                     help=_("Scores at that date (same profile, window and half-life) against the scores now."))
ch = data.changes(since)
st.caption(_("Scores as of {now} against {then}, {profile} profile.", now=words.day(as_of), then=words.day(since),
             profile=sidebar.profile_label(res.profile.name.split(" ")[0])))


def _reason(r) -> str:
    if words.missing(r.score_before) or words.missing(r.score_after):
        return _("Newly scored.") if words.missing(r.score_before) else _("No longer scored.")
    d = float(r.change)
    if abs(d) < 0.05:
        head = _("Score nearly unchanged ({d})", d=f"{d:+.2f}")
    elif d > 0:
        head = _("Up {d} points", d=f"{abs(d):.2f}")
    else:
        head = _("Down {d} points", d=f"{abs(d):.2f}")
    if r.level_before != r.level_after:
        head += _(", from {a} to {b}", a=words.level(r.level_before).lower(), b=words.level(r.level_after).lower())
    if r.drivers:
        head += _(", mostly from {parts}", parts=", ".join(f"{words.indicator(k).lower()} ({v:+.2f})"
                                                          for k, v in r.drivers))
    return head + "."


def _table(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        _("Region"): frame["name"], _("Kind"): [words.region_type(k) for k in frame["region_type"]],
        _("Level then"): [words.level(v) for v in frame["level_before"]],
        _("Level now"): [words.level(v) for v in frame["level_after"]],
        _("Change"): [words.num(v, sign=True) for v in frame["change"]],
        _("Rank now"): [words.rank(v) for v in frame["rank_after"]],
        _("Why"): [_reason(r) for r in frame.itertuples(index=False)],
    })


cfg = {_("Change"): st.column_config.TextColumn(width="small"),
       _("Region"): st.column_config.TextColumn(width="medium"), _("Why"): st.column_config.TextColumn(width="large")}
st.subheader(_("Level changes"))
if ch.level_changes.empty:
    st.info(_("No region changed level since {month}.", month=words.month(since)))
else:
    up = int((ch.level_changes["level_after"] > ch.level_changes["level_before"]).sum())
    st.write(_("{n} regions changed level: {up} up, {down} down.", n=len(ch.level_changes), up=up,
               down=len(ch.level_changes) - up))
    st.dataframe(_table(ch.level_changes), hide_index=True, width="stretch", column_config=cfg, key="chg_levels")

st.subheader(_("Biggest movers"))
if ch.movers.empty:
    st.info(_("No score moved by 0.05 points or more."))
else:
    st.dataframe(_table(ch.movers), hide_index=True, width="stretch", column_config=cfg, key="chg_movers")

st.subheader(_("New spikes"))
st.caption(_("Months after {month} far above the state's previous two years (robust z-score of the monthly "
             "investigation files).", month=words.month(since)))
if ch.spikes.empty:
    st.info(_("No new spike."))
else:
    sp = ch.spikes
    st.dataframe(pd.DataFrame({
        _("State"): sp["name"], _("Crime"): [words.series(s) for s in sp["series"]],
        _("Month"): [words.month(m) for m in sp["month"]],
        _("Why"): [_("{n} files against a usual {b} a month (robust z-score {z})", n=f"{v:,.0f}", b=f"{b:,.0f}",
                     z=f"{z:.1f}") for v, b, z in zip(sp["value"], sp["baseline"], sp["z"])],
    }), hide_index=True, width="stretch", key="chg_spikes")
