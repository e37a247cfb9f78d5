"""``python -m scoring ingest PATH --format FORMAT``: bring a user's file into the database.

Every import is one batch: the file's checksum, format, release and row counts are
recorded, good rows are written, every rejected row is kept with its line and reason,
and all of it happens in one transaction (a failure leaves the database unchanged).

Formats (see :data:`FORMATS`, one parser each in :mod:`scoring.load.parse`): ``sesnsp`` and
``sesnsp-victims`` (official wide layout or the tidy long layout), ``ucdp`` (GED), ``acled``
(standard export), ``events`` (the project's own event CSV) and ``population`` (CONAPO by
state and year).

Every format is read from CSV or from Parquet (:mod:`scoring.load.parquet`, known by its
magic bytes, not its name): a Parquet file's columns become the text cells a CSV export would
hold, and the same checks follow. An event file in Parquet is always read as a stream.

Rules that hold for every format:
* re-importing the same file (same checksum, format and release) changes nothing;
* a newer release supersedes an older one (:mod:`scoring.load.batch`);
* a cell left empty in the source is *missing*, never zero;
* a state name resolves through ``data/reference/state_names.csv`` or the row is
  rejected with its reason: no guessing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import queue
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from scoring import paths
from scoring.db import store
from scoring.errors import FormatError
from scoring.load import municipal, parquet, proximity, quality, stream
from scoring.load.batch import EventWriter, list_batches, remove_batch, write_rows
from scoring.load.geo import state_polygons
from scoring.load.names import StateNames
from scoring.load.parse.acled import parse_acled
from scoring.load.parse.assessment import parse_assessment
from scoring.load.parse.common import Parsed
from scoring.load.parse.events import EventRows, parse_events
from scoring.load.parse.inegi import parse_inegi_deaths
from scoring.load.parse.population import parse_population
from scoring.load.parse.rnpdno import parse_rnpdno
from scoring.load.parse.sesnsp import parse_sesnsp
from scoring.load.parse.ucdp import parse_ucdp
from scoring.load.reference import read_crime_map
from scoring.load.validate import (
    MAX_COLUMNS,
    TEXT,
    Reject,
    _utf16,
    current_month,
    parse_csv_bytes,
    release_memory,
    reusing_memory,
)


@dataclass
class BatchResult:
    batch_id: str
    file: str
    format: str
    release: str | None
    rows_read: int
    loaded: int
    rejected: int
    superseded: int = 0
    already_loaded: bool = False
    notes: list[str] = field(default_factory=list)
    first_rejects: list[Reject] = field(default_factory=list)   # the first few, for the summary

    def summary(self) -> str:
        if self.already_loaded:
            return f"{self.file}: already imported as batch {self.batch_id}; nothing changed"
        s = (f"{self.file}: loaded {self.loaded:,}, rejected {self.rejected:,}"
             f"{f', kept newer values for {self.superseded:,}' if self.superseded else ''}; batch {self.batch_id}")
        if self.rejected:
            shown = "; ".join(_one_line(f"line {r.line}" + (f", field '{r.field}'" if r.field else "")
                                        + f": {r.reason}") for r in self.first_rejects)
            more = (f"; the other {self.rejected - len(self.first_rejects):,}"
                    if self.rejected > len(self.first_rejects) else "; all of them")
            s += f". First rejected: {shown}{more} with: python -m scoring rejects {self.batch_id}"
        return s


def _one_line(text: str, limit: int = 200) -> str:
    """A user's text on one terminal line: control characters shown escaped, long text cut."""
    out = "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(text))
    return out if len(out) <= limit else out[: limit - 3] + "..."


def safe_name(path: Path) -> str:
    """A file's name as text that can be stored and printed (a name that is not valid UTF-8
    keeps its undecodable bytes as \\xNN)."""
    return os.fsencode(path.name).decode("utf-8", errors="backslashreplace")



# Formats taken whole or not at all: half an assessment would skew every agreement figure.
WHOLE_FILE_FORMATS = ("assessment",)
FORMATS = ("sesnsp", "sesnsp-victims", "sesnsp-homologated", "sesnsp-federal", "rnpdno", "ucdp", "acled", "events",
           "population", "assessment", "inegi-deaths")


def _sniff(path: Path, raw: bytes) -> None:
    """Refuse, from the file's first bytes, a file delimited by ';' or tabs."""
    enc = _utf16(raw)
    sample = raw[:4000].decode(enc, "replace")[:2000] if enc else raw[:2000].decode("utf-8", "replace")
    if sample.count(";") > sample.count(",") and sample.count(",") < 2:
        raise FormatError(f"{path}: uses ';' as the delimiter; export it as comma-separated CSV")
    if "\t" in sample.split("\n", 1)[0] and "," not in sample.split("\n", 1)[0]:
        raise FormatError(f"{path}: is tab-separated; export it as comma-separated CSV")


