"""The data-access layer: the only module that opens DuckDB files (``connect``, :class:`Store`).

Loaders receive a connection from here; the index's queries receive a :class:`Store` (or
any object with ``query(sql, params)``); the dashboard keeps one :class:`Store` per process.

DuckDB 2 locks a file against every other process once one process opens it
read-write, and a single connection must not be shared between threads. So:

* the build writes a *new* file and swaps it in with ``os.replace`` (a failed build
  leaves the old database as it was);
* an import runs in one transaction on the target file (all or nothing);
* the dashboard keeps one connection per process and gives each session a ``cursor()``.
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pandas as pd

from scoring.db import schema


def connect(path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(path), read_only=read_only)


def build_atomically(path, fill: Callable[[duckdb.DuckDBPyConnection], None]) -> Path:
    """Create a fresh database at a temporary path, fill it, then swap it over ``path``.

    If ``fill`` raises, the temporary file is removed and ``path`` is untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.building-{os.getpid()}")
    _remove(tmp)
    con = connect(tmp)
    try:
        schema.create_all(con)
        fill(con)
        con.execute("CHECKPOINT")
        con.close()
        with _file_lock(path):   # never swap a build in while an import is being swapped in
            clean_stale(path)
            os.replace(tmp, path)
            _remove(Path(str(path) + ".wal"))
    except BaseException:
        with contextlib.suppress(Exception):
            con.close()
        _remove(tmp)
        raise
    finally:
        _remove(Path(str(tmp) + ".wal"))
    return path


def _remove(p: Path) -> None:
    """Remove a file, or a folder (DuckDB's spill folder ``<db>.tmp``); absent is fine."""
    if p.is_dir() and not p.is_symlink():
        import shutil

        shutil.rmtree(p, ignore_errors=True)
        return
    with contextlib.suppress(FileNotFoundError):
        p.unlink()


# DuckDB's memory for an import on a copy; beyond it DuckDB spills to disk beside the copy (not
# every operation can: a removal from ten million events ran out at 300 MB, so removals run
# uncapped, and an import that runs out starts again uncapped). Without a limit DuckDB may take most of the machine's memory, and a 200 MB
# import held its whole batch in memory until the commit (peak 1.24 GB; 1,018 MiB with 300 MB).
WRITE_MEMORY_ENV = "RISK_WRITE_MEMORY"
WRITE_MEMORY_DEFAULT_BYTES = 300 * 10**6
WRITE_MEMORY_DEFAULT = f"{WRITE_MEMORY_DEFAULT_BYTES // 10**6}MB"


# A write on a served database (import, removal) yields the CPU to the pages: on a team server twenty
# sessions and an import share two cores, and the pages are what people wait for. The writing
# thread's nice value is raised by this much for the write (Linux keeps it per thread; the
# threads DuckDB starts for the write's copy inherit it, and Arrow's where the write starts them,
# as in a CLI import: a server's Arrow threads, started earlier, keep theirs); 0 turns it off. On
# an idle machine it costs the write nothing.
WRITE_NICE_ENV = "RISK_WRITE_NICE"
WRITE_NICE_DEFAULT = 10


@contextlib.contextmanager
def yielding_cpu() -> Iterator[None]:
    """Run the body at a lower CPU priority (:data:`WRITE_NICE_ENV`), in this thread only; the
    priority is put back afterwards where the process may raise it. Where it may not (no
    CAP_SYS_NICE), a CLI process ends anyway, and in a server the importing session's script
    thread keeps the lower priority until Streamlit ends it (its reruns then yield too)."""
    raw = os.environ.get(WRITE_NICE_ENV, "").strip()
    step = int(raw) if re.fullmatch(r"\d{1,2}", raw) else WRITE_NICE_DEFAULT
    tid = threading.get_native_id()
    before = None
    if step > 0 and hasattr(os, "setpriority"):
        with contextlib.suppress(OSError):
            before = os.getpriority(os.PRIO_PROCESS, tid)
            os.setpriority(os.PRIO_PROCESS, tid, min(19, before + step))
    try:
        yield
    finally:
        if before is not None:
            with contextlib.suppress(OSError):
                os.setpriority(os.PRIO_PROCESS, tid, before)


