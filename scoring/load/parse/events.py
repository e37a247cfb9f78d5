"""The project's own event CSV (the columns of the events table), checked by the shared event rules."""

from __future__ import annotations

import pandas as pd
import pyarrow.compute as pc

from scoring.errors import FormatError
from scoring.load import rules
from scoring.load.geo import state_polygons
from scoring.load.parse.common import Parsed, rejects_from
from scoring.load.validate import check_frame


def parse_events(df: pd.DataFrame, *, con, say) -> Parsed:
    if "event_id" not in df.columns or "date" not in df.columns:
        raise FormatError("is not an event file: it needs the columns of the events table "
                          "(event_id, date, date_precision, state_code, geo_precision, event_type, source_ids, ...)")
    codes = {r[0] for r in con.execute("SELECT state_code FROM states").fetchall()}
    corridors = {r[0] for r in con.execute("SELECT corridor_id FROM corridors").fetchall()}
    known = {r[0] for r in con.execute("SELECT source_id FROM sources").fetchall()}
    places = con.execute("SELECT place_id, kind, state_code, cvegeo FROM places WHERE kind='municipality'").df()
    n_read = len(df)
    # consumed: the cells as read are dropped once checked (the caller only deletes its frame)
    checked = check_frame(df, rules.event_fields(codes, corridors),
                          extra=rules.event_cross_checks(None, places, polygons=state_polygons()), consume=True)
    rows = checked.rows
    # ids of built-in events, asked of the database for this file's ids (not every built-in id
    # as a Python set: ten million strings in a large database)
    _file_ids = rows[["event_id"]]     # read by name in the SQL (store.FRAME_SCANS)
    seeds = {r[0] for r in con.execute("""SELECT DISTINCT e.event_id FROM events e JOIN _file_ids f USING (event_id)
                                          WHERE e.origin <> 'user'""").fetchall()}
    del _file_ids
    taken = rows["event_id"].isin(seeds)
    rejects = checked.rejects + rejects_from(
        rows, taken, "event_id", lambda sub: "id " + sub["event_id"].map(repr) + " belongs to a built-in event; choose another")
    rows = (rows.loc[~taken] if taken.any() else rows).drop(columns="_line")
    # User sources that are not yet known become user_file sources of this batch.
    rows["source_ids"] = rows["source_ids"].fillna("")
    say(f"read {n_read:,} event rows")
    release = rows["date"].max().strftime("%Y-%m") if len(rows) else None
    named: set[str] = set()
    for at in range(0, len(rows), 200_000):     # by slices: the lists of a million rows at once cost 100 MB
        named.update(pc.unique(rules.id_lists(rows["source_ids"].iloc[at:at + 200_000])[1]).to_pylist())
    new_sources = sorted(named - known)
    return Parsed("events", rows.reset_index(drop=True), rejects, n_read, release, new_sources=new_sources)
