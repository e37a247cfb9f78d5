"""The scoring engine: raw indicator matrix -> normalised -> pillars -> score -> level.

Two stages, so that moving a slider is cheap:

1. :func:`compute_matrix` (DuckDB, once per data and time choice): for every state and
   corridor, each indicator's raw value (annualised, per 100,000 people or per 100 km),
   its coverage (share of the decay-weighted window that has data) and the numbers
   behind it (for tracing).
2. :func:`score` (numpy, per weights and method choice): transform, cap, normalise to
   0-10, aggregate within pillars and then overall, assign levels, split the score into
   contributions per indicator.

Missing data is explicit: an indicator without data is NaN, its weight is dropped and
the others' rescaled, and the region's coverage says how much of the weight had data.
A gap never counts as zero risk.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

from scoring.index import methods
from scoring.index import queries
from scoring.errors import OptionError
from scoring.index.registry import Registry, load_registry
from scoring.index.weights import LEVEL_NAMES, Profile, level_of

# An indicator with less than this share of its decay-weighted window covered is "no data".
MIN_COVERAGE = 0.25
# A source whose latest figures are older than this (before the as-of date) is too stale to use.
MAX_LAG_DAYS = 730
# Smoothing for log ratios in momentum (per 100k per year), so tiny rates do not explode.
MOMENTUM_EPS = 1.0


@dataclass(frozen=True)
class TimeOptions:
    """The data and time choices of stage 1 (the weights are stage 2's business)."""

    as_of: dt.date | None = None
    window_days: int = 365
    half_life_days: float = 180.0
    buffer_km: float = 25.0
    compare_days: int = 91

    def validated(self) -> TimeOptions:
        if not (30 <= int(self.window_days) <= 3650):
            raise OptionError(f"window_days must be between 30 and 3650, got {self.window_days}")
        if not (math.isfinite(self.half_life_days) and 7 <= self.half_life_days <= 3650):
            raise OptionError(f"half_life_days must be between 7 and 3650, got {self.half_life_days}")
        if not (1 <= self.buffer_km <= 50):
            raise OptionError(f"buffer_km must be between 1 and 50, got {self.buffer_km}")
        if not (0 <= self.compare_days <= 3650):
            raise OptionError(f"compare_days must be between 0 and 3650, got {self.compare_days}")
        return self


@dataclass
class Matrix:
    """Stage 1's output: regions x indicators."""

    regions: pd.DataFrame                 # region_id, region_type, name, pop, length_km
    ids: list[str]                        # indicator ids, registry order
    raw: np.ndarray                       # annualised values, NaN = no data
    coverage: np.ndarray                  # 0..1 per cell
    detail: pd.DataFrame                  # long: region_id, indicator, value, numerator, denominator, basis, sources
    meta: dict = field(default_factory=dict)
    rse: np.ndarray | None = None         # relative standard error per cell (official counts), for the bootstrap

    @functools.cached_property
    def is_state(self) -> np.ndarray:
        return (self.regions["region_type"] == "state").to_numpy()


# --- stage 1 ---------------------------------------------------------------------------------

@lru_cache(maxsize=64)
def _month_table(end: dt.date, window_days: int, half_life: float) -> pd.DataFrame:
    """Months whose first day is in (end - window, end], with their decay weight at mid-month.

    Cached (the same table serves every official indicator); callers only read it."""
    start = end - dt.timedelta(days=window_days)
    first = pd.Timestamp(start).to_period("M").to_timestamp()
    months = pd.date_range(first, pd.Timestamp(end), freq="MS")
    months = months[(months > pd.Timestamp(start)) & (months <= pd.Timestamp(end))]
    mid = months + pd.Timedelta(days=14)
    age = np.maximum((pd.Timestamp(end) - mid).days.to_numpy(), 0)
    return pd.DataFrame({"year": months.year, "month": months.month, "w": 0.5 ** (age / half_life)})


def _official(months: pd.DataFrame, mt: pd.DataFrame, dataset: str, series, states: list[str]):
    """Decay-weighted mean monthly value per state, and coverage, for one indicator's series."""
    sub = months[(months["dataset"] == dataset) & months["series"].isin(series)]
    per = sub.groupby(["state_code", "year", "month"])["v"].sum(min_count=1)
    idx = pd.MultiIndex.from_product([states, list(zip(mt["year"], mt["month"]))])
    full = per.reindex(pd.MultiIndex.from_tuples([(s, y, m) for s, (y, m) in idx],
                                                 names=["state_code", "year", "month"]))
    v = full.to_numpy().reshape(len(states), len(mt))
    w = mt["w"].to_numpy()[None, :]
    avail = np.isfinite(v)
    wa = (w * avail).sum(axis=1)
    mean = np.divide((np.where(avail, v, 0) * w).sum(axis=1), wa, out=np.full(len(states), np.nan), where=wa > 0)
    cov = wa / w.sum() if w.sum() > 0 else np.zeros(len(states))
    total = np.nansum(v, axis=1)
    # Relative standard error of the decayed mean if each monthly count is Poisson:
    # sqrt(sum w^2 v) / sum w v. Feeds the bootstrap interval (0 where nothing was counted).
    wv = (np.where(avail, v, 0) * w).sum(axis=1)
    w2v = (np.where(avail, v, 0) * w * w).sum(axis=1)
    rse = np.divide(np.sqrt(w2v), wv, out=np.zeros(len(states)), where=wv > 0)
    return mean, cov, total, avail.sum(axis=1), rse


def _covered_weight(end: dt.date, window_days: int, half_life: float, cov_start: dt.date | None) -> tuple[float, float]:
    """(decay-weighted days of the window inside the event coverage, all weighted days)."""
    ages = np.arange(window_days)
    w = 0.5 ** (ages / half_life)
    if cov_start is None:
        return 0.0, float(w.sum())
    days_covered = max(0, min(window_days, (end - cov_start).days + 1))
    return float(w[:days_covered].sum()), float(w.sum())


def default_as_of(db, ends: dict | None = None) -> dt.date:
    """The as-of date when none is given: the latest month every official dataset covers
    (else the latest systematic event, else today)."""
    ends = queries.source_ends(db) if ends is None else ends
    official_ends = [ends[k] for k in ("carpetas", "victims") if k in ends]
    return min(official_ends) if official_ends else ends.get("events") or dt.date.today()


def _aligned(values: pd.Series, ridx: pd.MultiIndex) -> np.ndarray:
    """A (region_id, region_type)-indexed series as an array in region order, 0 where absent."""
    if len(values) == 0:
        return np.zeros(len(ridx))
    return values.reindex(ridx, fill_value=0).to_numpy(float)


def compute_matrix(db, opts: TimeOptions | None = None, reg: Registry | None = None) -> Matrix:
    """Stage 1: the raw indicator matrix for all states and corridors."""
    opts = (opts or TimeOptions()).validated()
    reg = reg or load_registry()
    ends = queries.source_ends(db)
    as_of = opts.as_of or default_as_of(db, ends)
    regions = queries.regions(db)
    states = regions.loc[regions["region_type"] == "state", "region_id"].tolist()
    n, k = len(regions), len(reg.indicators)
    raw = np.full((n, k), np.nan)
    cov = np.zeros((n, k))
    rse = np.zeros((n, k))     # relative standard error of official cells (Poisson counts)
    rows_detail = []
    is_state = (regions["region_type"] == "state").to_numpy()
    pos = {r: i for i, r in enumerate(regions["region_id"])}
    shares = queries.corridor_shares(db)
    notes = []

    # ---- official layer (states; corridors by length share of the states they cross)
    ds_end = {}
    for ds in ("carpetas", "victims"):
        e = ends.get(ds)
        if e is None or (as_of - e).days > MAX_LAG_DAYS or e < as_of - dt.timedelta(days=MAX_LAG_DAYS):
            ds_end[ds] = None
        else:
            ds_end[ds] = min(as_of, e)
        if ds in ends and ds_end[ds] is not None and ds_end[ds] < as_of:
            notes.append(f"SESNSP {ds}: latest figures end {ds_end[ds]:%Y-%m}; the window ends there")
    pop = queries.population(db, as_of.year).reindex(states)
    wmax = max(opts.window_days, 30)
    month_cache: dict[str, pd.DataFrame] = {}

    def months_for(ds):
        if ds not in month_cache:
            end = ds_end[ds]
            start = end - dt.timedelta(days=2 * wmax + 31)
            month_cache[ds] = queries.official_months(db, start, end)
        return month_cache[ds]

    share_mat = np.zeros((n, len(states)))
    spos = {s: i for i, s in enumerate(states)}
    for r in shares.itertuples(index=False):
        if r.corridor_id in pos and r.state_code in spos:
            share_mat[pos[r.corridor_id], spos[r.state_code]] = r.share
    for i, s in enumerate(states):
        share_mat[pos[s], i] = 1.0

    for j, ind in enumerate(reg.indicators):
        if ind.layer != "official":
            continue
        end = ds_end.get(ind.dataset)
        if end is None:
            notes.append(f"{ind.name}: no {ind.dataset} figures within {MAX_LAG_DAYS} days of {as_of}")
            continue
        months = months_for(ind.dataset)
        mt = _month_table(end, opts.window_days, opts.half_life_days)
        mean, c, total, nmonths, rse_s = _official(months, mt, ind.dataset, ind.series, states)
        rate = mean * 12 / pop.to_numpy() * 1e5
        if ind.measure == "momentum":
            prev_end = end - dt.timedelta(days=opts.window_days)
            mt0 = _month_table(end, opts.window_days, 1e9)   # unweighted means for a fair comparison
            mt1 = _month_table(prev_end, opts.window_days, 1e9)
            m0, c0, _, _, _ = _official(months, mt0, ind.dataset, ind.series, states)
            m1, c1, _, _, _ = _official(months, mt1, ind.dataset, ind.series, states)
            r0 = m0 * 12 / pop.to_numpy() * 1e5
            r1 = m1 * 12 / pop.to_numpy() * 1e5
            val = np.log((r0 + MOMENTUM_EPS) / (r1 + MOMENTUM_EPS))
            c = np.minimum(c0, c1)
            basis = [f"{a:.1f} vs {b:.1f} per 100k/yr (window before)" for a, b in zip(r0, r1)]
        else:
            val = rate
            basis = [f"{t:,.0f} {ind.dataset} in {m} months; pop {p:,.0f}" for t, m, p in zip(total, nmonths, pop)]
        val = np.where(c >= MIN_COVERAGE, val, np.nan)
        # corridors: length-share weighted over the states crossed (coverage likewise)
        vv = np.where(np.isfinite(val), val, 0.0)
        has = np.isfinite(val).astype(float)
        num = share_mat @ vv
        den = share_mat @ has
        raw[:, j] = np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)
        if ind.measure != "momentum":
            sd = np.where(np.isfinite(val), rse_s * np.nan_to_num(val), 0.0)
            sd_c = np.sqrt((share_mat ** 2) @ (sd ** 2)) / np.where(den > 0, den, 1)
            rse[:, j] = np.divide(sd_c, raw[:, j], out=np.zeros(n), where=np.nan_to_num(raw[:, j]) > 0)
        cov[:, j] = share_mat @ np.nan_to_num(c)
        src = f"D:sesnsp_{ind.dataset}"
        for s, i in spos.items():
            rows_detail.append((s, ind.id, raw[pos[s], j], basis[i], f"{end:%Y-%m}", src, c[i]))
        for cid in regions.loc[~is_state, "region_id"]:
            rows_detail.append((cid, ind.id, raw[pos[cid], j], "length-weighted mean of the states crossed",
                                f"{end:%Y-%m}", src, cov[pos[cid], j]))

    # ---- events layer
    ev_end_all = ends.get("events")
    ev_start = ends.get("events_start")
    ev_inds = [(j, ind) for j, ind in enumerate(reg.indicators) if ind.layer == "events"]
    if ev_inds:
        if ev_end_all is None or (as_of - ev_end_all).days > MAX_LAG_DAYS:
            notes.append("events: no systematic event data (UCDP, ACLED or imports) near the as-of date")
            ev_end = None
        else:
            ev_end = min(as_of, ev_end_all)
            if ev_end < as_of:
                notes.append(f"events: latest systematic event data end {ev_end:%Y-%m-%d}; the event window ends there")
        if ev_end is not None:
            thresholds = sorted({ind.min_fatalities for _, ind in ev_inds})
            groups = queries.event_groups(db, ev_end, opts.window_days, opts.half_life_days, thresholds, opts.buffer_km)
            cw, tw = _covered_weight(ev_end, opts.window_days, opts.half_life_days, ev_start)
            cov_ev = cw / tw if tw else 0.0
            cw1, tw1 = _covered_weight(ev_end - dt.timedelta(days=opts.window_days), opts.window_days, 1e9, ev_start)
            cov_prev = cw1 / tw1 if tw1 else 0.0
            denom = np.where(is_state, regions["pop_2020"].fillna(0).to_numpy() / 1e5,
                             regions["length_km"].fillna(0).to_numpy() / 100)
            if "pop_2020" in regions:
                pop_all = pop.reindex(regions["region_id"]).to_numpy()
                denom = np.where(is_state, pop_all / 1e5, denom)
            years_equiv = cw / (tw / opts.window_days) / 365.0 if tw else 0  # covered days, decay-weighted
            actor_types = sorted({t for _, ind in ev_inds if ind.measure == "distinct_actors" for t in ind.event_types})
            actors = queries.distinct_actors(db, ev_end, opts.window_days, actor_types, opts.buffer_km) \
                if actor_types else pd.DataFrame(columns=["region_id", "region_type", "groups", "names"])
            ridx = pd.MultiIndex.from_arrays([regions["region_id"], regions["region_type"]])
            for j, ind in ev_inds:
                g = groups[groups["event_type"].isin(ind.event_types) & (groups["bucket"] >= ind.min_fatalities)]
                key = ["region_id", "region_type"]
                if ind.measure == "distinct_actors":
                    val = _aligned(actors.set_index(key)["groups"], ridx)
                    c = np.full(n, cov_ev)
                    names = actors.set_index(key)["names"]
                    names = names.reindex(ridx) if len(names) else pd.Series(np.nan, index=ridx)
                    basis = [str(x) if isinstance(x, str) else "none named" for x in names]
                elif ind.measure == "momentum":
                    f0 = _aligned(g[g["period"] == 0].groupby(key)["f"].sum(), ridx)
                    f1 = _aligned(g[g["period"] == 1].groupby(key)["f"].sum(), ridx)
                    val = np.log((1 + f0) / (1 + f1))
                    c = np.full(n, min(cov_ev, cov_prev))
                    basis = [f"{a:,.0f} deaths vs {b:,.0f} in the window before" for a, b in zip(f0, f1)]
                else:
                    col = "wf" if ind.measure == "fatalities" else "w"
                    cur = g[g["period"] == 0].groupby(key)[[col, "n", "f"]].sum()
                    s = _aligned(cur[col], ridx)
                    cnt = _aligned(cur["n"], ridx).astype(int)
                    fat = _aligned(cur["f"], ridx)
                    with np.errstate(divide="ignore", invalid="ignore"):
                        val = s / years_equiv / denom if years_equiv > 0 else np.full(n, np.nan)
                    c = np.full(n, cov_ev)
                    basis = [f"{a:,} events, {b:,.0f} deaths in the window ({'per 100k people' if st else 'per 100 km'})"
                             for a, b, st in zip(cnt, fat, is_state)]
                val = np.where(c >= MIN_COVERAGE, val, np.nan)
                raw[:, j] = val
                cov[:, j] = c
                for i, r in enumerate(regions["region_id"]):
                    rows_detail.append((r, ind.id, val[i], basis[i], f"{ev_end:%Y-%m-%d}", "events", c[i]))
    detail = pd.DataFrame(rows_detail, columns=["region_id", "indicator", "value", "basis", "data_end", "source", "coverage"])
    meta = {"as_of": as_of, "window_days": opts.window_days, "half_life_days": opts.half_life_days,
            "buffer_km": opts.buffer_km, "source_ends": {k: str(v) for k, v in ends.items()}, "notes": notes,
            "options": opts}
    return Matrix(regions, reg.ids, raw, cov, detail, meta, rse)


