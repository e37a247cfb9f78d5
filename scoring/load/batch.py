"""Writing a batch's rows: the supersession rule for statistics, events and their source links.

A newer release of the same statistics supersedes an older one's cells, whatever the order
the files arrive in (an older release never overwrites a newer value); a newer release of
the same event id replaces the older event. Callers hold the transaction.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from scoring.db import schema, store
from scoring.errors import FormatError
from scoring.load import rules
from scoring.load.parse.common import Parsed

# the columns placing an event reads (schema.PLACED_COPIES with the place), and their type when missing
_PLACING = {"latitude": pa.float64(), "longitude": pa.float64(), "municipality_code": pa.string(),
            "fatalities": pa.int32(), "actors": pa.string()}


def insert_events(con, df: pd.DataFrame, *, origin: str, batch_id: str | None, table: str = "events"):
    """Write validated event rows and their source links: one INSERT of the events and one of
    the links, each from an Arrow table (the rows' Arrow columns are not copied). Written in
    100,000-row chunks from pandas frames before, 2M events took 6.0 s; 4.7-5.2 s now.
    Returns the rows as written (an Arrow table), for their placement."""
    if df.empty:
        return None
    cols = [c for c in df.columns if c in rules.EVENT_COLUMNS and c != "source_id"]
    row, ids = rules.id_lists(df["source_ids"])
    first = np.flatnonzero(np.r_[True, row[1:] != row[:-1]]) if len(row) else row
    if len(first) != len(df):       # the checks refuse a row naming no source
        raise ValueError("an event row names no source")
    # read by name in the SQL (store.FRAME_SCANS)
    _events = pa.Table.from_pandas(df[cols], preserve_index=False).append_column("source_id", ids.take(first))
    names = ", ".join(_events.column_names)
    con.execute(f"INSERT INTO {table} ({names}, origin, batch_id) SELECT {names}, ?, ? FROM _events",
                [origin, batch_id])
    _events = _events.append_column("origin", pa.DictionaryArray.from_arrays(
        np.zeros(len(df), dtype=np.int8), pa.array([origin], pa.string())))
    for c, t in _PLACING.items():       # a column the file does not have is missing in the table
        if c not in _events.column_names:
            _events = _events.append_column(c, pa.nulls(len(df), t))
    # one link per event and source, in the order the row names them (a source named twice once)
    codes = pc.dictionary_encode(ids).indices.to_numpy()
    once = np.sort(np.unique(row.astype(np.int64) * (int(codes.max()) + 1) + codes, return_index=True)[1])
    event_ids = pa.array(df["event_id"].array, type=pa.large_string())
    _links = pa.table({"event_id": event_ids.take(row[once]), "source_id": ids.take(once)})
    con.execute("INSERT INTO event_sources (event_id, source_id) SELECT event_id, source_id FROM _links")
    return _events


def _release_rank(release) -> str:
    """Releases compare as YYYY-MM text; anything else ('unknown', none) ranks below them all."""
    return release if isinstance(release, str) and re.fullmatch(r"\d{4}-\d{2}", release) else ""


def _rank(alias: str) -> str:
    """SQL for :func:`_release_rank` of ``alias.release``."""
    return f"(CASE WHEN regexp_full_match({alias}.release, '[0-9]{{4}}-[0-9]{{2}}') THEN {alias}.release ELSE '' END)"


def _keep_replaced(con, table: str, replaced: str, batch_id: str, _stage: pd.DataFrame) -> None:
    """Copy the rows a batch is about to replace (``replaced``: a FROM ... clause over alias o,
    reading the batch's frame as ``_stage``, passed here so that SQL finds it by name)."""
    # the DELETE form "FROM t o USING s WHERE ..." read as a join for the SELECT
    con.execute(f"INSERT INTO replaced_{table} SELECT DISTINCT o.*, ? {replaced.replace(' USING ', ', ', 1)}",
                [batch_id])


def write_rows(con, parsed: Parsed, *, batch_id: str, release: str, origin: str) -> tuple[int, int]:
    """Write parsed rows with the supersession rule; returns (rows written, cells kept newer)."""
    df = parsed.rows
    if parsed.table == "official_stats":
        df = df.assign(release=release, batch_id=batch_id)
        for c in ("value_male", "value_female"):
            if c not in df:
                df[c] = np.nan
        _stage = df    # read by name (store.FRAME_SCANS)
        repeated = con.execute(f"SELECT count(*) - count(DISTINCT ({', '.join(schema.OFFICIAL_KEY)})) "
                               "FROM _stage").fetchone()[0]
        if repeated:      # the parsers refuse repeated cells; the table has no key to catch one
            raise AssertionError(f"{repeated} repeated official cell(s) reached the writer")
        key = "o.dataset = s.dataset AND o.state_code = s.state_code AND o.year = s.year AND o.month = s.month " \
              "AND o.crime_type = s.crime_type AND o.subtype = s.subtype AND o.modality = s.modality"
        # Cells a newer (or same-release, earlier-arrived... no: same release, later file wins) release holds stay.
        newer = con.execute(f"SELECT count(*) FROM _stage s JOIN official_stats o ON {key} "
                            f"WHERE {_rank('o')} > {_rank('s')} OR (s.value IS NULL AND o.value IS NOT NULL)").fetchall()[0][0]
        replaced = (f"FROM official_stats o USING _stage s WHERE {key} "
                    f"AND {_rank('o')} <= {_rank('s')} AND NOT (s.value IS NULL AND o.value IS NOT NULL)")
        _keep_replaced(con, "official_stats", replaced, batch_id, _stage)
        con.execute(f"DELETE {replaced}")
        con.execute(f"""INSERT INTO official_stats
            SELECT s.dataset, s.state_code, s.year, s.month, s.crime_type, s.subtype, s.modality, s.series,
                   s.value, s.value_male, s.value_female, s.release, s.batch_id
            FROM _stage s WHERE NOT EXISTS (SELECT 1 FROM official_stats o WHERE {key})""")
        return len(df) - newer, newer
    if parsed.table == "assessments":
        # an assessor's rating of a state on a date is replaced by a later file giving it again
        df = df.assign(batch_id=batch_id)
        _stage = df    # read by name (store.FRAME_SCANS)
        replaced = ("FROM assessments o USING _stage s "
                    "WHERE o.assessor = s.assessor AND o.as_of = s.as_of AND o.state_code = s.state_code")
        _keep_replaced(con, "assessments", replaced, batch_id, _stage)
        con.execute(f"DELETE {replaced}")
        con.execute("""INSERT INTO assessments SELECT state_code, assessor, as_of, level, level_max, level_name,
                       batch_id FROM _stage""")
        return len(df), 0
    if parsed.table == "population":
        df = df.assign(release=release, batch_id=batch_id)
        _stage = df    # read by name (store.FRAME_SCANS)
        key = "o.state_code = s.state_code AND o.year = s.year"
        newer = con.execute(f"SELECT count(*) FROM _stage s JOIN population o ON {key} WHERE {_rank('o')} > {_rank('s')}").fetchall()[0][0]
        replaced = f"FROM population o USING _stage s WHERE {key} AND {_rank('o')} <= {_rank('s')}"
        _keep_replaced(con, "population", replaced, batch_id, _stage)
        con.execute(f"DELETE {replaced}")
        con.execute(f"""INSERT INTO population SELECT s.state_code, s.year, s.pop_mid_year, s.pop_start_of_year,
            s.release, s.batch_id FROM _stage s WHERE NOT EXISTS (SELECT 1 FROM population o WHERE {key})""")
        return len(df) - newer, newer
    # events: a newer release of the same event id replaces the older one
    writer = EventWriter(con, origin={"ucdp": "ucdp", "acled": "acled"}.get(origin, "user"), batch_id=batch_id)
    writer.write(df)
    return writer.finish(release)


class EventWriter:
    """A batch's events written block by block (a large file is never whole in memory), each
    block placed on corridors and in municipalities as it is written, with the supersession
    rule settled at the end, once the batch's release is known: where an id of the batch is
    already held by another batch, the newer release keeps it (the older row and its source
    links go to ``replaced_*``), and an older or equal release gives way to the batch.

    The source links and placements of such ids are set aside as each block is written
    (``event_sources``, ``event_corridor`` and ``event_municipality`` have no batch column to
    tell old rows from new ones afterwards). A batch whose id is not known yet (``batch_id``
    None: its release comes from its rows) is written to a staging table and moved into
    ``events`` under its id at the end (an UPDATE of millions of rows is far slower). Callers
    hold the transaction; the ids within a batch are unique (the checks refuse a repeat)."""

    PLACED = ("event_sources", "event_corridor", "event_municipality")

    def __init__(self, con, *, origin: str, batch_id: str | None):
        self.con, self.origin, self.batch_id = con, origin, batch_id
        self.table = "events" if batch_id is not None else "_staged_events"
        self.written = 0
        self.blocks = 0
        self.places = [t for t, need in (("event_corridor", "corridor_waypoints"),
                                         ("event_municipality", "event_municipality")) if store.has_table(con, need)]
        for t in self.places:
            schema.upgrade_placement(con, t)
        con.execute("CREATE OR REPLACE TEMP TABLE _clash (event_id VARCHAR, release VARCHAR, block INTEGER)")
        for t in ("event_sources", *self.places):
            con.execute(f"CREATE OR REPLACE TEMP TABLE _old_{t} AS SELECT * FROM {t} LIMIT 0")
        if batch_id is None:
            con.execute("CREATE OR REPLACE TEMP TABLE _staged_events AS SELECT * FROM events LIMIT 0")

    def write(self, df: pd.DataFrame) -> None:
        """Write and place one block of checked rows (and their source links)."""
        if df.empty:
            return
        con = self.con
        self.blocks += 1
        _ids = df[["event_id"]]      # a relation, not a million-item parameter list (store.FRAME_SCANS)
        # the block (the smaller side) is the join's build side: one scan of the events' ids
        con.execute("""INSERT INTO _clash SELECT DISTINCT e.event_id, b.release, ? FROM events e
                       JOIN _ids i USING (event_id) LEFT JOIN ingest_batches b ON b.batch_id = e.batch_id
                       WHERE e.batch_id IS DISTINCT FROM ?""", [self.blocks, self.batch_id])
        del _ids
        if con.execute("SELECT count(*) FROM _clash WHERE block = ?", [self.blocks]).fetchone()[0]:
            held = "SELECT event_id FROM _clash WHERE block = ?"
            for t in ("event_sources", *self.places):
                con.execute(f"INSERT INTO _old_{t} SELECT s.* FROM {t} s WHERE s.event_id IN ({held})", [self.blocks])
                con.execute(f"DELETE FROM {t} WHERE event_id IN ({held})", [self.blocks])
        block = insert_events(con, df, origin=self.origin, batch_id=self.batch_id, table=self.table)
        self.written += len(df)
        if self.places:
            from scoring.load import municipal, proximity

            if "event_corridor" in self.places:
                proximity.place_block(con, block)
            if "event_municipality" in self.places:
                municipal.place_block(con, block)

    def finish(self, release, batch_id: str | None = None) -> tuple[int, int]:
        """Settle the ids held by other batches (``batch_id``: the id of a batch written without
        one); returns (rows kept, rows that gave way to a newer release)."""
        con = self.con
        if self.batch_id is None:
            self.batch_id = batch_id
            con.execute("INSERT INTO events SELECT * REPLACE (CAST(? AS VARCHAR) AS batch_id) FROM _staged_events",
                        [batch_id])
            con.execute("DROP TABLE _staged_events")
        b = self.batch_id
        con.execute(f"CREATE OR REPLACE TEMP TABLE _newer AS SELECT DISTINCT event_id FROM _clash c "
                    f"WHERE {_rank('c')} > ?", [_release_rank(release)])
        newer = con.execute("SELECT count(*) FROM _newer").fetchone()[0]
        if newer:       # the batch's rows give way: the older rows keep their links and places
            con.execute("DELETE FROM events WHERE batch_id = ? AND event_id IN (SELECT event_id FROM _newer)", [b])
            for t in ("event_sources", *self.places):
                con.execute(f"DELETE FROM {t} WHERE event_id IN (SELECT event_id FROM _newer)")
                con.execute(f"INSERT INTO {t} SELECT * FROM _old_{t} WHERE event_id IN (SELECT event_id FROM _newer)")
        replaced = "SELECT event_id FROM _clash EXCEPT SELECT event_id FROM _newer"
        if con.execute(f"SELECT count(*) FROM ({replaced})").fetchone()[0]:
            con.execute(f"""INSERT INTO replaced_events SELECT o.*, ? FROM events o
                            WHERE o.event_id IN ({replaced}) AND o.batch_id IS DISTINCT FROM ?""", [b, b])
            con.execute(f"DELETE FROM events WHERE event_id IN ({replaced}) AND batch_id IS DISTINCT FROM ?", [b])
            con.execute(f"INSERT INTO replaced_event_sources SELECT l.*, ? FROM _old_event_sources l "
                        f"WHERE l.event_id IN ({replaced})", [b])
        for t in ("_clash", "_newer", *(f"_old_{t}" for t in ("event_sources", *self.places))):
            con.execute(f"DROP TABLE IF EXISTS {t}")
        return self.written - newer, newer


# --- listing and removing batches ---------------------------------------------------------------

# The key of each replaceable table: a replaced row comes back only where no other batch holds it.
_KEYS = {
    "official_stats": ("dataset", "state_code", "year", "month", "crime_type", "subtype", "modality"),
    "population": ("state_code", "year"),
    "assessments": ("assessor", "as_of", "state_code"),
    "events": ("event_id",),
}
EMBEDDED_PREFIXES = ("build:", "derived:")


def list_batches(con) -> pd.DataFrame:
    """Every batch, newest first: id, when, file, format, release, rows, and whether it is part of
    the embedded data (rebuilt, not removed) or an import (removable)."""
    df = con.execute("""SELECT batch_id, loaded_at, file_name, format, release, rows_read, rows_loaded,
                               rows_rejected, rows_superseded, note FROM ingest_batches
                        ORDER BY loaded_at DESC, batch_id""").df()
    df.insert(1, "kind", ["embedded" if b.startswith(EMBEDDED_PREFIXES) else "import" for b in df["batch_id"]])
    return df


def remove_batch(con, batch_id: str) -> dict[str, int]:
    """Take one imported batch out, as if it had never been imported: its rows go, the rows it
    replaced come back (unless a later batch holds them), its rejects and record go. The caller
    holds the transaction and refreshes what derives from the tables (quality flags, proximity).
    Returns rows removed and restored per table."""
    found = con.execute("SELECT batch_id FROM ingest_batches WHERE batch_id = ?", [batch_id]).fetchall()
    if not found and not batch_id.startswith(EMBEDDED_PREFIXES):
        raise FormatError(f"no batch {batch_id!r}; `python -m scoring batches` lists them")
    if batch_id.startswith(EMBEDDED_PREFIXES):
        raise FormatError(f"batch {batch_id!r} is part of the embedded data; rebuild instead "
                          "(python -m scoring build)")
    counts: dict[str, int] = {}
    ev_ids = [r[0] for r in con.execute("SELECT event_id FROM events WHERE batch_id = ?", [batch_id]).fetchall()]
    if ev_ids:
        con.execute("DELETE FROM event_corridor WHERE event_id IN (SELECT unnest(?))", [ev_ids])
        if store.has_table(con, "event_municipality"):
            con.execute("DELETE FROM event_municipality WHERE event_id IN (SELECT unnest(?))", [ev_ids])
        con.execute("DELETE FROM event_sources WHERE event_id IN (SELECT unnest(?))", [ev_ids])
    restored_events = [r[0] for r in con.execute(
        "SELECT event_id FROM replaced_events WHERE replaced_by = ?", [batch_id]).fetchall()]
    for table, key in _KEYS.items():
        counts[f"{table} removed"] = _count(con, f"SELECT count(*) FROM {table} WHERE batch_id = ?", batch_id)
        con.execute(f"DELETE FROM {table} WHERE batch_id = ?", [batch_id])
        con.execute(f"DELETE FROM replaced_{table} WHERE batch_id = ?", [batch_id])   # its own, replaced later
        match = " AND ".join(f"o.{k} = r.{k}" for k in key)
        # a row this batch replaced whose key a later batch now holds is now replaced by that batch
        con.execute(f"""UPDATE replaced_{table} r SET replaced_by = o.batch_id FROM {table} o
                        WHERE r.replaced_by = ? AND {match}""", [batch_id])
        cols = ", ".join(c for c in _columns(con, table))
        counts[f"{table} restored"] = _count(con, f"SELECT count(*) FROM replaced_{table} WHERE replaced_by = ?",
                                             batch_id)
        con.execute(f"INSERT INTO {table} SELECT {cols} FROM replaced_{table} WHERE replaced_by = ?", [batch_id])
        con.execute(f"DELETE FROM replaced_{table} WHERE replaced_by = ?", [batch_id])
    # the sources of restored events come back with them
    cols = ", ".join(_columns(con, "event_sources"))
    con.execute(f"""INSERT INTO event_sources SELECT {cols} FROM replaced_event_sources
                    WHERE replaced_by = ? AND event_id IN (SELECT event_id FROM events)""", [batch_id])
    con.execute("DELETE FROM replaced_event_sources WHERE replaced_by = ?", [batch_id])
    con.execute("""DELETE FROM sources WHERE kind IN ('user_file', 'article') AND provenance = ?
                   AND source_id NOT IN (SELECT source_id FROM event_sources)""", [f"imported in batch {batch_id}"])
    con.execute("DELETE FROM rejected_rows WHERE batch_id = ?", [batch_id])
    con.execute("DELETE FROM ingest_batches WHERE batch_id = ?", [batch_id])
    counts["restored_event_ids"] = len(restored_events)
    return counts


def _count(con, sql: str, *params) -> int:
    return con.execute(sql, list(params)).fetchall()[0][0]


def _columns(con, table: str) -> list[str]:
    return [r[0] for r in con.execute("SELECT column_name FROM duckdb_columns() WHERE table_name = ? "
                                      "ORDER BY column_index", [table]).fetchall()]
