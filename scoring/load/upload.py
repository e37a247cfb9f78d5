"""Import a file a user uploaded (bytes, not a path) into a database that is being served.

The dashboard's Events & data page calls :func:`import_upload`; the command line's
``ingest`` takes a path instead. The import runs on a copy of the database that is then
swapped in (:func:`scoring.db.store.apply_to_copy`), so readers never see a half-written
file and keep working meanwhile.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from scoring.db import store
from scoring.errors import RiskError
from scoring.load import ingest


@dataclass
class Upload:
    """What an import did (:class:`~scoring.load.ingest.BatchResult`) and its rejected rows
    (line, field, reason, raw; empty when every row loaded)."""

    result: ingest.BatchResult
    rejects: pd.DataFrame


def _run(con, path: Path, fmt: str, release, say, sources=None) -> Upload:
    res = ingest.ingest(path, fmt, con=con, release=release or None, say=say, sources=sources)
    rejects = con.execute("SELECT line, field, reason, raw FROM rejected_rows WHERE batch_id = ? "
                          "ORDER BY line", [res.batch_id]).df()
    return Upload(res, rejects)


def trial_upload(db, file_name: str, payload: bytes, fmt: str, after: Callable, *, release: str | None = None,
                 say: Callable[[str], object] = lambda m: None, sources: dict[str, dict] | None = None):
    """What an import *would* do: it runs on a throw-away copy of the database, then ``after(con)``
    (e.g. scores the copy) runs on it too. Returns (Upload, after's result); the served database
    is never touched."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / Path(file_name).name
        path.write_bytes(payload)

        def work(con):
            up = _run(con, path, fmt, release, say, sources)
            return up, after(con)

        try:
            return store.try_on_copy(db, work)
        except RiskError as exc:
            raise RiskError(str(exc).replace(str(path), file_name)) from exc


def remove_upload(db, batch_id: str) -> dict[str, int]:
    """Take an imported batch out of a served database (on a copy swapped in, like an import)."""
    return store.apply_to_copy(db, lambda con: ingest.remove(batch_id, con=con))


def import_upload(db, file_name: str, payload: bytes, fmt: str, *, release: str | None = None,
                  say: Callable[[str], object] = lambda m: None, sources: dict[str, dict] | None = None) -> Upload:
    """Import ``payload`` (the uploaded file ``file_name``) as one batch of format ``fmt``.

    Raises :class:`~scoring.errors.RiskError` when the file is refused; its message names
    the file as the user called it, not the temporary copy. Nothing is written then.
    """
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / Path(file_name).name
        path.write_bytes(payload)

        try:
            return store.apply_to_copy(db, lambda con: _run(con, path, fmt, release, say, sources), limit_memory=True)
        except RiskError as exc:
            raise RiskError(str(exc).replace(str(path), file_name)) from exc