# --- stage 2 -----------------------------------------------------------------------------------

@dataclass
class Prepared:
    """Transformed and capped matrix, with normalisation fitted per method (cached)."""

    matrix: Matrix
    transformed: np.ndarray
    directions: np.ndarray
    fit_groups: list[tuple[np.ndarray, np.ndarray]]   # (columns, rows to fit on) per block
    _cache: dict = field(default_factory=dict)

    def normalised(self, method: str) -> np.ndarray:
        if method not in self._cache:
            self._cache[method] = self.normalise_values(self.transformed, method)
        return self._cache[method]

    def normalise_values(self, t: np.ndarray, method: str) -> np.ndarray:
        out = np.full(t.shape, np.nan)
        for cols, (fit_rows, apply_rows) in self.fit_groups:
            ref = self.transformed[np.ix_(fit_rows, cols)]
            out[np.ix_(apply_rows, cols)] = methods.normalise(t[np.ix_(apply_rows, cols)], ref, method)
        out = np.where(self.directions[None, :] < 0, 10 - out, out)
        return out


def transform(matrix: Matrix, reg: Registry) -> np.ndarray:
    """log and capping per the registry; caps are quantiles of the states' values."""
    raw = matrix.raw
    t = raw.copy()
    st = matrix.is_state
    for j, ind in enumerate(reg.indicators):
        col = t[:, j]
        if ind.transform == "log":
            col = np.log1p(np.maximum(col, 0))
        if ind.cap is not None:
            ref = col[st & np.isfinite(col)]
            if ref.size:
                col = np.minimum(col, np.quantile(ref, ind.cap))
        t[:, j] = col
    return t


