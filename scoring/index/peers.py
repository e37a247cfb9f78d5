"""scikit-learn where it earns its place.

* :func:`pca_profile`: data-driven weights from principal components (the OECD/JRC
  handbook's recipe): components with eigenvalue above 1 are kept, each indicator's
  weight is its squared loading on them, scaled by the variance each explains. Offered as
  an optional, explained profile, never the default.
* :func:`peer_groups`: k-means on the states' pillar scores: states with a similar
  *profile* of risk, not just a similar total.
* :func:`spike_flags`: the latest months of a state's homicide series against its own
  recent history, with a robust z-score (median and MAD). A plain statistic does this
  better than a learned detector on 24 points, so no model is used here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scoring.index.registry import Registry
from scoring.index.weights import Profile


def pca_profile(N_states: np.ndarray, reg: Registry, base: Profile) -> tuple[Profile, str]:
    """A profile whose indicator weights come from PCA on the states' normalised values."""
    # scikit-learn is imported where it is used: it is 1.5-3 s of every command-line import,
    # removal and build, whose change feed reads this module for spike_flags only
    from sklearn.decomposition import PCA
    from sklearn.preprocessing import StandardScaler

    X = np.array(N_states, float)
    keep = np.isfinite(X).any(axis=0)
    keep[keep] = np.nanstd(X[:, keep], axis=0) > 1e-9    # nanstd of an all-NaN column would warn
    X = X[:, keep]
    col_mean = np.nanmean(X, axis=0)
    X = np.where(np.isfinite(X), X, col_mean)
    Z = StandardScaler().fit_transform(X)
    pca = PCA(random_state=0).fit(Z)
    eig = pca.explained_variance_
    k = max(1, int(np.sum(eig > 1.0)))
    load2 = pca.components_[:k] ** 2                     # k x features, rows sum to 1
    share = pca.explained_variance_ratio_[:k] / pca.explained_variance_ratio_[:k].sum()
    w = (share[:, None] * load2).sum(axis=0)
    weights = np.zeros(len(reg.indicators))
    weights[keep] = w
    ind_w = {i.id: float(v) for i, v in zip(reg.indicators, weights)}
    pillars = {p: sum(ind_w[i.id] for i in reg.indicators if i.pillar == p) for p in reg.pillar_ids}
    tot = sum(pillars.values())
    pillars = {p: v / tot for p, v in pillars.items()}
    explained = pca.explained_variance_ratio_[:k].sum()
    note = (f"PCA on the 32 states: {k} component(s) with eigenvalue > 1 explain {explained:.0%} of the variance; "
            "each indicator weighs its squared loadings, scaled by the variance each component explains. "
            "Indicators that move together get more weight; this describes the data, it is not a judgement of harm.")
    prof = base.replace(name="pca", description="Data-driven weights from principal components. " + note,
                        pillar_weights=pillars, indicator_weights={k_: (v if v > 0 else 0.0) for k_, v in ind_w.items()})
    return prof, note


def peer_groups(pillars_states: np.ndarray, codes: list[str], k: int = 5, seed: int = 0) -> pd.DataFrame:
    """Cluster label per state, and its peers (same cluster, nearest first)."""
    from sklearn.cluster import KMeans

    X = np.array(pillars_states, float)
    has = np.isfinite(X).any(axis=0)
    X[:, ~has] = 0.0                                     # a pillar without any data: no information
    X = np.where(np.isfinite(X), X, np.nanmean(X, axis=0))
    k = min(k, len(codes))
    km = KMeans(n_clusters=k, n_init=10, random_state=seed).fit(X)
    labels = km.labels_
    rows = []
    for i, c in enumerate(codes):
        same = [j for j in range(len(codes)) if labels[j] == labels[i] and j != i]
        same.sort(key=lambda j: float(np.sum((X[j] - X[i]) ** 2)))
        rows.append({"state_code": c, "cluster": int(labels[i]), "peers": [codes[j] for j in same]})
    return pd.DataFrame(rows)


SPIKE_Z = 3.5


def spike_flags(monthly: pd.DataFrame, *, recent: int = 3, history: int = 24) -> pd.DataFrame:
    """Flag recent months far above a state's own history.

    ``monthly``: columns state_code, month (Timestamp), value. Returns the flagged rows
    with their robust z-score.
    """
    out = []
    for s, g in monthly.sort_values("month").groupby("state_code"):
        v = g["value"].to_numpy(float)
        if len(v) < recent + 6:
            continue
        hist = v[-(recent + history):-recent]
        hist = hist[np.isfinite(hist)]
        if hist.size < 6:
            continue
        med = np.median(hist)
        mad = np.median(np.abs(hist - med)) * 1.4826
        scale = max(mad, np.sqrt(max(med, 1.0)))    # Poisson floor: small counts are noisy
        for m, x in zip(g["month"].to_numpy()[-recent:], v[-recent:]):
            z = (x - med) / scale
            if np.isfinite(z) and z >= SPIKE_Z:
                out.append({"state_code": s, "month": pd.Timestamp(m), "value": x, "baseline": med, "z": round(z, 1)})
    return pd.DataFrame(out, columns=["state_code", "month", "value", "baseline", "z"])