def read_user_file(path: Path) -> tuple[pd.DataFrame, str]:
    if parquet.is_parquet(path):
        checksum = stream.sha256(path)
        df = parquet.read(path, text_dtype=TEXT, max_columns=MAX_COLUMNS)
        if len(df.columns) < 3:
            raise FormatError(f"{path}: has {len(df.columns) - 1} column(s); this is not an export of the expected kind")
        return df, checksum
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise FormatError(f"{path}: no such file") from None
    except OSError as exc:
        raise FormatError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    checksum = hashlib.sha256(raw).hexdigest()
    _sniff(path, raw)
    df = parse_csv_bytes(raw, path)
    del raw
    release_memory()
    if len(df.columns) < 3:
        raise FormatError(f"{path}: has {len(df.columns) - 1} column(s); this is not a CSV export of the expected kind")
    return df, checksum


def parse(path: Path, fmt: str, *, con, say=lambda m: None) -> tuple[Parsed, str]:
    if fmt not in FORMATS:
        raise FormatError(f"unknown format {fmt!r}; choose one of: {', '.join(FORMATS)}")
    df, checksum = read_user_file(path)
    # rows the reader could not split into the header's fields: rejected here for every format
    # (and counted as read), not left to each parser
    unreadable = df.attrs.pop("ragged", [])
    names = StateNames()
    try:
        if fmt in ("sesnsp", "sesnsp-victims", "sesnsp-homologated", "sesnsp-federal"):
            crime_map = con.execute("SELECT crime_type, subtype, modality, series FROM crime_map").df()
            if crime_map.empty:
                crime_map = read_crime_map()
            parsed = parse_sesnsp(df, victims=fmt == "sesnsp-victims", names=names, crime_map=crime_map, say=say,
                                  homologated=fmt == "sesnsp-homologated", federal=fmt == "sesnsp-federal")
        elif fmt == "inegi-deaths":
            parsed = parse_inegi_deaths(df, names=names, say=say)
        elif fmt == "assessment":
            parsed = parse_assessment(df, names=names, say=say)
        elif fmt == "rnpdno":
            parsed = parse_rnpdno(df, names=names, say=say)
        elif fmt == "ucdp":
            parsed = parse_ucdp(df, names=names, polygons=state_polygons(), say=say)
        elif fmt == "acled":
            parsed = parse_acled(df, names=names, say=say, polygons=state_polygons())
        elif fmt == "events":
            parsed = parse_events(df, con=con, say=say)
        else:
            parsed = parse_population(df, names=names, say=say)
    except FormatError as exc:
        raise FormatError(f"{path}: {exc}") from None
    del df
    release_memory()
    return _finish_parse(parsed, path, fmt, unreadable), checksum


def _finish_parse(parsed: Parsed, path: Path, fmt: str, unreadable: list[Reject]) -> Parsed:
    parsed.rejects = _one_per_line(sorted(unreadable + parsed.rejects, key=lambda r: r.line))
    parsed.rows_read += len(unreadable)
    if fmt in WHOLE_FILE_FORMATS and parsed.rejects:
        first = parsed.rejects[0]
        more = f" (and {len(parsed.rejects) - 1} more bad row(s))" if len(parsed.rejects) > 1 else ""
        raise FormatError(f"{first.message(path)}{more}; an assessment is taken whole or not at all: "
                          "nothing was imported")
    return parsed


def _one_per_line(rejects: list[Reject]) -> list[Reject]:
    """One reject per line of the file, in line order: a line refused for several reasons keeps
    its first field and lists the others in its reason."""
    by_line: dict[int, Reject] = {}
    for r in rejects:
        first = by_line.get(r.line)
        if first is None:
            by_line[r.line] = r
        elif r.reason not in first.reason:
            by_line[r.line] = Reject(first.line, first.field, f"{first.reason}; also {r.field}: {r.reason}", first.raw)
    return [by_line[k] for k in sorted(by_line)]


