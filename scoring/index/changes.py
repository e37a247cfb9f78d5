"""What changed since a month: regions whose level changed, the biggest movers in score, and
new spikes in the monthly official figures, each with its reason in words.

>>> ch = changes(RiskModel(store), load_profile("analyst"), None, dt.date(2026, 4, 30))  # doctest: +SKIP
>>> ch.level_changes[["name", "level_name_before", "level_name_after", "reason"]]        # doctest: +SKIP

Two runs of the same profile and time options, one at ``since`` (the "before") and one at the
current as-of date; states and corridors from :meth:`RiskModel.run`, municipalities from
:meth:`RiskModel.municipalities`. Spikes are :func:`scoring.index.report.spikes` (robust
z-scores per series and state) restricted to the months after ``since``.

The reasons are English. Every template is a msgid of the ``briefs`` catalogue
(``dashboard/locale/es/LC_MESSAGES/briefs.po``): :func:`describe` rewrites them through any
translation function (the dashboard passes ``dashboard.i18n.b_``), so this module stays free
of the dashboard. The API is agreed in ``/work/tools/changes_api.md``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from scoring.index import report
from scoring.index.levels import level_name
from scoring.index.matrix import TimeOptions
from scoring.index.model import RiskModel
from scoring.index.weights import Profile

# a score change smaller than this is noise, not a move
MIN_MOVE = 0.05
REGION_TYPES = ("state", "corridor", "municipality")

REGION_COLUMNS = ["region_id", "region_type", "name", "state_code", "score_before", "score_after", "change",
                  "level_before", "level_after", "level_name_before", "level_name_after", "rank_before",
                  "rank_after", "driver", "driver_change", "reason"]
SPIKE_COLUMNS = ["state_code", "name", "series", "month", "value", "baseline", "z", "reason"]

Translate = Callable[[str], str]


def _same(text: str) -> str:
    return text


# -- the reasons' templates (msgids of the briefs catalogue) -----------------------------------------
T_ROSE = "Rose from {before} to {after}: score {s0} to {s1} ({d})."
T_FELL = "Fell from {before} to {after}: score {s0} to {s1} ({d})."
T_NEW = "Now scored {after} ({s1}); no score on {since}."
T_LOST = "No score now (was {before}, {s0}): too little data in the window."
T_UP = "Score up {d} to {s1}, still {after}."
T_DOWN = "Score down {d} to {s1}, still {after}."
T_MOSTLY = "Mostly from {indicator} ({dp} points)."
T_SPIKE = "{series} in {month}: {value} files against a usual {baseline} a month (robust z {z})."
SERIES_NAMES = {"intentional homicide": "Intentional homicide", "kidnapping": "Kidnapping", "extortion": "Extortion"}
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")


@dataclass(frozen=True)
class Changes:
    since: dt.date                # the as-of date compared against (for --since YYYY-MM: that month's last day)
    as_of: dt.date                # the current as-of date
    level_changes: pd.DataFrame   # regions whose level changed (REGION_COLUMNS)
    movers: pd.DataFrame          # the biggest movers in score, per region type (REGION_COLUMNS)
    spikes: pd.DataFrame          # new spikes, months after `since` (SPIKE_COLUMNS)
    profile: str = ""

    def to_json(self) -> dict:
        """The JSON digest: what the CLI prints with ``--format json`` and writes as changes.json."""
        def rows(df: pd.DataFrame) -> list[dict]:
            out = []
            for rec in df.to_dict(orient="records"):
                d = {}
                for k, v in rec.items():
                    if isinstance(v, pd.Timestamp):
                        v = v.strftime("%Y-%m")
                    elif isinstance(v, (float, np.floating)):
                        v = None if not np.isfinite(v) else (int(v) if k.startswith(("rank", "level")) else
                                                             round(float(v), 2))
                    elif isinstance(v, np.integer):
                        v = int(v)
                    elif v is pd.NA or v is None:
                        v = None
                    d[k] = v
                out.append(d)
            return out

        return {"since": self.since.isoformat(), "as_of": self.as_of.isoformat(), "profile": self.profile,
                "counts": {"level_changes": len(self.level_changes), "movers": len(self.movers),
                           "spikes": len(self.spikes)},
                "level_changes": rows(self.level_changes), "movers": rows(self.movers), "spikes": rows(self.spikes)}


def month_end(text: str) -> dt.date:
    """The last day of ``YYYY-MM`` (ValueError if it is not one)."""
    d = dt.datetime.strptime(text, "%Y-%m").date()
    nxt = (d.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return nxt - dt.timedelta(days=1)


def _num(v: float, signed: bool = False) -> str:
    return "–" if v is None or not np.isfinite(v) else (f"{v:+.2f}" if signed else f"{v:.2f}")


def _region_reason(r, since: dt.date, tr: Translate) -> str:
    def lv(n):
        return tr(level_name(n))

    f = {"before": lv(r["level_before"]), "after": lv(r["level_after"]), "s0": _num(r["score_before"]),
         "s1": _num(r["score_after"]), "d": _num(r["change"], signed=True), "since": since.isoformat()}
    if not r["level_after"]:
        return tr(T_LOST).format(**f)
    if not r["level_before"]:
        return tr(T_NEW).format(**f)
    if r["level_after"] != r["level_before"]:
        head = tr(T_ROSE if r["level_after"] > r["level_before"] else T_FELL).format(**f)
    else:
        f["d"] = _num(abs(r["change"]))
        head = tr(T_UP if r["change"] > 0 else T_DOWN).format(**f)
    if isinstance(r["driver"], str) and r["driver"] and np.isfinite(r["driver_change"]):
        head += " " + tr(T_MOSTLY).format(indicator=tr(r["driver"]), dp=_num(r["driver_change"], signed=True))
    return head


def _spike_reason(r, tr: Translate) -> str:
    m = pd.Timestamp(r["month"])
    return tr(T_SPIKE).format(series=tr(SERIES_NAMES.get(r["series"], r["series"])),
                              month=f"{tr(MONTHS[m.month - 1])} {m.year}", value=f"{r['value']:,.0f}",
                              baseline=f"{r['baseline']:,.0f}", z=f"{r['z']:.1f}")


def _frame(ids, types, names, states, s0, s1, l0, l1, r0, r1, c0, c1, indicator_names) -> pd.DataFrame:
    """One row per region with before/after and the indicator that moved most in the score's direction."""
    s0, s1 = np.asarray(s0, float), np.asarray(s1, float)
    d = s1 - s0
    delta = np.nan_to_num(np.asarray(c1, float)) - np.nan_to_num(np.asarray(c0, float))
    signed = delta * np.sign(np.where(np.isfinite(d), d, 0))[:, None]
    j = np.argmax(signed, axis=1) if delta.shape[1] else np.zeros(len(d), int)
    best = delta[np.arange(len(d)), j] if delta.shape[1] else np.full(len(d), np.nan)
    useful = np.isfinite(d) & (np.abs(best) >= 0.01) & (np.sign(best) == np.sign(d))
    return pd.DataFrame({
        "region_id": list(ids), "region_type": list(types), "name": list(names), "state_code": list(states),
        "score_before": s0, "score_after": s1, "change": np.round(d, 2),
        "level_before": np.asarray(l0, int), "level_after": np.asarray(l1, int),
        "level_name_before": [level_name(x) for x in l0], "level_name_after": [level_name(x) for x in l1],
        "rank_before": pd.array(np.where(np.isfinite(np.asarray(r0, float)), np.asarray(r0, float), np.nan),
                                dtype="Float64").round(0).astype("Int64"),
        "rank_after": pd.array(np.where(np.isfinite(np.asarray(r1, float)), np.asarray(r1, float), np.nan),
                               dtype="Float64").round(0).astype("Int64"),
        "driver": [indicator_names[k] if ok else None for k, ok in zip(j, useful)],
        "driver_change": np.where(useful, np.round(best, 2), np.nan),
    })


