"""Synthetic matrices and registries for the stage-2 tests (no database needed).

Used by index/test_engine.py, index/test_scoring_properties.py and index/test_uncertainty.py. Not a test
module itself (pytest only collects ``test_*.py``).
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd

from scoring.index import matrix, scores
from scoring.index.registry import Registry, parse_registry
from scoring.index.weights import profile_from_dict

# Two pillars, two official and two event indicators, no log and no cap: every
# normaliser is then monotone in a region's own value (see test_scoring_properties.py).
SMALL_REGISTRY_DOC = {
    "pillars": {
        "harm": {"name": "Harm", "description": "People hurt."},
        "crime": {"name": "Crime", "description": "Crimes reported."},
    },
    "indicators": [
        {"id": "o_homicide", "name": "Homicide", "description": "Homicide rate.", "pillar": "harm",
         "layer": "official", "dataset": "victims", "series": ["homicide"], "unit": "per 100k",
         "transform": "none", "direction": 1, "weight": 2},
        {"id": "e_deaths", "name": "Deaths", "description": "Event deaths.", "pillar": "harm",
         "layer": "events", "event_types": ["killing"], "measure": "fatalities", "unit": "per 100k",
         "transform": "none", "direction": 1, "weight": 1},
        {"id": "o_theft", "name": "Theft", "description": "Theft rate.", "pillar": "crime",
         "layer": "official", "dataset": "carpetas", "series": ["cargo_theft"], "unit": "per 100k",
         "transform": "none", "direction": 1, "weight": 1},
        {"id": "e_police", "name": "Police", "description": "Police presence.", "pillar": "crime",
         "layer": "events", "event_types": ["arrest_or_operation"], "measure": "count", "unit": "per 100k",
         "transform": "none", "direction": -1, "weight": 1},
    ],
}


def small_registry(doc: dict | None = None) -> Registry:
    return parse_registry(copy.deepcopy(doc or SMALL_REGISTRY_DOC), "synthetic.yml")


def flip_direction(indicator_id: str, doc: dict | None = None) -> Registry:
    """The small registry with one indicator's direction reversed."""
    doc = copy.deepcopy(doc or SMALL_REGISTRY_DOC)
    for d in doc["indicators"]:
        if d["id"] == indicator_id:
            d["direction"] = -d["direction"]
    return parse_registry(doc, "synthetic.yml")


def regions_frame(n_states: int, n_corridors: int = 0) -> pd.DataFrame:
    states = pd.DataFrame({
        "region_id": [f"{i + 1:02d}" for i in range(n_states)],
        "region_type": "state",
        "name": [f"State {i + 1}" for i in range(n_states)],
        "pop_2020": [1_000_000 + 10_000 * i for i in range(n_states)],
        "length_km": np.nan,
    })
    cors = pd.DataFrame({
        "region_id": [f"C{i + 1}" for i in range(n_corridors)],
        "region_type": "corridor",
        "name": [f"Corridor {i + 1}" for i in range(n_corridors)],
        "pop_2020": pd.array([None] * n_corridors, dtype="Int64"),
        "length_km": [100.0 + 50 * i for i in range(n_corridors)],
    })
    return pd.concat([states, cors], ignore_index=True) if n_corridors else states


def make_matrix(raw, reg: Registry, n_states: int | None = None, coverage=None,
                regions: pd.DataFrame | None = None) -> matrix.Matrix:
    """A Matrix from a raw array (rows: the states first, then corridors)."""
    raw = np.array(raw, float)
    n = raw.shape[0]
    if regions is None:
        n_states = n if n_states is None else n_states
        regions = regions_frame(n_states, n - n_states)
    if coverage is None:
        coverage = np.where(np.isfinite(raw), 1.0, 0.0)
    detail = pd.DataFrame(columns=["region_id", "indicator", "value", "basis", "data_end", "source", "coverage"])
    return matrix.Matrix(regions, reg.ids, raw, np.array(coverage, float), detail, {"options": matrix.TimeOptions()})


def equal_profile(reg: Registry, normalisation="minmax", aggregation="arithmetic", **extra):
    """Every pillar weight 1, indicators at their registry weights."""
    doc = {"pillars": {p: 1 for p in reg.pillar_ids}, "normalisation": normalisation, "aggregation": aggregation}
    doc.update(extra)
    return profile_from_dict(doc, reg)


def run(raw, reg: Registry, profile, n_states=None, coverage=None, regions=None) -> scores.Scores:
    m = make_matrix(raw, reg, n_states, coverage, regions)
    return scores.score(scores.prepare(m, reg), profile, reg)
