"""Uncertainty and robustness, as the JRC audits of composite indices do it.

* :func:`bootstrap_intervals`: a Poisson bootstrap over events (each event drawn a
  Poisson(1) number of times) gives a 90 % interval of each region's score. Official
  monthly counts are perturbed too, each indicator by its Poisson relative standard error
  (``Matrix.rse``: a count of n has a standard error of sqrt(n)). Above
  :data:`EXACT_LIMIT` event rows, each region-indicator sum is drawn from the normal law
  with the Poisson bootstrap's exact mean and variance (same two moments, far cheaper).
* :func:`monte_carlo_ranks`: weights drawn from a Dirichlet around the chosen profile,
  and normalisation and aggregation drawn from the registries, give each region's median
  rank and its 5-95 % rank range.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from scoring.index import methods, queries
from scoring.index.registry import Registry, load_registry
from scoring.index.scores import Prepared, _pillar_structure, aggregate_scores
from scoring.index.weights import Profile

EXACT_LIMIT = 200_000
CONCENTRATION = 40.0   # Dirichlet concentration: higher = draws closer to the profile's weights


def bootstrap_intervals(db, prepared: Prepared, profile: Profile, reg: Registry | None = None, *,
                        draws: int = 200, seed: int = 0, level: float = 0.90) -> tuple[np.ndarray, np.ndarray]:
    """(low, high) of each region's score over a bootstrap of the events behind it, with
    Poisson noise on the official monthly counts (normal approximation, per cell)."""
    reg = reg or load_registry()
    m = prepared.matrix
    ev = [(j, ind) for j, ind in enumerate(reg.indicators) if ind.layer == "events" and ind.measure in ("count", "fatalities")]
    nominal = aggregate_scores(prepared.normalised(profile.normalisation), reg, profile)[1]
    rse = m.rse if m.rse is not None else np.zeros_like(m.raw)
    if not ev or not np.isfinite(m.raw[:, [j for j, _ in ev]]).any():
        ev = []
    if not ev and not np.any(rse > 0):
        return nominal.copy(), nominal.copy()
    return _bootstrap(db, prepared, profile, reg, ev, rse, nominal, draws, seed, level)


def _bootstrap(db, prepared, profile, reg, ev, rse, nominal, draws, seed, level):
    # The draws of the normalised matrix depend on the data, the time options and the
    # normalisation method, not on the weights: they are made once per (method, draws, seed)
    # and kept with the prepared matrix, so a weight change only re-aggregates them.
    key = ("bootstrap", profile.normalisation, draws, seed)
    if key not in prepared._cache:
        prepared._cache[key] = _bootstrap_draws(db, prepared, profile.normalisation, reg, ev, rse, draws, seed)
    Ns = prepared._cache[key]
    d, n, k = Ns.shape
    samples = aggregate_scores(Ns.reshape(d * n, k), reg, profile)[1].reshape(d, n)
    lo, hi = nan_quantiles(samples, [(1 - level) / 2, 1 - (1 - level) / 2])   # a region without data stays NaN
    # the interval always contains the nominal score
    return np.fmin(lo, nominal), np.fmax(hi, nominal)


def _bootstrap_draws(db, prepared, method, reg, ev, rse, draws, seed) -> np.ndarray:
    """draws x regions x indicators: the normalised matrix under resampled events and noisy counts."""
    m = prepared.matrix
    n = len(m.regions)
    rng = np.random.default_rng(seed)
    if not ev:
        contrib = pd.DataFrame({"region_id": [], "event_type": [], "f": [], "w": [], "w2": []})
    else:
        opts = m.meta["options"]
        windows = m.meta.get("event_windows")
        if windows is None:  # a matrix made by hand: every origin's window ends at the events' data end
            end = pd.Timestamp(max(m.detail.loc[m.detail["source"] == "events", "data_end"])).date()
            windows = {o: end for o in queries.SYSTEMATIC_ORIGINS + queries.REPORT_ORIGINS}
        args = (windows, opts.window_days, opts.half_life_days, opts.buffer_km)
        # sums per region, type and toll first; the rows per event only when few enough to resample
        contrib = queries.event_contribution_sums(db, *args, embedded_only=opts.embedded_only)
        if contrib["n"].sum() <= EXACT_LIMIT:
            contrib = queries.event_contributions(db, *args, embedded_only=opts.embedded_only)
            contrib["w2"] = contrib["w"] ** 2
    exact = "n" not in contrib
    pos = {r: i for i, r in enumerate(m.regions["region_id"])}
    ridx = contrib["region_id"].map(pos).to_numpy()
    ok = ~pd.isna(ridx)
    ridx = ridx[ok].astype(int)
    etype = contrib["event_type"].to_numpy()[ok]
    f = contrib["f"].to_numpy(float)[ok]
    w = contrib["w"].to_numpy(float)[ok]
    w2 = contrib["w2"].to_numpy(float)[ok]
    # per indicator: each event's (or group's) contribution to the raw sum and to its variance,
    # and the scale from sum to raw value
    cols, per_event, means, sds, scale = [], [], [], [], []
    for j, ind in ev:
        mask = np.isin(etype, ind.event_types) & (f >= ind.min_fatalities)
        by = f if ind.measure == "fatalities" else 1.0
        c = np.where(mask, w * by, 0.0)
        c2 = np.where(mask, w2 * by * by, 0.0)
        s = np.bincount(ridx, weights=c, minlength=n)
        with np.errstate(divide="ignore", invalid="ignore"):
            sc = np.where(s > 0, m.raw[:, j] / s, 0.0)
        cols.append(j)
        per_event.append(c)
        means.append(s)
        sds.append(np.sqrt(np.bincount(ridx, weights=c2, minlength=n)))
        scale.append(np.nan_to_num(sc))
    out = np.empty((draws, n, len(m.ids)))
    from scoring.index.scores import transform

    for b in range(draws):
        raw = m.raw * np.maximum(0.0, 1.0 + rse * rng.standard_normal(m.raw.shape))
        mult = rng.poisson(1.0, size=len(ridx)) if exact else None
        for q, j in enumerate(cols):
            if exact:
                s = np.bincount(ridx, weights=per_event[q] * mult, minlength=n)
            else:
                s = np.maximum(rng.normal(means[q], sds[q]), 0)
            raw[:, j] = np.where(np.isfinite(m.raw[:, j]), s * scale[q], np.nan)
        fake = type(m)(m.regions, m.ids, raw, m.coverage, m.detail, m.meta, m.rse)
        out[b] = prepared.normalise_values(transform(fake, reg), method)
    return out


@dataclass
class RankStats:
    median_rank: np.ndarray
    rank_low: np.ndarray     # 5th percentile (best rank seen, in the 90 % band)
    rank_high: np.ndarray    # 95th percentile
    score_draws: np.ndarray  # draws x regions


def draw_weights(profile: Profile, reg: Registry, draws: int, rng, concentration: float = CONCENTRATION):
    """Pillar weights (draws x pillars) and within-pillar weights (draws x indicators)."""
    pidx, within, pw = _pillar_structure(reg, profile)
    pw_d = np.zeros((draws, len(pw)))
    live = pw > 0
    pw_d[:, live] = rng.dirichlet(pw[live] * concentration * live.sum(), size=draws)
    wi = np.zeros((draws, len(within)))
    for p, idx in pidx.items():
        idx = np.array(idx)
        base = within[idx]
        on = base > 0
        if on.sum() == 1:
            wi[:, idx[on]] = 1.0
        elif on.sum() > 1:
            wi[:, idx[on]] = rng.dirichlet(base[on] * concentration * on.sum(), size=draws)
    return pidx, pw_d, wi


def monte_carlo_ranks(prepared: Prepared, profile: Profile, reg: Registry | None = None, *, draws: int = 1000,
                      seed: int = 0, vary_methods: bool = True) -> RankStats:
    """Median rank and 5-95 % rank range over random weights and method choices."""
    reg = reg or load_registry()
    rng = np.random.default_rng(seed)
    pidx, pw_d, wi = draw_weights(profile, reg, draws, rng)
    norms = list(methods.NORMALISERS) if vary_methods else [profile.normalisation]
    aggs = list(methods.AGGREGATORS) if vary_methods else [profile.aggregation]
    # half the draws keep the profile's own methods; the rest pick at random
    pick_n = np.where(rng.random(draws) < 0.5, norms.index(profile.normalisation) if profile.normalisation in norms else 0,
                      rng.integers(0, len(norms), draws))
    pick_a = np.where(rng.random(draws) < 0.5, aggs.index(profile.aggregation) if profile.aggregation in aggs else 0,
                      rng.integers(0, len(aggs), draws))
    n = prepared.transformed.shape[0]
    scores = np.full((draws, n), np.nan)
    for a_i, agg in enumerate(aggs):
        for n_i, norm in enumerate(norms):
            sel = np.nonzero((pick_n == n_i) & (pick_a == a_i))[0]
            if sel.size:
                scores[sel] = _vector_scores(prepared.normalised(norm), pidx, pw_d[sel], wi[sel], agg)
    groups = prepared.matrix.regions["region_type"].to_numpy()
    ranks = _fast_ranks(scores, groups)
    med, lo, hi = nan_quantiles(ranks, [0.5, 0.05, 0.95])   # a region without data has no rank: NaN
    return RankStats(med, lo, hi, scores)


def nan_quantiles(a: np.ndarray, qs) -> np.ndarray:
    """``np.nanquantile(a, qs, axis=0)`` (linear interpolation, NaNs ignored, an all-NaN column NaN)
    with one sort of the columns: numpy falls back on one Python call per column as soon as a
    column holds a NaN, which was a tenth of a rerun of Weights & methods (500 draws x 52 regions)."""
    a = np.sort(np.asarray(a, float), axis=0)               # NaNs sort last
    valid = np.isfinite(a).sum(axis=0)                      # per column
    out = np.full((len(qs), a.shape[1]), np.nan)
    has = valid > 0
    cols = np.nonzero(has)[0]
    for i, q in enumerate(qs):
        pos = q * (valid[has] - 1)
        lo = np.floor(pos).astype(int)
        hi = np.minimum(lo + 1, valid[has] - 1)
        frac = pos - lo
        a_lo, a_hi = a[lo, cols], a[hi, cols]
        out[i, has] = a_lo + (a_hi - a_lo) * frac
    return out


def _fast_ranks(scores, groups):
    """``scores._ranks`` for every draw at once: rank 1 = highest within each region type, ties
    share the better rank, NaN scores get no rank. (An argsort would rank the NaNs and split ties.)"""
    out = np.full(scores.shape, np.nan)
    for g in np.unique(groups):
        m = groups == g
        s = scores[:, m]
        above = (s[:, None, :] > s[:, :, None] + 1e-12).sum(axis=2)   # draws x regions: how many score higher
        out[:, m] = np.where(np.isfinite(s), 1 + above, np.nan)
    return out


def _vector_scores(N: np.ndarray, pidx: dict, pw_d: np.ndarray, wi: np.ndarray, agg: str) -> np.ndarray:
    """Scores for many weight draws at once (draws x regions), missing values renormalised."""
    avail = np.isfinite(N)
    N0 = np.where(avail, N, 0.0)
    if agg == "geometric":
        N0 = np.log1p(np.clip(N0, 0, 10))
    D, n = pw_d.shape[0], N.shape[0]
    P = np.full((D, n, len(pidx)), np.nan)
    for q, (p, idx) in enumerate(pidx.items()):
        W = wi[:, idx]                             # D x kp
        num = W @ N0[:, idx].T                     # D x n
        den = W @ avail[:, idx].T.astype(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            P[:, :, q] = np.where(den > 0, num / den, np.nan)
    Pa = np.isfinite(P)
    P0 = np.where(Pa, P, 0.0)
    num = np.einsum("dnq,dq->dn", P0, pw_d)
    den = np.einsum("dnq,dq->dn", Pa.astype(float), pw_d)
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.where(den > 0, num / den, np.nan)
    return np.expm1(s) if agg == "geometric" else s
