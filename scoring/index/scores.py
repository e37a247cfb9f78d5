"""Stage 2 of the index: raw matrix -> transformed -> normalised -> pillars -> score -> level.

Numpy only, per weights and method choice, so that moving a slider is cheap: transform and
cap each indicator, normalise to 0-10 (fitted on the states), aggregate within pillars and
then overall, assign levels and ranks, and split each score into contributions per
indicator. NaN stays NaN: a missing indicator's weight goes to the others (coverage says
how much of the weight had data).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from scoring.index import methods
from scoring.index.levels import level_name, level_of
from scoring.index.matrix import Matrix
from scoring.index.registry import Registry, load_registry
from scoring.index.weights import Profile


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
    table["level_name"] = [level_name(x) for x in lv]
    table["rank"] = _ranks(s, table["region_type"].to_numpy())
    table["coverage"] = cov
    for q, p in enumerate(reg.pillar_ids):
        table[f"pillar_{p}"] = P[:, q]
    return Scores(table, N, P, contrib, profile, reg.ids, reg.pillar_ids)


# --- regions scored on the states' scale (municipalities) ------------------------------------------
#
# Rows that are not part of stage 1's matrix are transformed, capped and normalised with the
# parameters fitted on the states, so they land on the same 0-10 scale and the states' own
# scores do not move when they are added.

def transform_rows(prepared: Prepared, raw_rows: np.ndarray, reg: Registry) -> np.ndarray:
    """log and caps as :func:`transform`, the caps being the states' quantiles."""
    t = np.array(raw_rows, float, copy=True)
    st = prepared.matrix.is_state
    for j, ind in enumerate(reg.indicators):
        col = t[:, j]
        if ind.transform == "log":
            col = np.log1p(np.maximum(col, 0))
        if ind.cap is not None:
            ref = prepared.transformed[st, j]
            ref = ref[np.isfinite(ref)]
            if ref.size:
                col = np.minimum(col, np.max(ref))   # the states' capped values: their maximum is the cap
        t[:, j] = col
    return t


def normalise_rows(prepared: Prepared, t_rows: np.ndarray, method: str) -> np.ndarray:
    """Normalise transformed rows with the parameters fitted on the states."""
    out = np.full(t_rows.shape, np.nan)
    st_idx = np.nonzero(prepared.matrix.is_state)[0]
    for cols, (fit_rows, _) in prepared.fit_groups:
        if len(fit_rows) != len(st_idx) or not np.array_equal(fit_rows, st_idx):
            continue
        ref = prepared.transformed[np.ix_(fit_rows, cols)]
        out[:, cols] = methods.normalise(t_rows[:, cols], ref, method)
    return np.where(prepared.directions[None, :] < 0, 10 - out, out)


def score_rows(prepared: Prepared, raw_rows: np.ndarray, profile: Profile, reg: Registry | None = None):
    """(score, pillars, contributions, normalised) for rows scored on the states' scale."""
    reg = reg or load_registry()
    N = normalise_rows(prepared, transform_rows(prepared, raw_rows, reg), profile.normalisation)
    P, s, contrib = aggregate_scores(N, reg, profile)
    return s, P, contrib, N


def like_for_like(N_now: np.ndarray, N_then: np.ndarray, reg: Registry, profile: Profile
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Per region: the change of score from then to now over the indicators that have data at
    both dates only, and each indicator's change of contribution on the same footing (regions ×
    indicators). An indicator that gained or lost data between the two dates (a register first
    published in between, a source that went stale) would otherwise read as a change in risk;
    here it is left out of both sides."""
    both = np.isfinite(N_now) & np.isfinite(N_then)
    _, s_now, c_now = aggregate_scores(np.where(both, N_now, np.nan), reg, profile)
    _, s_then, c_then = aggregate_scores(np.where(both, N_then, np.nan), reg, profile)
    return s_now - s_then, c_now - c_then


def like_for_like_change(N_now: np.ndarray, N_then: np.ndarray, reg: Registry, profile: Profile) -> np.ndarray:
    """The score part of :func:`like_for_like`."""
    return like_for_like(N_now, N_then, reg, profile)[0]
