"""Risk scores for the pages: one scoring model per process, results cached per choice.

The model caches the DuckDB stage per time option; results are cached here per
(database version, profile, options). Pages get :class:`scoring.api.Result` objects and
must not modify them (they are shared between sessions).
"""

from __future__ import annotations

import datetime as dt
import threading

import streamlit as st

from dashboard import data
from dashboard import state as ui
from scoring.index.model import Result, RiskModel
from scoring.index.matrix import TimeOptions
from scoring.errors import RiskError
from scoring.index.registry import load_registry
from scoring.index.weights import Profile, load_profile, profile_from_dict

_LOCK = threading.Lock()


@st.cache_resource(show_spinner=False)
def _model(path: str, mtime_ns: int) -> RiskModel:
    return RiskModel(data.store())


def model() -> RiskModel:
    path, mtime = data._db_key()
    return _model(path, mtime)


def current_profile() -> Profile:
    """The profile the user chose, with any weight, method or threshold overrides applied."""
    base = load_profile(ui.get("profile"))
    pw, iw, norm, agg, th = ui.get("pw"), ui.get("iw"), ui.get("norm"), ui.get("agg"), ui.get("th")
    if not (pw or iw or norm or agg or th):
        return base
    doc = {"name": f"{base.name} (adjusted)", "description": base.description,
           "pillars": {**base.pillar_weights, **pw}, "indicators": {**base.indicator_weights, **iw},
           "normalisation": norm or base.normalisation, "aggregation": agg or base.aggregation,
           "thresholds": list(th) if th else list(base.thresholds)}
    try:
        return profile_from_dict(doc)
    except RiskError as exc:
        st.warning(f"The adjusted weights were refused ({exc}); showing the {base.name} profile.")
        return base


def current_options() -> TimeOptions:
    return TimeOptions(as_of=ui.get("as_of"), window_days=int(ui.get("window")),
                       half_life_days=float(ui.get("half_life")), buffer_km=float(ui.get("buffer")))


@st.cache_resource(show_spinner=False, max_entries=48)
def _run(path: str, mtime: int, profile_yaml: str, opts: TimeOptions, uncertainty: bool, mc_draws: int,
         explain: bool = True) -> Result:
    from scoring.index.weights import profile_from_dict as _p
    import yaml

    prof = _p(yaml.safe_load(profile_yaml))
    with _LOCK:  # the model's stage-1 cache is shared by every session of this process
        return _model(path, mtime).run(prof, opts, uncertainty=uncertainty, mc_draws=mc_draws, boot_draws=100,
                                       explain=explain)


def run(profile: Profile | None = None, opts: TimeOptions | None = None, *, uncertainty: bool = True,
        mc_draws: int = 500, explain: bool = True) -> Result:
    """Scores for the current (or given) profile and options; errors become a page message."""
    profile = profile or current_profile()
    opts = opts or current_options()
    path, mtime = data._db_key()
    try:
        return _run(path, mtime, profile.to_yaml(), opts, uncertainty, mc_draws, explain)
    except RiskError as exc:
        st.error(f"These settings cannot be scored: {exc}")
        st.stop()


def default_as_of() -> dt.date:
    path, mtime = data._db_key()
    with _LOCK:
        return _model(path, mtime).default_as_of()


def registry():
    return load_registry()


@st.cache_resource(show_spinner="Scoring the previous quarters...", max_entries=16)
def _history(path: str, mtime: int, profile_yaml: str, opts: TimeOptions, quarters: int) -> "pd.DataFrame":
    import dataclasses

    import pandas as pd
    import yaml

    from scoring.index.weights import profile_from_dict as _p

    prof = _p(yaml.safe_load(profile_yaml))
    rows = []
    with _LOCK:
        m = _model(path, mtime)
        end = opts.as_of or m.default_as_of()
        for k in range(quarters):
            o = dataclasses.replace(opts, as_of=end - dt.timedelta(days=91 * k))
            r = m.run(prof, o, uncertainty=False, compare=False)
            t = r.table[["region_id", "name", "score", "level"]].assign(as_of=o.as_of)
            rows.append(t)
    return pd.concat(rows, ignore_index=True).sort_values(["region_id", "as_of"])


def score_history(region_id: str | None = None, quarters: int = 8):
    """The score at quarterly as-of dates over the last two years (same profile and window)."""
    path, mtime = data._db_key()
    h = _history(path, mtime, current_profile().to_yaml(), current_options(), quarters)
    return h if region_id is None else h[h["region_id"] == region_id]


@st.cache_resource(show_spinner=False, max_entries=32)
def _mc(path: str, mtime: int, profile_yaml: str, opts: TimeOptions, draws: int):
    import yaml

    from scoring.index import uncertainty
    from scoring.index.weights import profile_from_dict as _p

    with _LOCK:
        prep = _model(path, mtime).prepared(opts if opts.as_of else
                                            __import__("dataclasses").replace(opts, as_of=_model(path, mtime).default_as_of()))
    return uncertainty.monte_carlo_ranks(prep, _p(yaml.safe_load(profile_yaml)), draws=draws)


def mc_ranks(profile: Profile, draws: int = 500):
    """Monte-Carlo rank ranges for a profile (cached)."""
    path, mtime = data._db_key()
    return _mc(path, mtime, profile.to_yaml(), current_options(), draws)


@st.cache_resource(show_spinner=False, max_entries=32)
def _peers(key: tuple, _pillars, codes: tuple):
    from scoring.index.peers import peer_groups

    return peer_groups(_pillars, list(codes))


def peers(res: Result):
    """k-means peer groups of the states on their pillar scores (fitted once per result)."""
    import numpy as np

    t = res.table[res.table["region_type"] == "state"]
    P = t[[f"pillar_{p}" for p in res.scores.pillar_ids]].to_numpy()
    key = (tuple(t["region_id"]), tuple(np.round(np.nan_to_num(P, nan=-1), 6).ravel()))
    return _peers(key, P, tuple(t["region_id"]))
