"""Risk scoring for organised-crime violence in Mexico's states and corridors.

The package follows the data flow, one stage a sub-package:

* :mod:`scoring.db`: the event store's tables (``schema``) and the only code that opens
  DuckDB files (``store``);
* :mod:`scoring.load`: raw files -> tables (the build, the importers, derived tables, checks);
* :mod:`scoring.index`: tables -> scores, with no file I/O (stage 1 queries the store,
  stage 2 is numpy).

``load`` and ``index`` never import each other: they meet only in the store's tables.
Streamlit is never imported here; the dashboard and the command line call this API:

>>> from scoring import RiskModel, Store, load_profile       # doctest: +SKIP
"""

from __future__ import annotations

__version__ = "0.2.0"

_API = {
    "RiskModel": "scoring.index.model", "Result": "scoring.index.model",
    "TimeOptions": "scoring.index.matrix", "Profile": "scoring.index.weights",
    "load_profile": "scoring.index.weights", "Store": "scoring.db.store",
}


def __getattr__(name):  # lazy, so `python -m scoring build` does not import the scoring stack
    if name in _API:
        import importlib

        return getattr(importlib.import_module(_API[name]), name)
    raise AttributeError(f"module 'scoring' has no attribute {name!r}")
