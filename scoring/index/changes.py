"""What changed since a date: regions whose level changed, the biggest movers in score, and
new spikes, each with its reason in words (English; pages and digests translate the frame's
structured columns themselves). The "What changed" page, ``python -m scoring changes``, the
Atom feed and the JSON digest all read :func:`changes` (API in ../tools/changes_api.md).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from scoring.index import report
from scoring.index.levels import level_name
from scoring.index.matrix import TimeOptions
from scoring.index.model import RiskModel
from scoring.index.weights import Profile

ROW_COLUMNS = ["region_id", "region_type", "name", "score_before", "score_after", "change", "level_before",
               "level_after", "level_name_before", "level_name_after", "rank_before", "rank_after", "drivers", "reason"]
SPIKE_COLUMNS = ["state_code", "name", "series", "month", "value", "baseline", "z", "reason"]
MIN_MOVE = 0.05


@dataclass(frozen=True)
class Changes:
    since: dt.date
    as_of: dt.date
    level_changes: pd.DataFrame
    movers: pd.DataFrame
    spikes: pd.DataFrame


def _drivers_of_move(now, before, i: int, top: int = 2) -> list[tuple[str, float]]:
    """(indicator id, points gained) of the indicators that moved region ``i`` most."""
    delta = np.nan_to_num(now.scores.contributions[i] - before.scores.contributions[i])
    order = np.argsort(-np.abs(delta))
    return [(now.scores.ids[j], round(float(delta[j]), 2)) for j in order[:top] if abs(delta[j]) >= MIN_MOVE]


def _reason(row, parts: list[tuple[str, float]], since: dt.date, names: dict[str, str]) -> str:
    if pd.isna(row.score_before) or pd.isna(row.score_after):
        return ("Newly scored" if pd.isna(row.score_before) else "No longer scored") + f" since {since:%B %Y}."
    d = row.change
    head = (f"{'Up' if d > 0 else 'Down'} {abs(d):.2f} points since {since:%B %Y}"
            if abs(d) >= MIN_MOVE else f"Score nearly unchanged ({d:+.2f}) since {since:%B %Y}")
    if row.level_before != row.level_after:
        head += f", from {row.level_name_before} to {row.level_name_after}"
    if parts:
        head += ", mostly from " + ", ".join(f"{names[n].lower()} ({v:+.2f})" for n, v in parts)
    return head + "."


def changes(model: RiskModel, profile: Profile, opts: TimeOptions | None, since: dt.date, *,
            top: int = 10) -> Changes:
    """Compare the scores at ``opts.as_of`` (the latest data when None) with those at ``since``
    (same profile, window and half-life)."""
    opts = opts or TimeOptions()
    as_of = opts.as_of or model.default_as_of()
    now = model.run(profile, dataclasses.replace(opts, as_of=as_of), uncertainty=False, explain=False, compare=False)
    before = model.run(profile, dataclasses.replace(opts, as_of=since), uncertainty=False, explain=False,
                       compare=False)
    names = {ind.id: ind.name for ind in model.reg.indicators}
    a, b = now.table, before.table.set_index("region_id")
    both = pd.DataFrame({
        "region_id": a["region_id"], "region_type": a["region_type"], "name": a["name"],
        "score_before": b["score"].reindex(a["region_id"]).to_numpy(), "score_after": a["score"].to_numpy(),
        "level_before": b["level"].reindex(a["region_id"]).fillna(0).astype(int).to_numpy(),
        "level_after": a["level"].fillna(0).astype(int).to_numpy(),
        "rank_before": pd.array(b["rank"].reindex(a["region_id"]).round(), dtype="Int64"),
        "rank_after": pd.array(a["rank"].round(), dtype="Int64"),
    }).reset_index(drop=True)
    both["change"] = (both["score_after"] - both["score_before"]).round(2)
    both["level_name_before"] = [level_name(x) for x in both["level_before"]]
    both["level_name_after"] = [level_name(x) for x in both["level_after"]]
    pos = {r: k for k, r in enumerate(before.table["region_id"])}
    reasons, drivers = [], []
    for i, row in enumerate(both.itertuples(index=False)):
        parts = _drivers_of_move(now, before, i) if pos.get(row.region_id) == i else []
        drivers.append(parts)
        reasons.append(_reason(row, parts, since, names))
    both["drivers"] = drivers
    both["reason"] = reasons
    both = both[ROW_COLUMNS]

    lv = both[both["level_before"] != both["level_after"]].copy()
    lv = lv.assign(_step=lv["level_after"] - lv["level_before"], _abs=lv["change"].abs())
    lv = lv.sort_values(["_step", "_abs"], ascending=[False, False], kind="stable").drop(columns=["_step", "_abs"])
    mv = both[both["change"].abs() >= MIN_MOVE]
    mv = mv.reindex(mv["change"].abs().sort_values(ascending=False, kind="stable").index).head(top)

    sp = report.spikes(model.db, as_of)
    if len(sp):
        sp = sp[sp["month"] > pd.Timestamp(since)]
    states = a[a["region_type"] == "state"].set_index("region_id")["name"]
    spikes = pd.DataFrame({
        "state_code": sp["state_code"], "name": [states.get(c, c) for c in sp["state_code"]],
        "series": sp["series"], "month": sp["month"], "value": sp["value"], "baseline": sp["baseline"],
        "z": sp["z"], "reason": sp["text"] if len(sp) else pd.Series(dtype=str)}, columns=SPIKE_COLUMNS)
    spikes = spikes.sort_values("z", ascending=False, kind="stable").reset_index(drop=True)
    return Changes(since, as_of, lv.reset_index(drop=True), mv.reset_index(drop=True), spikes)