def _regions(model: RiskModel, profile: Profile, now_opts: TimeOptions, before_opts: TimeOptions) -> pd.DataFrame:
    names = [i.name for i in model.reg.indicators]
    now = model.run(profile, now_opts, uncertainty=False, explain=False, compare=False)
    bef = model.run(profile, before_opts, uncertainty=False, explain=False, compare=False)
    t1, t0 = now.table, bef.table.set_index("region_id").reindex(now.table["region_id"])
    pos0 = pd.Series(np.arange(len(bef.table)), index=bef.table["region_id"]).reindex(t1["region_id"]).to_numpy()
    c0 = np.full_like(now.scores.contributions, np.nan, dtype=float)
    ok = np.isfinite(pos0)
    c0[ok] = bef.scores.contributions[pos0[ok].astype(int)]
    state_of = [r if k == "state" else None for r, k in zip(t1["region_id"], t1["region_type"])]
    frames = [_frame(t1["region_id"], t1["region_type"], t1["name"], state_of, t0["score"], t1["score"],
                     t0["level"].fillna(0), t1["level"], t0["rank"], t1["rank"], c0, now.scores.contributions, names)]
    m1 = model.municipalities(profile, now_opts, compare=False)
    m0 = model.municipalities(profile, before_opts, compare=False) if m1 is not None else None
    if m1 is not None and m0 is not None:
        a, b = m1.table, m0.table.set_index("cvegeo").reindex(m1.table["cvegeo"])
        pos = pd.Series(np.arange(len(m0.table)), index=m0.table["cvegeo"]).reindex(a["cvegeo"]).to_numpy()
        cm0 = np.full_like(m1.contributions, np.nan, dtype=float)
        ok = np.isfinite(pos)
        cm0[ok] = m0.contributions[pos[ok].astype(int)]
        frames.append(_frame(a["cvegeo"], ["municipality"] * len(a), a["name"], a["state_code"], b["score"],
                             a["score"], b["level"].fillna(0), a["level"], b["rank"], a["rank"], cm0,
                             m1.contributions, names))
    return pd.concat(frames, ignore_index=True)