def ingest(path, fmt: str, db=None, *, release: str | None = None, say: Callable = lambda m: None,
           con=None, sources: dict[str, dict] | None = None) -> BatchResult:
    """Import one file as one batch (see the module docstring for the rules). ``sources``
    describes new source ids the file names (an article's title, publisher, published, url,
    date_basis), recorded as ``article`` sources of the batch instead of bare ``user_file`` ones."""
    path = Path(path)
    if release is not None and not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", release):
        raise FormatError(f"--release must be YYYY-MM, got {release!r}")
    this_month = "{:04d}-{:02d}".format(*current_month())
    if release is not None and not ("1900-01" <= release <= this_month):
        raise FormatError(f"--release {release} is " + ("in the future" if release > this_month else "before 1900")
                          + f"; a release is a month that has been published (at the latest {this_month})")
    if con is None:
        # the one writers' path: on a copy of the database, swapped in under the writers' lock,
        # so a CLI import, a page import and a removal never overwrite each other's batches
        target = paths.db_path(db)
        _check_database(target)
        return store.apply_to_copy(target, lambda c: ingest(path, fmt, release=release, say=say, con=c,
                                                            sources=sources), on_wait=say, limit_memory=True)
    streamed = _ingest_streamed(path, fmt, con=con, release=release, say=say, sources=sources)
    if streamed is not None:
        return streamed
    parsed, checksum = parse(path, fmt, con=con, say=say)
    rel_, batch_id = _release_and_id(parsed, release, fmt, checksum)
    seen = con.execute("SELECT batch_id FROM ingest_batches WHERE batch_id = ?", [batch_id]).fetchall()
    if seen:
        return BatchResult(batch_id, safe_name(path), fmt, rel_, parsed.rows_read, 0, 0, already_loaded=True)
    store.make_room(con, int(parsed.rows.memory_usage(deep=True).sum()))
    with store.transaction(con):
        loaded, superseded = write_rows(con, parsed, batch_id=batch_id, release=rel_, origin=fmt)
        # written: its memory back before the events are placed (an empty slice, iloc[:0], would
        # keep every Arrow buffer of the rows alive: 350 MB through the placement of 1M events)
        parsed.rows = pd.DataFrame({c: pd.Series([], dtype=t) for c, t in parsed.rows.dtypes.items()})
        release_memory()
        return _complete(con, parsed, path=path, fmt=fmt, batch_id=batch_id, release=rel_, checksum=checksum,
                         loaded=loaded, superseded=superseded, sources=sources)


def _release_and_id(parsed: Parsed, release: str | None, fmt: str, checksum: str) -> tuple[str, str]:
    """The batch's release (given, else the file's latest month, at most the current one) and id."""
    this_month = "{:04d}-{:02d}".format(*current_month())
    if parsed.release is not None and parsed.release > this_month:
        # rows may run a few days ahead (a date within the next month); a release cannot
        parsed.notes.append(f"the file's last month {parsed.release} is after the current month; "
                            f"its release is taken as {this_month}")
        parsed.release = this_month
    rel_ = release or parsed.release or "unknown"
    if rel_ == "unknown":
        parsed.notes.append("no --release given and the file does not show one: its values never replace "
                            "values of a known release (pass --release YYYY-MM to say how recent it is)")
    return rel_, f"{fmt}-{checksum[:10]}-{rel_}"


def _complete(con, parsed: Parsed, *, path: Path, fmt: str, batch_id: str, release: str, checksum: str,
              loaded: int, superseded: int, sources) -> BatchResult:
    """What follows the rows' writing, in the same transaction: quality flags, new sources, the
    batch's record and its rejected rows."""
    if parsed.table == "official_stats":
        quality.flag_all(con)  # gaps and suspect zeros of the new months, in the same transaction
    # (events are placed on corridors and in municipalities as they are written: batch.EventWriter)
    if parsed.new_sources:
        store.insert_df(con, "sources", _new_sources(parsed.new_sources, sources or {}, path, batch_id))
        for sid in parsed.new_sources:
            if sid in (sources or {}):
                parsed.notes.append(f"source {sid}: " + ", ".join(
                    f"{k} {v}" for k, v in sources[sid].items() if v and k != "title")
                    + f" ('{sources[sid].get('title') or sid}')")
    store.insert_df(con, "ingest_batches", pd.DataFrame([{
        "batch_id": batch_id, "loaded_at": dt.datetime.now(dt.UTC).replace(tzinfo=None),
        "file_name": safe_name(path), "checksum": checksum, "format": fmt, "release": release,
        "rows_read": parsed.rows_read, "rows_loaded": loaded, "rows_rejected": len(parsed.rejects),
        "rows_superseded": superseded, "note": " | ".join(parsed.notes) or None}]))
    if parsed.rejects:
        store.insert_df(con, "rejected_rows", pd.DataFrame(
            [{"batch_id": batch_id, "line": r.line, "field": r.field, "reason": r.reason, "raw": r.raw[:2000]}
             for r in parsed.rejects]))
    return BatchResult(batch_id, safe_name(path), fmt, release, parsed.rows_read, loaded, len(parsed.rejects),
                       superseded, notes=parsed.notes, first_rejects=parsed.rejects[:3])


