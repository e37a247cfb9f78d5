"""Helpers shared by the tests (one home; no test module imports from another).

* :mod:`support.datahelpers`: real-data file names, small hand-made databases, table dumps.
* :mod:`support.scoring_synth`: synthetic registries and matrices for the stage-2 tests.
* :mod:`support.golden`: the hand-computed golden example of the engine and explanation tests.
* :mod:`support.browser_support`: a live Streamlit server and Debian's Chromium.

Fixtures live in ``tests/conftest.py``; data-only fixture files in ``tests/fixtures/``.
"""

from __future__ import annotations

from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
ROOT = TESTS.parent                                # the repository
SHARED = ROOT.parent / "shared" / "data"           # the real data, outside the repository
FIXTURES = TESTS / "fixtures"