def _order(df: pd.DataFrame) -> pd.Series:
    return df["region_type"].map({k: i for i, k in enumerate(REGION_TYPES)})


def changes(model: RiskModel, profile: Profile, opts: TimeOptions | None, since: dt.date, *, top: int = 10) -> Changes:
    """What changed between ``since`` and the current as-of date (``opts.as_of``, else the
    latest month with official data), with the same profile, window and half-life."""
    opts = (opts or TimeOptions()).validated()
    as_of = opts.as_of or model.default_as_of()
    now_opts = dataclasses.replace(opts, as_of=as_of)
    before_opts = dataclasses.replace(opts, as_of=since)
    allr = _regions(model, profile, now_opts, before_opts)

    lc = allr[allr["level_before"] != allr["level_after"]].copy()
    lc = lc.assign(_o=_order(lc), _s=-(lc["level_after"] - lc["level_before"]), _a=-lc["change"].abs().fillna(0))
    lc = lc.sort_values(["_o", "_s", "_a", "name"]).drop(columns=["_o", "_s", "_a"])

    mv = allr[allr["change"].abs() >= MIN_MOVE].copy()
    mv = mv.assign(_o=_order(mv), _a=-mv["change"].abs())
    mv = mv.sort_values(["_o", "_a", "name"]).groupby("region_type", sort=False).head(top).drop(columns=["_o", "_a"])

    sp = pd.DataFrame(columns=SPIKE_COLUMNS)
    if as_of > since:
        months = (as_of.year - since.year) * 12 + as_of.month - since.month
        raw = report.spikes(model.db, as_of, recent=max(1, min(months, 12)))
        raw = raw[raw["month"] > pd.Timestamp(since)]
        if len(raw):
            st_names = allr[allr["region_type"] == "state"].set_index("region_id")["name"]
            sp = raw.assign(name=raw["state_code"].map(st_names).fillna(raw["state_code"]))
            sp = sp.sort_values(["z", "state_code"], ascending=[False, True]).reset_index(drop=True)
            sp["reason"] = ""
            sp = sp[SPIKE_COLUMNS]
    ch = Changes(since, as_of, lc.reset_index(drop=True).assign(reason=""),
                 mv.reset_index(drop=True).assign(reason=""), sp, profile.name)
    return describe(ch)


def describe(ch: Changes, tr: Translate | None = None) -> Changes:
    """``ch`` with its reasons (and level names) written through ``tr``, a msgid -> text function
    (default: English). The numbers are untouched."""
    tr = tr or _same

    def regions(df: pd.DataFrame) -> pd.DataFrame:
        out = df.copy()
        out["level_name_before"] = [tr(level_name(x)) for x in out["level_before"]]
        out["level_name_after"] = [tr(level_name(x)) for x in out["level_after"]]
        out["reason"] = [_region_reason(r, ch.since, tr) for r in df.to_dict(orient="records")]
        return out[REGION_COLUMNS]

    sp = ch.spikes.copy()
    sp["reason"] = [_spike_reason(r, tr) for r in ch.spikes.to_dict(orient="records")]
    return dataclasses.replace(ch, level_changes=regions(ch.level_changes), movers=regions(ch.movers),
                               spikes=sp[SPIKE_COLUMNS])
