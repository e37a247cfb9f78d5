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


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_pca_weights_are_non_negative_and_sum_to_one(seed):
    prof, note = peers.pca_profile(_states_matrix(seed), REG, load_profile())
    w = prof.effective_weights(REG)
    assert (w >= 0).all()
    assert w.sum() == pytest.approx(1.0)
    assert sum(prof.pillar_weights.values()) == pytest.approx(1.0)
    assert prof.name == "pca" and "eigenvalue" in note


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