def prepare(matrix: Matrix, reg: Registry | None = None) -> Prepared:
    reg = reg or load_registry()
    t = transform(matrix, reg)
    st = matrix.is_state
    off = np.array([i.layer == "official" for i in reg.indicators])
    ev = ~off
    rows_all = np.arange(len(st))
    groups = []
    if off.any():
        groups.append((np.nonzero(off)[0], (np.nonzero(st)[0], rows_all)))
    if ev.any():
        groups.append((np.nonzero(ev)[0], (np.nonzero(st)[0], np.nonzero(st)[0])))
        if (~st).any():
            groups.append((np.nonzero(ev)[0], (np.nonzero(~st)[0], np.nonzero(~st)[0])))
    dirs = np.array([i.direction for i in reg.indicators], float)
    return Prepared(matrix, t, dirs, groups)


@dataclass
class Scores:
    table: pd.DataFrame            # one row per region
    normalised: np.ndarray         # regions x indicators, 0-10
    pillars: np.ndarray            # regions x pillars, 0-10
    contributions: np.ndarray      # regions x indicators, points (sum = score under arithmetic)
    profile: Profile
    ids: list[str]
    pillar_ids: list[str]


def _pillar_structure(reg: Registry, profile: Profile):
    pidx = {p: [k for k, i in enumerate(reg.indicators) if i.pillar == p] for p in reg.pillar_ids}
    within = np.zeros(len(reg.indicators))
    for p, idx in pidx.items():
        w = np.array([profile.indicator_weights[reg.indicators[k].id] for k in idx], float)
        within[idx] = w / w.sum() if w.sum() > 0 else 0
    pw = np.array([profile.pillar_weights.get(p, 0.0) for p in reg.pillar_ids])
    return pidx, within, pw


