"""The golden example of the engine tests, worked by hand (below), shared by
index/test_engine.py (scores, levels, ranks, contributions) and index/test_explain.py (drivers)."""

from __future__ import annotations

import numpy as np

from scoring.index.registry import parse_registry

# Two pillars: p1 = {x (official, weight 1), y (official, weight 3)}, p2 = {z (events, direction -1)}.
# Pillar weights 0.6 and 0.4. Four states A-D and two corridors E-F.
#
#          x     y     z
#    A     0     4     1
#    B     5     2     3
#    C    10     6     2
#    D     5     -   1.5      (y missing)
#    E    20     4     7      (corridor)
#    F   2.5     3     9      (corridor)
#
# Min-max, fitted on the states (x, y: official) or on each region type (z: events):
#   x: states 0..10          -> A 0, B 5, C 10, D 5; E 20 clipped -> 10; F 2.5
#   y: states 2..6           -> A 5, B 0, C 10, D -; E 5; F 2.5
#   z: states 1..3           -> A 0, B 10, C 5, D 2.5  -> reversed (10 - z): A 10, B 0, C 5, D 7.5
#      corridors 7..9        -> E 0, F 10              -> reversed: E 10, F 0
# p1 = (1 x + 3 y) / 4, missing values dropped and the rest rescaled:
#   A (0 + 15)/4 = 3.75, B (5 + 0)/4 = 1.25, C (10 + 30)/4 = 10, D x alone = 5,
#   E (10 + 15)/4 = 6.25, F (2.5 + 7.5)/4 = 2.5
# p2 = reversed z: A 10, B 0, C 5, D 7.5, E 10, F 0
# score = 0.6 p1 + 0.4 p2:
#   A 2.25 + 4 = 6.25; B 0.75 + 0 = 0.75; C 6 + 2 = 8; D 3 + 3 = 6; E 3.75 + 4 = 7.75; F 1.5 + 0 = 1.5
# Thresholds 1, 6.1, 7, 7.5 -> levels A 3, B 1, C 5, D 2, E 5, F 2
# Ranks (within type): states C 1, A 2, D 3, B 4; corridors E 1, F 2
# Effective weights: x 0.6 * 1/4 = 0.15, y 0.6 * 3/4 = 0.45, z 0.4 -> D's coverage 0.15 + 0.4 = 0.55
# Contributions (pillar weight x share in pillar x value):
#   A: x 0, y 0.6 * 0.75 * 5 = 2.25, z 0.4 * 10 = 4      (sum 6.25)
#   D: x 0.6 * 1 * 5 = 3 (y's share goes to x), y 0, z 0.4 * 7.5 = 3   (sum 6)

GOLDEN_REG = parse_registry({
    "pillars": {"p1": {"name": "P1", "description": "First."}, "p2": {"name": "P2", "description": "Second."}},
    "indicators": [
        {"id": "x", "name": "X", "description": "X.", "pillar": "p1", "layer": "official", "dataset": "victims",
         "series": ["homicide"], "unit": "u", "transform": "none", "direction": 1, "weight": 1},
        {"id": "y", "name": "Y", "description": "Y.", "pillar": "p1", "layer": "official", "dataset": "carpetas",
         "series": ["extortion"], "unit": "u", "transform": "none", "direction": 1, "weight": 3},
        {"id": "z", "name": "Z", "description": "Z.", "pillar": "p2", "layer": "events", "event_types": ["seizure"],
         "unit": "u", "transform": "none", "direction": -1, "weight": 1},
    ]}, "golden.yml")
GOLDEN_RAW = [[0, 4, 1], [5, 2, 3], [10, 6, 2], [5, np.nan, 1.5], [20, 4, 7], [2.5, 3, 9]]
GOLDEN_PROFILE = {"pillars": {"p1": 0.6, "p2": 0.4}, "thresholds": [1, 6.1, 7, 7.5]}
