"""The level palette stays readable under colour-vision deficiencies (issue 12).

Simulated with colorspacious (Machado et al. 2009 at full severity) and compared in CAM02-UCS,
a perceptually uniform space: every pair of the five levels and "No data" must stay apart
for normal vision, deuteranopia, protanopia and tritanopia, and lightness must fall steadily
from Low to Extreme, so the order reads even in grey.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

colorspacious = pytest.importorskip("colorspacious")

from dashboard.figures.palette import LEVEL_COLORS  # noqa: E402

MIN_DISTANCE = 12.0   # CAM02-UCS units; about 3x a just-noticeable difference for flat map fills
SIMULATIONS = [None, "deuteranomaly", "protanomaly", "tritanomaly"]


def _rgb(hex_colour: str) -> np.ndarray:
    h = hex_colour.lstrip("#")
    return np.array([int(h[i:i + 2], 16) for i in (0, 2, 4)]) / 255


def _seen(rgb: np.ndarray, cvd: str | None) -> np.ndarray:
    if cvd is None:
        return rgb
    sim = colorspacious.cspace_convert(rgb, {"name": "sRGB1+CVD", "cvd_type": cvd, "severity": 100}, "sRGB1")
    return np.clip(sim, 0, 1)


@pytest.mark.parametrize("cvd", SIMULATIONS, ids=lambda c: c or "normal")
def test_every_pair_of_levels_stays_apart(cvd):
    seen = [colorspacious.cspace_convert(_seen(_rgb(c), cvd), "sRGB1", "CAM02-UCS") for c in LEVEL_COLORS]
    worst = min((float(np.linalg.norm(seen[a] - seen[b])), a, b)
                for a, b in itertools.combinations(range(len(seen)), 2))
    assert worst[0] >= MIN_DISTANCE, f"levels {worst[1]} and {worst[2]} are {worst[0]:.1f} apart under {cvd}"


def test_lightness_falls_steadily_with_risk():
    lightness = [colorspacious.cspace_convert(_rgb(c), "sRGB1", "CIELab")[0] for c in LEVEL_COLORS[1:]]
    steps = np.diff(lightness)
    assert (steps < -3).all(), f"L* from Low to Extreme: {np.round(lightness, 1)}"


def test_old_green_and_red_were_not_safe():
    """The palette this replaced: green Low and red High became one olive for a deuteranope."""
    old_low, old_high = _rgb("#2e7d32"), _rgb("#d32f2f")
    a, b = (colorspacious.cspace_convert(_seen(c, "deuteranomaly"), "sRGB1", "CAM02-UCS") for c in (old_low, old_high))
    assert np.linalg.norm(a - b) < MIN_DISTANCE