def aggregate_scores(N: np.ndarray, reg: Registry, profile: Profile):
    """Pillar scores, overall score and contributions for a normalised matrix."""
    pidx, within, pw = _pillar_structure(reg, profile)
    n = N.shape[0]
    P = np.full((n, len(pidx)), np.nan)
    contrib = np.zeros_like(N)
    for q, (p, idx) in enumerate(pidx.items()):
        if not idx:
            continue
        sub = N[:, idx]
        w = within[idx]
        P[:, q] = methods.aggregate(sub, np.broadcast_to(w, sub.shape), profile.aggregation)
    score = methods.aggregate(P, np.broadcast_to(pw, P.shape), profile.aggregation)
    # contributions: exact shares under arithmetic; log-shares under geometric
    pa = np.where(np.isfinite(P), pw, 0)
    pa = pa / np.where(pa.sum(axis=1, keepdims=True) > 0, pa.sum(axis=1, keepdims=True), 1)
    for q, (p, idx) in enumerate(pidx.items()):
        sub = N[:, idx]
        wa = np.where(np.isfinite(sub), within[idx], 0)
        wa = wa / np.where(wa.sum(axis=1, keepdims=True) > 0, wa.sum(axis=1, keepdims=True), 1)
        if profile.aggregation == "arithmetic":
            contrib[:, idx] = pa[:, [q]] * wa * np.nan_to_num(sub)
        else:
            contrib[:, idx] = pa[:, [q]] * wa * np.log1p(np.nan_to_num(sub))
    if profile.aggregation != "arithmetic":
        tot = contrib.sum(axis=1, keepdims=True)
        contrib = np.divide(contrib, tot, out=np.zeros_like(contrib), where=tot > 0) * np.nan_to_num(score)[:, None]
    return P, score, contrib


