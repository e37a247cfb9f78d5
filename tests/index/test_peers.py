"""scikit-learn helpers (scoring/peers.py): PCA weights, peer groups and spike flags."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scoring.index import peers
from scoring.index.registry import load_registry
from scoring.index.weights import load_profile

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

REG = load_registry()
CODES = [f"{i:02d}" for i in range(1, 33)]


def _states_matrix(seed=0):
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=(32, 2))
    load = rng.normal(size=(2, len(REG.ids)))
    return np.clip(5 + latent @ load + rng.normal(scale=0.5, size=(32, len(REG.ids))), 0, 10)


def _pca_weights_by_hand(X: np.ndarray) -> np.ndarray:
    """The documented rule, with numpy's eigendecomposition instead of scikit-learn: standardise
    each live column (gaps filled with its mean), keep the components of the correlation matrix
    with eigenvalue > 1, weigh each indicator by its squared loadings times the component's share."""
    X = np.array(X, float)
    keep = np.isfinite(X).any(axis=0)
    keep[keep] = np.nanstd(X[:, keep], axis=0) > 1e-9
    Y = X[:, keep]
    Y = np.where(np.isfinite(Y), Y, np.nanmean(Y, axis=0))
    Z = (Y - Y.mean(axis=0)) / Y.std(axis=0)
    # as scikit-learn's explained_variance_: the n - 1 covariance of the (n-)standardised values,
    # i.e. the correlation matrix's eigenvalues times n / (n - 1)
    eig, vec = np.linalg.eigh(Z.T @ Z / (len(Z) - 1))
    order = np.argsort(eig)[::-1]
    eig, vec = eig[order], vec[:, order]
    k = max(1, int((eig > 1).sum()))
    w = np.zeros(X.shape[1])
    w[keep] = (vec[:, :k] ** 2 * (eig[:k] / eig[:k].sum())).sum(axis=1)
    return w


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_pca_weights_match_a_hand_computation(seed):
    X = _states_matrix(seed)
    X[seed, 3] = np.nan                                   # a gap, filled with the column mean
    prof, note = peers.pca_profile(X, REG, load_profile())
    assert np.allclose(prof.effective_weights(REG), _pca_weights_by_hand(X), atol=1e-9)
    assert prof.name == "pca" and "eigenvalue" in note


def test_pca_weights_ignore_units_and_the_order_of_states():
    X = _states_matrix(4)
    w = peers.pca_profile(X, REG, load_profile())[0].effective_weights(REG)
    Y = X[np.random.default_rng(0).permutation(32)]
    Y[:, 0] = 100 * Y[:, 0] + 7                           # another unit: standardised away
    assert np.allclose(peers.pca_profile(Y, REG, load_profile())[0].effective_weights(REG), w, atol=1e-9)


def test_pca_gives_constant_and_missing_indicators_no_weight():
    X = _states_matrix()
    X[:, 0] = 3.0                 # constant
    X[:, 1] = np.nan              # no data at all
    X[5, 2] = np.nan              # one gap
    prof, _ = peers.pca_profile(X, REG, load_profile())
    w = prof.effective_weights(REG)
    assert w[0] == 0 and w[1] == 0
    assert w.sum() == pytest.approx(1.0)


def test_peer_groups_give_every_state_a_cluster():
    rng = np.random.default_rng(0)
    P = rng.uniform(0, 10, size=(32, 5))
    df = peers.peer_groups(P, CODES)
    assert df["state_code"].tolist() == CODES
    assert df["cluster"].nunique() == 5
    for r in df.itertuples(index=False):
        assert r.state_code not in r.peers
        assert all(df.set_index("state_code").loc[p, "cluster"] == r.cluster for p in r.peers)


def test_peer_groups_put_twin_states_together_and_cope_with_a_missing_pillar():
    P = np.zeros((32, 5))
    P[:, 0] = np.repeat(np.arange(8) * 1.25, 4)      # eight tight groups of four
    P[:, 4] = np.nan                                  # a pillar without data
    P[3, 1] = np.nan
    df = peers.peer_groups(P, CODES, k=8)
    assert df.loc[0, "cluster"] == df.loc[1, "cluster"] == df.loc[2, "cluster"]
    assert df.loc[0, "peers"] == ["02", "03", "04"]
    assert df["cluster"].nunique() == 8


def _series(values, state="01"):
    months = pd.date_range("2022-01-01", periods=len(values), freq="MS")
    return pd.DataFrame({"state_code": state, "month": months, "value": values})


def test_spike_flags_an_obvious_spike():
    rng = np.random.default_rng(0)
    base = list(rng.poisson(100, 24).astype(float))
    df = peers.spike_flags(_series(base + [100.0, 101.0, 400.0]))
    assert len(df) == 1
    assert df["value"].iat[0] == 400 and df["z"].iat[0] >= peers.SPIKE_Z
    assert df["month"].iat[0] == pd.Timestamp("2024-03-01")


def test_spike_flags_nothing_in_a_flat_or_noisy_series():
    rng = np.random.default_rng(1)
    flat = _series([50.0] * 27)
    noisy = _series(list(rng.poisson(30, 27).astype(float)), state="02")
    small = _series([0, 1, 0, 2, 0, 1, 0, 0, 1, 0, 0, 1, 2, 0, 3], state="03")  # Poisson floor: 3 is not a spike
    df = peers.spike_flags(pd.concat([flat, noisy, small]))
    assert df.empty
    assert list(df.columns) == ["state_code", "month", "value", "baseline", "z"]


def test_spike_flags_skip_short_series():
    assert peers.spike_flags(_series([1.0, 2.0, 50.0])).empty