class _Declined(Exception):
    """The block reader cannot take this file: it is read whole instead (nothing kept)."""


class _AlreadyLoaded(Exception):
    pass


def _ingest_streamed(path: Path, fmt: str, *, con, release, say, sources) -> BatchResult | None:
    """A large event file imported block by block (:mod:`scoring.load.stream`), in one
    transaction; None when the file is not one to stream (the whole-file import follows).

    Two threads: this one reads and checks block k+1 while a writer thread writes and places
    block k (DuckDB, Arrow and numpy let go of the interpreter while they work; on two cores the
    writing hides behind the checks). At most two checked blocks wait for the writer. The checks
    ask their questions of the database through a cursor of their own: the write transaction
    is the writer's. The file's checksum comes first, from a pass of its own (2 GB in about two
    seconds), so that a file already imported stops there."""
    if fmt != "events":
        return None
    from_parquet = parquet.is_parquet(path)
    try:
        if path.stat().st_size < stream.STREAM_FROM and not from_parquet:
            return None
        checksum = stream.sha256(path)
    except OSError:
        return None          # the whole-file reading says why
    if release is not None:
        batch_id = f"{fmt}-{checksum[:10]}-{release}"
        seen = con.execute("SELECT rows_read FROM ingest_batches WHERE batch_id = ?", [batch_id]).fetchall()
        if seen:
            return BatchResult(batch_id, safe_name(path), fmt, release, seen[0][0], 0, 0, already_loaded=True)
    else:
        batch_id = None            # known once the release is (the rows are staged until then)
    reader = con.cursor()
    check = EventRows(reader, say)
    store.make_room(con, stream.write_memory_for(path.stat().st_size))
    blocks: queue.Queue = queue.Queue(maxsize=2)
    failed: list[BaseException] = []

    def write_blocks(writer):
        while (rows := blocks.get()) is not None:
            if not failed:
                try:
                    writer.write(rows)
                except BaseException as exc:   # handed to the reading thread, which stops
                    failed.append(exc)
            del rows

    def add(frame):
        if failed:
            raise failed[0]
        try:
            rows = check.add(frame, keep=False)
        except FormatError as exc:
            raise FormatError(f"{path}: {exc}") from None
        blocks.put(rows)
        del rows
        if check.blocks % 4 == 0:
            say(f"checked and wrote {check.n_read:,} rows")

    try:
        with reusing_memory(), store.transaction(con):
            writer = EventWriter(con, origin="user", batch_id=batch_id)
            thread = threading.Thread(target=write_blocks, args=(writer,), name="import-writer", daemon=True)
            thread.start()
            try:
                if from_parquet:      # blocks of rows; the checksum again at the end (a file changed meanwhile)
                    for frame in parquet.frames(path, text_dtype=TEXT, max_columns=MAX_COLUMNS):
                        add(frame)
                        del frame
                    digest = stream.sha256(path)
                else:
                    digest = stream.read_blocks(path, lambda first: _sniff(path, first), add)
            finally:
                blocks.put(None)
                thread.join()          # before the transaction ends, either way
            if failed:
                raise failed[0]
            if digest is None or not check.blocks:
                raise _Declined
            if digest != checksum:
                raise FormatError(f"{path}: changed while it was being imported; nothing was imported, "
                                  "import it again once it is complete")
            parsed = _finish_parse(check.finish(), path, fmt, [])
            rel_, final_id = _release_and_id(parsed, release, fmt, checksum)
            if release is None:
                seen = con.execute("SELECT rows_read FROM ingest_batches WHERE batch_id = ?", [final_id]).fetchall()
                if seen:
                    raise _AlreadyLoaded(final_id, rel_, seen[0][0])
            loaded, superseded = writer.finish(rel_, final_id)
            return _complete(con, parsed, path=path, fmt=fmt, batch_id=final_id, release=rel_, checksum=checksum,
                             loaded=loaded, superseded=superseded, sources=sources)
    except _Declined:
        return None
    except _AlreadyLoaded as done:
        final_id, rel_, rows_read = done.args
        return BatchResult(final_id, safe_name(path), fmt, rel_, rows_read, 0, 0, already_loaded=True)
    finally:
        check.close()
        reader.close()
        release_memory()