# Connections capped by default (no RISK_WRITE_MEMORY): id -> the cap in bytes, which
# :func:`make_room` may raise for a large batch.
_DEFAULT_CAPS: dict[int, int] = {}


def _limit_memory(con) -> None:
    value = os.environ.get(WRITE_MEMORY_ENV, WRITE_MEMORY_DEFAULT).strip()
    if re.fullmatch(r"\d+(\.\d+)?\s*(KB|MB|GB|KiB|MiB|GiB)", value, flags=re.IGNORECASE):
        con.execute(f"SET memory_limit = '{value}'")
        if WRITE_MEMORY_ENV not in os.environ:
            _DEFAULT_CAPS[id(con)] = WRITE_MEMORY_DEFAULT_BYTES


def make_room(con, batch_bytes: int) -> None:
    """Let DuckDB use as much memory as the batch's parsed rows already take, where that is more
    than the default cap: the write then holds at most about twice the rows, still below the
    reading's peak (the file and its rows), and ten million events are written in 16 s instead
    of 29 s under 300 MB (what DuckDB spent flushing its buffers). A cap set by
    RISK_WRITE_MEMORY, and an uncapped connection, are left as they are."""
    cap = _DEFAULT_CAPS.get(id(con))
    if cap is not None and batch_bytes > cap:
        con.execute(f"SET memory_limit = '{int(batch_bytes) // 2**20}MiB'")
        _DEFAULT_CAPS[id(con)] = int(batch_bytes)


