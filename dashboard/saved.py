"""The default view's results, saved beside the database so that a new server starts with them.

A server's first visitor used to wait for the default scores (the map's, the municipal layer's,
eight quarters of history, the corridor stretches: about 4 s on a 2-core machine) whenever the
server had just started. ``python -m dashboard.serve --prepare`` (which ``make run`` runs after
the build) computes them once and writes ``<database>.results.pkl``; the server's warm-up
reads that file in a few milliseconds instead of computing.

The file is used only if it matches exactly what the server would compute: the same database
file (its modification time and size: any import or rebuild replaces the file and changes
both), the same scoring code and configuration (a digest of ``scoring/``'s sources and
settings), and the same format. Anything else (a missing, stale, truncated or foreign file)
is ignored and the server computes as before, then rewrites the file. Results are pickled:
the file is written and read only by this code, beside a database only the project's own
commands write.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from pathlib import Path

FORMAT = 1
_SCORING = Path(__file__).resolve().parents[1] / "scoring"
_CODE: dict[str, str] = {}


def file_for(db: Path | str) -> Path:
    """Where the saved results of a database live: beside it, ``<name>.results.pkl``."""
    db = Path(db)
    return db.with_name(f"{db.name}.results.pkl")


def code_version() -> str:
    """A digest of what the scores depend on besides the data: the scoring package's sources and
    its configuration (indicators, profiles, thresholds). Computed once per process."""
    if "v" not in _CODE:
        h = hashlib.sha256()
        for p in sorted(_SCORING.rglob("*")):
            if p.is_file() and p.suffix in {".py", ".yml", ".yaml", ".json", ".csv", ".toml"}:
                h.update(str(p.relative_to(_SCORING)).encode())
                h.update(p.read_bytes())
        _CODE["v"] = h.hexdigest()
    return _CODE["v"]


def _stamp(db: Path) -> tuple:
    st = os.stat(db)
    return (FORMAT, st.st_mtime_ns, st.st_size, code_version())


def load(db: Path | str) -> dict:
    """The saved results for this database as it is now ({key: result}), or {} when there is no
    file or it does not match (another version of the database, of the code, or unreadable)."""
    db = Path(db)
    try:
        with open(file_for(db), "rb") as f:
            if pickle.load(f) != _stamp(db):
                return {}
            items = pickle.load(f)
        return items if isinstance(items, dict) else {}
    except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, ImportError):
        return {}


def is_current(db: Path | str) -> bool:
    """Whether the saved file matches the database and the code (reads only its stamp)."""
    db = Path(db)
    try:
        with open(file_for(db), "rb") as f:
            return pickle.load(f) == _stamp(db)
    except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, ImportError):
        return False


def save(db: Path | str, items: dict, stamp: tuple | None = None) -> Path | None:
    """Write the results for this database (atomically: a temporary file renamed over the old
    one). ``stamp`` is the database's stamp taken *before* the results were computed, so that
    results computed while an import replaced the file are never saved under the new file's
    name. Returns the file, or None if it could not be written (a read-only folder: the server
    then simply computes at each start)."""
    db = Path(db)
    try:
        if stamp is not None and stamp != _stamp(db):
            return None
        out = file_for(db)
        tmp = out.with_name(f".{out.name}.{os.getpid()}")
        with open(tmp, "wb") as f:
            pickle.dump(stamp or _stamp(db), f, protocol=pickle.HIGHEST_PROTOCOL)  # read alone by is_current
            pickle.dump(items, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, out)
        return out
    except OSError:
        return None


def stamp(db: Path | str) -> tuple | None:
    """The database's current stamp (format, modification time, size, code digest), or None."""
    try:
        return _stamp(Path(db))
    except OSError:
        return None
