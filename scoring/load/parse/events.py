"""The project's own event CSV (the columns of the events table), checked by the shared event rules.

A file is checked one block of rows at a time (:class:`EventRows`): the whole file as one
block, or, for a large file read as a stream (:mod:`scoring.load.stream`), block after block,
with the same result. The only rule that spans blocks, an id repeating an earlier row's, is
asked of the ids of the earlier blocks, kept in a temporary table.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from scoring.errors import FormatError
from scoring.load import rules
from scoring.load.geo import state_polygons
from scoring.load.parse.common import Parsed, rejects_from
from scoring.load.validate import arrow_text, check_frame


class EventRows:
    """The checked rows and rejects of an event file, block by block (:meth:`add`), then the
    batch's rows (:meth:`finish`)."""

    def __init__(self, con, say=lambda m: None):
        self.con, self.say = con, say
        codes = {r[0] for r in con.execute("SELECT state_code FROM states").fetchall()}
        corridors = {r[0] for r in con.execute("SELECT corridor_id FROM corridors").fetchall()}
        self.known = {r[0] for r in con.execute("SELECT source_id FROM sources").fetchall()}
        places = con.execute("SELECT place_id, kind, state_code, cvegeo FROM places WHERE kind='municipality'").df()
        self.fields = rules.event_fields(codes, corridors)
        self.extra = rules.event_cross_checks(None, places, polygons=state_polygons())
        self.parts: list[pd.DataFrame] = []
        self.rejects: list = []
        self.n_read = 0
        self.named: set[str] = set()
        self.blocks = 0
        self.latest = None         # the latest date of the good rows

    def add(self, df: pd.DataFrame, *, keep: bool = True) -> pd.DataFrame:
        """Check one block of the file's rows (its cells are dropped once checked); returns its
        good rows, also kept for :meth:`finish` unless ``keep`` is false (a block written at once)."""
        if "event_id" not in df.columns or "date" not in df.columns:
            raise FormatError("is not an event file: it needs the columns of the events table "
                              "(event_id, date, date_precision, state_code, geo_precision, event_type, source_ids, ...)")
        self.n_read += len(df)
        earlier = self._seen_before(df["event_id"])
        self.blocks += 1
        checked = check_frame(df, self.fields, extra=self.extra, consume=True,
                              repeats={"event_id": earlier} if earlier is not None else None)
        rows = checked.rows
        # ids of built-in events, asked of the database for this block's ids (not every built-in
        # id as a Python set: ten million strings in a large database)
        _file_ids = rows[["event_id"]]     # read by name in the SQL (store.FRAME_SCANS)
        seeds = {r[0] for r in self.con.execute("""SELECT DISTINCT e.event_id FROM events e
                                                   JOIN _file_ids f USING (event_id)
                                                   WHERE e.origin <> 'user'""").fetchall()}
        del _file_ids
        taken = rows["event_id"].isin(seeds)
        self.rejects += checked.rejects + rejects_from(
            rows, taken, "event_id",
            lambda sub: "id " + sub["event_id"].map(repr) + " belongs to a built-in event; choose another")
        rows = (rows.loc[~taken] if taken.any() else rows).drop(columns="_line")
        rows["source_ids"] = rows["source_ids"].fillna("")
        for at in range(0, len(rows), 200_000):     # by slices: the lists of a million rows at once cost 100 MB
            self.named.update(pc.unique(rules.id_lists(rows["source_ids"].iloc[at:at + 200_000])[1]).to_pylist())
        if len(rows):
            latest = rows["date"].max()
            self.latest = latest if self.latest is None else max(self.latest, latest)
        if keep:
            self.parts.append(rows)
        return rows

    def _seen_before(self, ids: pd.Series) -> np.ndarray | None:
        """From the second block on: True for each id an earlier block holds (the whole file's
        rule, "repeats the id of an earlier row", across blocks). None for the first block.

        The earlier ids are kept with their 64-bit hashes: a block's ids are matched on the
        hashes (integers: a scan of ten million strings, hashed again for every block, took
        5.8 s of a 10M-row import), then the few that match are compared as text."""
        _block_ids = pa.table({"event_id": arrow_text(ids, missing=""),
                               "pos": pa.array(np.arange(len(ids), dtype=np.int64))})
        con = self.con
        out = None
        if self.blocks:
            pos = con.execute("""WITH b AS (SELECT pos, event_id, hash(event_id) AS h FROM _block_ids
                                            WHERE event_id <> ''),
                                  c AS (SELECT * FROM b SEMI JOIN _seen_ids s ON s.h = b.h)
                                 SELECT c.pos FROM c SEMI JOIN _seen_ids s ON s.h = c.h AND s.event_id = c.event_id
                              """).fetchnumpy()["pos"]
            out = np.zeros(len(ids), dtype=bool)
            out[np.asarray(pos, dtype=np.int64)] = True
        else:
            con.execute("CREATE OR REPLACE TEMP TABLE _seen_ids (h UBIGINT, event_id VARCHAR)")
        con.execute("INSERT INTO _seen_ids SELECT DISTINCT hash(event_id), event_id FROM _block_ids "
                    "WHERE event_id <> ''")
        return out

    def close(self) -> None:
        """Drop the ids of the blocks read so far (also when a streamed reading gives up)."""
        if self.blocks:
            self.con.execute("DROP TABLE IF EXISTS _seen_ids")

    def finish(self) -> Parsed:
        """The batch: the kept rows (none when every block was written as it came), the rejects,
        the release (the month of the latest good row) and the sources not yet known."""
        self.close()
        # blocks' Arrow columns are chained, not copied
        rows = (pd.concat(self.parts, ignore_index=True) if len(self.parts) > 1 else self.parts[0]) if self.parts \
            else pd.DataFrame({"event_id": pd.Series([], dtype="str")})
        self.parts = []
        self.say(f"read {self.n_read:,} event rows")
        release = self.latest.strftime("%Y-%m") if self.latest is not None else None
        # User sources that are not yet known become user_file sources of this batch.
        new_sources = sorted(self.named - self.known)
        return Parsed("events", rows.reset_index(drop=True), sorted(self.rejects, key=lambda r: r.line),
                      self.n_read, release, new_sources=new_sources)


def parse_events(df: pd.DataFrame, *, con, say) -> Parsed:
    """The whole file as one block."""
    check = EventRows(con, say)
    check.add(df)
    return check.finish()