@contextlib.contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """All-or-nothing block: commit on success, roll back on any exception."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


# FRAME_SCANS. Writers hand pandas frames to DuckDB as a local variable named in the SQL (DuckDB's
# "replacement scan" finds it in the calling function), never with ``con.register``: inside a
# transaction, a registered frame stays referenced until the commit even after ``unregister``
# (the dropped view waits in the undo log), so a 1M-event import kept every 100,000-row chunk it
# had written, and the ids it had looked up, alive through the placement: 350 MB of Arrow memory.
# ``tests/load/test_batches.py::test_written_frames_are_not_kept_until_the_commit`` checks it.


def insert_df(con: duckdb.DuckDBPyConnection, table: str, df: pd.DataFrame) -> int:
    """Insert a frame by column name (columns absent from the frame get their defaults)."""
    if df.empty:
        return 0
    cols = ", ".join(f'"{c}"' for c in df.columns)
    _insert_df = df   # read by name: a replacement scan (see FRAME_SCANS)
    con.execute(f'INSERT INTO {table} ({cols}) SELECT {cols} FROM _insert_df')
    return len(df)


class Store:
    """One read-only connection per process, a cursor per caller (thread or session).

    When a build or an import replaces the file on disk, the next cursor reads the new
    file while cursors already running finish on the old one. Closing the old connection
    would kill other sessions' cursors ("Connection already closed"), and while any of
    them lives ``duckdb.connect(path)`` hands back DuckDB's cached instance of the *old*
    file. So each version of the file is attached to its own in-memory instance (never
    cached by path), and the old one is released, not closed.
    """

    _lock = threading.Lock()
    ALIAS = "risk"

    def __init__(self, path):
        self.path = Path(path)
        self._con: duckdb.DuckDBPyConnection | None = None
        self._mtime = None

    def _connection(self) -> duckdb.DuckDBPyConnection:
        with self._lock:
            mtime = self.path.stat().st_mtime_ns if self.path.exists() else None
            if self._con is None or mtime != self._mtime:
                if not self.path.exists():
                    raise duckdb.IOException(f"{self.path}: no database file")
                con = duckdb.connect()
                quoted = str(self.path).replace("'", "''")
                con.execute(f"ATTACH '{quoted}' AS {self.ALIAS} (READ_ONLY)")
                self._con, self._mtime = con, mtime  # the old connection is released, not closed
            return self._con

    def cursor(self) -> duckdb.DuckDBPyConnection:
        cur = self._connection().cursor()
        cur.execute(f"USE {self.ALIAS}")  # the default catalog is per cursor
        return cur

    def query(self, sql: str, params=None) -> pd.DataFrame:
        cur = self.cursor()
        try:
            return schema.plain(cur.execute(sql, params or []).df())
        finally:
            cur.close()

    def close(self) -> None:
        with self._lock:
            if self._con is not None:
                self._con.close()
                self._con = None


@contextlib.contextmanager
def _file_lock(path: Path, on_wait: Callable[[str], object] | None = None):
    """The one writers' lock of a database: a separate ``.NAME.lock`` file held with flock for the
    whole write (never the database file itself, whose handles the readers own). A second writer
    waits, and is told why through ``on_wait``."""
    import fcntl

    lock = path.with_name(f".{path.name}.lock")
    with open(lock, "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait is not None:
                on_wait("another import, removal or build is writing this database; waiting for it to finish")
            fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


_TEMP_MARKS = (".import-", ".building-")


def clean_stale(path) -> list[Path]:
    """Remove the temporary copies a killed build or import left beside ``path`` (their writer's
    process is gone); returns what was removed."""
    path = Path(path)
    gone = []
    for p in path.parent.glob(f".{path.name}.*"):
        mark = next((m for m in _TEMP_MARKS if m in p.name), None)
        if mark is None:
            continue
        pid = p.name.split(mark, 1)[1].split("-", 1)[0].split(".", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            _remove(p)
            gone.append(p)
    return gone


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def apply_to_copy(path, fn: Callable[[duckdb.DuckDBPyConnection], object], *,
                  on_wait: Callable[[str], object] | None = None, limit_memory: bool = False):
    """Run a write on a copy of the database, then swap the copy in (for a live server).

    A serving process keeps its read-only connection (DuckDB 2 allows no writer beside it);
    readers keep the old file until they reopen, so an import never breaks other users'
    pages. Writers are serialised by a lock file; if ``fn`` raises, nothing changes.

    ``limit_memory`` caps DuckDB's memory (:data:`WRITE_MEMORY_ENV`) for a write that mostly
    appends (an import); should DuckDB run out under the cap, the write starts again on a fresh
    copy without it (nothing of the first try is kept).
    """
    import shutil

    path = Path(path)
    with _file_lock(path, on_wait), yielding_cpu():
        clean_stale(path)
        for capped in ((True, False) if limit_memory else (False,)):
            tmp = path.with_name(f".{path.name}.import-{os.getpid()}-{threading.get_ident()}")
            shutil.copyfile(path, tmp)
            con = connect(tmp)
            try:
                if capped:
                    _limit_memory(con)
                out = fn(con)
                con.execute("CHECKPOINT")
                con.close()
                os.replace(tmp, path)
                return out
            except duckdb.OutOfMemoryException:
                with contextlib.suppress(Exception):
                    con.close()
                if not capped:
                    raise
                if on_wait is not None:
                    on_wait("the write needed more memory than its cap; starting it again without the cap")
            except BaseException:
                with contextlib.suppress(Exception):
                    con.close()
                raise
            finally:
                _DEFAULT_CAPS.pop(id(con), None)
                _remove(tmp)
                _remove(Path(str(tmp) + ".wal"))
                _remove(Path(str(tmp) + ".tmp"))       # DuckDB's spill folder
    raise AssertionError("unreachable")      # the last try returns or raises


def try_on_copy(path, fn: Callable[[duckdb.DuckDBPyConnection], object]):
    """Run ``fn`` on a private copy of the database and throw the copy away: a trial of a write
    (what would an import change?) that never touches the served file."""
    import shutil
    import tempfile

    path = Path(path)
    with tempfile.TemporaryDirectory(prefix=".trial-", dir=path.parent) as tmp:
        copy = Path(tmp) / path.name
        with _file_lock(path):       # a consistent file: no writer swaps it in mid-copy
            shutil.copyfile(path, copy)
        con = connect(copy)
        try:
            return fn(con)
        finally:
            con.close()


def has_table(con, name: str) -> bool:
    """Whether a table of that name exists on the connection (older databases lack newer tables)."""
    return bool(con.execute("SELECT 1 FROM duckdb_tables() WHERE table_name = ?", [name]).fetchall())
