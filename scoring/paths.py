"""Where the project's files are. Everything is worked out from this file's location."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
REFERENCE = DATA / "reference"
DERIVED = DATA / "derived"
GEO = DATA / "geo"
SEEDS = ROOT / "seeds"
CONFIG = ROOT / "scoring" / "config"
SHARED_DATA = ROOT.parent / "shared" / "data"
DEFAULT_DB = DATA / "risk.duckdb"


def db_path(arg: str | os.PathLike | None = None) -> Path:
    """The database path: ``arg`` if given, else ``$RISK_DB``, else ``data/risk.duckdb``."""
    if arg:
        return Path(arg)
    env = os.environ.get("RISK_DB")
    if env:
        return Path(env)
    return DEFAULT_DB