def _ranks(score: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Rank 1 = highest risk, within each region type; NaN scores get no rank."""
    out = np.full(score.shape, np.nan)
    for g in np.unique(groups):
        m = (groups == g) & np.isfinite(score)
        s = score[m]
        # ties share the better rank ("min" method), order-independent
        out[m] = np.array([1 + np.sum(s > x + 1e-12) for x in s])
    return out


def score(prepared: Prepared, profile: Profile, reg: Registry | None = None) -> Scores:
    """Stage 2: scores, levels, ranks and contributions for one profile."""
    reg = reg or load_registry()
    N = prepared.normalised(profile.normalisation)
    P, s, contrib = aggregate_scores(N, reg, profile)
    m = prepared.matrix
    w_eff = profile.effective_weights(reg)
    cov = (m.coverage * w_eff[None, :]).sum(axis=1) / max(w_eff.sum(), 1e-12)
    lv = level_of(s, profile.thresholds)
    table = m.regions[["region_id", "region_type", "name"]].copy()
    table["score"] = s
    table["level"] = lv
    table["level_name"] = [LEVEL_NAMES[x - 1] if x > 0 else "No data" for x in lv]
    table["rank"] = _ranks(s, table["region_type"].to_numpy())
    table["coverage"] = cov
    for q, p in enumerate(reg.pillar_ids):
        table[f"pillar_{p}"] = P[:, q]
    return Scores(table, N, P, contrib, profile, reg.ids, reg.pillar_ids)


def contributions_dict(scores: Scores, i: int) -> dict[str, float]:
    return {k: float(v) for k, v in zip(scores.ids, scores.contributions[i])}
