"""Named normalisation and aggregation methods (registries keyed by name).

Normalisers map a raw indicator column onto 0-10 (10 = worst), fitted on a reference
set of regions (the states) and applied to any region (corridors too), clipped to 0-10.
NaN (missing) stays NaN: a gap is never turned into a number.

Aggregators combine 0-10 scores with weights that sum to 1 over the *available*
values (weights of missing values are dropped and the rest rescaled, as COINr does).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Array = np.ndarray


def _safe_span(lo: Array, hi: Array) -> Array:
    """Span of a column; a constant column gets span 1 so every region scores 0 on it."""
    span = hi - lo
    return np.where(np.isfinite(span) & (span > 1e-12), span, 1.0)


def fit_minmax(ref: Array) -> tuple:
    lo, hi = np.nanmin(ref, axis=0), np.nanmax(ref, axis=0)
    return lo, _safe_span(lo, hi)


def apply_minmax(x: Array, params) -> Array:
    lo, span = params
    return np.clip((x - lo) / span, 0, 1) * 10


def fit_log_minmax(ref: Array) -> tuple:
    return fit_minmax(np.log1p(np.maximum(ref, 0)))


def apply_log_minmax(x: Array, params) -> Array:
    return apply_minmax(np.log1p(np.maximum(x, 0)), params)


ZCAP = 3.0


def fit_zscore(ref: Array) -> tuple:
    mu = np.nanmean(ref, axis=0)
    sd = np.nanstd(ref, axis=0)
    return mu, np.where(sd > 1e-12, sd, 1.0)


def apply_zscore(x: Array, params) -> Array:
    """Capped z-score: z clipped to +-3 and mapped linearly onto 0-10 (0 = -3 sd)."""
    mu, sd = params
    z = np.clip((x - mu) / sd, -ZCAP, ZCAP)
    return (z + ZCAP) / (2 * ZCAP) * 10


def fit_rank(ref: Array) -> tuple:
    return (np.sort(ref, axis=0),)


def apply_rank(x: Array, params) -> Array:
    """Percentile against the reference: share of reference regions at or below, on 0-10."""
    (sorted_ref,) = params
    out = np.full(x.shape, np.nan)
    for j in range(x.shape[1]):
        col = sorted_ref[:, j]
        col = col[np.isfinite(col)]
        if col.size == 0:
            continue
        ok = np.isfinite(x[:, j])
        lo = np.searchsorted(col, x[ok, j], side="left")
        hi = np.searchsorted(col, x[ok, j], side="right")
        # mid-rank for ties; (n-1) scaling puts the lowest at 0 and the highest at 10
        pos = (lo + hi - 1) / 2
        out[ok, j] = np.clip(pos / max(col.size - 1, 1), 0, 1) * 10
    return out


NORMALISERS: dict[str, tuple[Callable, Callable, str]] = {
    "minmax": (fit_minmax, apply_minmax, "Min-max: lowest state 0, highest 10."),
    "rank": (fit_rank, apply_rank, "Percentile rank among the states, on 0-10; ignores outliers' size."),
    "zscore": (fit_zscore, apply_zscore, "Capped z-score: distance from the mean in standard deviations, -3..+3 mapped to 0-10."),
    "log_minmax": (fit_log_minmax, apply_log_minmax, "Min-max of log(1 + value): compresses extreme states."),
}


def normalise(x: Array, ref: Array, method: str) -> Array:
    """Normalise columns of ``x`` on 0-10 using parameters fitted on ``ref``."""
    if method not in NORMALISERS:
        raise ValueError(f"The 'normalisation' parameter must be one of {sorted(NORMALISERS)}. Got {method!r} instead.")
    fit, apply, _ = NORMALISERS[method]
    with np.errstate(all="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns stay NaN
            return apply(x, fit(ref))


def _weights_available(scores: Array, w: Array) -> Array:
    """Weights per row with missing scores dropped, rescaled to sum 1 (0 where all missing)."""
    avail = np.isfinite(scores)
    ww = np.where(avail, w, 0.0)
    tot = ww.sum(axis=-1, keepdims=True)
    return np.divide(ww, tot, out=np.zeros_like(ww), where=tot > 0)


def agg_arithmetic(scores: Array, w: Array) -> Array:
    ww = _weights_available(scores, w)
    out = np.nansum(np.where(np.isfinite(scores), scores, 0.0) * ww, axis=-1)
    return np.where(ww.sum(axis=-1) > 0, out, np.nan)


def agg_geometric(scores: Array, w: Array) -> Array:
    """Weighted geometric mean on the shifted scale 1-11 (then shifted back to 0-10), so a
    zero does not wipe out the rest: partly compensatory, as INFORM's top level."""
    ww = _weights_available(scores, w)
    logs = np.log1p(np.where(np.isfinite(scores), np.clip(scores, 0, 10), 0.0))
    out = np.expm1(np.sum(logs * ww, axis=-1))
    return np.where(ww.sum(axis=-1) > 0, out, np.nan)


AGGREGATORS: dict[str, tuple[Callable, str]] = {
    "arithmetic": (agg_arithmetic, "Weighted mean: fully compensatory, contributions add up to the score."),
    "geometric": (agg_geometric, "Weighted geometric mean: a low pillar cannot be fully offset by a high one."),
}


def aggregate(scores: Array, w: Array, method: str) -> Array:
    if method not in AGGREGATORS:
        raise ValueError(f"The 'aggregation' parameter must be one of {sorted(AGGREGATORS)}. Got {method!r} instead.")
    return AGGREGATORS[method][0](scores, w)
