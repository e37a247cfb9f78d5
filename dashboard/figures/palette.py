"""Colours of the dashboard's figures: risk levels, categories, pillars and series.

The level *names* are the engine's (:mod:`scoring.index.levels`); their colours live here.
"""

from __future__ import annotations

import math

import pandas as pd

from scoring.index.levels import LEVEL_LABELS

# Risk levels, indexed by level number. 0 means the state has no score (not "no risk").
LEVEL_NAMES: tuple[str, ...] = LEVEL_LABELS
# Global Guardian's green -> yellow -> orange -> red -> burgundy, made colour-blind safe: lightness
# (CIELAB L*) falls steadily with risk (89, 84, 67, 47, 23), so the levels stay ordered and apart
# under simulated deuteranopia, protanopia and tritanopia (every pair at least 14 CAM02-UCS units;
# tests/dashboard/test_palette.py). The old pure green and red became one olive for deuteranopes.
LEVEL_COLORS: tuple[str, ...] = ("#b0b0b0", "#c9e9b0", "#f2cd56", "#ea8b3b", "#c93a33", "#6a1131")
NO_DATA_COLOR = LEVEL_COLORS[0]
MAX_LEVEL = len(LEVEL_NAMES) - 1

# Region / category colours: muted, distinct from the risk palette so that a category map is
# never read as a risk map.
CATEGORY_COLORS: tuple[str, ...] = (
    "#8dd3c7", "#bebada", "#80b1d3", "#fdb462", "#b3de69", "#fccde5", "#d9d9d9", "#bc80bd",
)

PILLAR_COLORS = {"lethal": "#7b1e3a", "organised": "#d32f2f", "mobility": "#f39c12", "state": "#5d4037",
                 "momentum": "#607d8b"}
SERIES_COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")


def as_level(value) -> int:
    """A level number 0-5; missing or out-of-range values are 0 ("No data")."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value):
        return 0
    lv = int(value)
    return lv if 0 <= lv <= MAX_LEVEL else 0


def level_color(level) -> str:
    """Colour of one level; missing or out-of-range values are "No data" grey."""
    return LEVEL_COLORS[as_level(level)]


def level_text_color(level) -> str:
    """Text colour that reads on a level's colour (black on the light levels, white on red and burgundy)."""
    return "#000" if as_level(level) <= 3 else "#fff"


def level_badge_style(level) -> str:
    """Inline CSS of a level badge (the state profile and the HTML brief)."""
    return (f"display:inline-block;padding:6px 14px;border-radius:6px;background:{level_color(level)};"
            f"color:{level_text_color(level)};font-weight:600")