def _new_sources(ids: list[str], meta: dict[str, dict], path: Path, batch_id: str) -> pd.DataFrame:
    """Rows of ``sources`` for the new source ids of a batch: an article described in ``meta``,
    else a bare source named in the file."""
    rows = []
    for sid in ids:
        m = meta.get(sid) or {}
        rows.append({"source_id": sid, "kind": "article" if m else "user_file",
                     "title": m.get("title") or f"source named in {safe_name(path)}",
                     "publisher": m.get("publisher") or None, "published": m.get("published") or None,
                     "date_basis": m.get("date_basis") or None, "url": m.get("url") or None,
                     "provenance": f"imported in batch {batch_id}", "file": safe_name(path)})
    return pd.DataFrame(rows)


def check_database(target: Path) -> None:
    """A database of this project that can be opened, or a one-line reason (exit 2)."""
    if not target.exists():
        raise FormatError(f"{target}: no database here; run `python -m scoring build` first")
    if not target.is_file():
        raise FormatError(f"{target}: is not a database file")
    try:
        with open(target, "rb") as f:
            head = f.read(16)
    except OSError as exc:
        raise FormatError(f"{target}: cannot be read ({exc.strerror or exc})") from None
    if len(head) < 16 or head[8:12] != b"DUCK":
        raise FormatError(f"{target}: is not a DuckDB database (damaged, truncated or another kind of file)")
    con = _open(target, read_only=True)    # a process writing it in place (not one of ours) is refused
    try:
        con.execute("SELECT count(*) FROM duckdb_tables()").fetchall()
        if not store.has_table(con, "ingest_batches"):
            raise FormatError(f"{target}: is a DuckDB database but not one of this project's "
                              "(no ingest_batches table); run `python -m scoring build` to make one")
    except duckdb.Error as exc:
        raise FormatError(f"{target}: is not a valid database (damaged or truncated: {_first_line(exc)}); "
                          "rebuild it with `python -m scoring build`") from None
    finally:
        con.close()


_check_database = check_database


def _first_line(exc) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def _open(target: Path, *, read_only: bool = False):
    """Open the database; a missing, locked or damaged file is the user's to fix, not a bug."""
    if not target.exists():
        raise FormatError(f"{target}: no database here; run `python -m scoring build` first")
    if not target.is_file():
        raise FormatError(f"{target}: is not a database file")
    try:
        return store.connect(target, read_only=read_only)
    except duckdb.Error as exc:
        first = _first_line(exc)
        if isinstance(exc, duckdb.IOException) and "lock" in first.lower():
            raise FormatError(f"{target}: cannot open the database ({first}); another process (the dashboard, "
                              "a build or an import) may be using it") from None
        raise FormatError(f"{target}: is not a valid database (damaged, truncated or another kind of file: "
                          f"{first}); rebuild it with `python -m scoring build`") from None


def list_rejects(db=None, batch: str | None = None) -> pd.DataFrame:
    con = _open(paths.db_path(db), read_only=True)
    try:
        if batch:
            return con.execute("SELECT batch_id, line, field, reason, raw FROM rejected_rows WHERE batch_id = ? "
                               "ORDER BY line", [batch]).df()
        return con.execute("SELECT batch_id, line, field, reason, raw FROM rejected_rows ORDER BY batch_id, line").df()
    finally:
        con.close()


def batches(db=None) -> pd.DataFrame:
    """Every batch in the database (:func:`scoring.load.batch.list_batches`)."""
    con = _open(paths.db_path(db), read_only=True)
    try:
        return list_batches(con)
    finally:
        con.close()


def remove(batch_id: str, db=None, *, con=None, say: Callable = lambda m: None) -> dict[str, int]:
    """Remove one imported batch in one transaction, then refresh what derives from the tables
    (quality flags; corridor distances of restored events). All or nothing."""
    if con is None:          # the one writers' path, as for an import
        target = paths.db_path(db)
        _check_database(target)
        return store.apply_to_copy(target, lambda c: remove(batch_id, con=c), on_wait=say)
    with store.transaction(con):
        counts = remove_batch(con, batch_id)
        quality.flag_all(con)
        if store.has_table(con, "corridor_waypoints"):
            for (b,) in con.execute("""SELECT DISTINCT batch_id FROM events WHERE event_id NOT IN
                                       (SELECT event_id FROM event_corridor)""").fetchall():
                proximity.refresh(con, b)
        if store.has_table(con, "event_municipality"):
            municipal.refresh_placement(con)     # restored events are placed again (all: a fraction of a second)
    return counts

