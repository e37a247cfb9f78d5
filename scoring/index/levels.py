"""The five risk levels: names, cut-offs on the 0-10 score, and what each means.

One home for every rule about levels: the engine assigns them (:func:`level_of`), the
dashboard, the briefs and the command line name and describe them from here.

Scores are relative to the Mexican states (min-max by default), so the cut-offs are set
where the analyst profile at the default as-of date (2026-07) spreads the 32 states roughly
as the US State Department's advisory of 12 August 2025 does: six at the top level, eight at
the next, and the rest below. This matches the *spread* only, never which state is where (see
docs/METHODS.md, "Levels"). Level 0 means "no score" (no data), never "no risk".
"""

from __future__ import annotations

import numpy as np

DEFAULT_THRESHOLDS: tuple[float, ...] = (2.4, 3.5, 4.6, 5.9)
LEVEL_NAMES: tuple[str, ...] = ("Low", "Moderate", "Medium", "High", "Extreme")
NO_DATA = "No data"
# Indexed by level number 0-5 (0 = no data): the form tables and charts use.
LEVEL_LABELS: tuple[str, ...] = (NO_DATA, *LEVEL_NAMES)

LEVEL_MEANINGS: dict[int, str] = {
    1: "Lowest relative risk: organised-crime violence is rare; normal precautions.",
    2: "Some organised-crime activity; stay alert, keep to main roads by day.",
    3: "Regular violence or extortion in parts of the state; plan routes and check local news.",
    4: "Frequent lethal violence, kidnapping or road crime; travel only with a plan and support.",
    5: "Among the most violent places in Mexico: contested territory, mass-casualty events.",
}


def level_of(score, thresholds=DEFAULT_THRESHOLDS) -> np.ndarray:
    """Level 1-5 for each score (NaN -> 0 = no data)."""
    s = np.asarray(score, float)
    # rounded first, so a score of 5 that the arithmetic made 4.999999999999 is still at the cut-off
    lv = np.searchsorted(np.asarray(thresholds), np.round(s, 9), side="right") + 1
    return np.where(np.isfinite(s), lv, 0)


def level_name(level) -> str:
    """The name of a level number (0 or anything unknown -> "No data")."""
    try:
        lv = int(level)
    except (TypeError, ValueError):
        return NO_DATA
    return LEVEL_LABELS[lv] if 0 <= lv <= len(LEVEL_NAMES) else NO_DATA
