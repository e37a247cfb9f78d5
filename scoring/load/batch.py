"""Writing a batch's rows: the supersession rule for statistics, events and their source links.

A newer release of the same statistics supersedes an older one's cells, whatever the order
the files arrive in (an older release never overwrites a newer value); a newer release of
the same event id replaces the older event. Callers hold the transaction.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from scoring.db import store
from scoring.load import rules
from scoring.load.parse.common import Parsed


def insert_events(con, df: pd.DataFrame, *, origin: str, batch_id: str) -> int:
    """Write validated event rows and their source links."""
    if df.empty:
        return 0
    ev = df.drop(columns=[c for c in ("_line",) if c in df.columns]).copy()
    src_lists = ev.pop("source_ids").map(rules.split_ids)
    ev["source_id"] = src_lists.map(lambda xs: xs[0])
    ev["origin"] = origin
    ev["batch_id"] = batch_id
    cols = [c for c in ev.columns if c in rules.EVENT_COLUMNS]
    store.insert_df(con, "events", ev[cols])
    links = pd.DataFrame(
        [(e, s) for e, xs in zip(ev["event_id"], src_lists) for s in dict.fromkeys(xs)],
        columns=["event_id", "source_id"],
    )
    store.insert_df(con, "event_sources", links)
    return len(ev)


def _release_rank(release) -> str:
    """Releases compare as YYYY-MM text; anything else ('unknown', none) ranks below them all."""
    return release if isinstance(release, str) and re.fullmatch(r"\d{4}-\d{2}", release) else ""


def _rank(alias: str) -> str:
    """SQL for :func:`_release_rank` of ``alias.release``."""
    return f"(CASE WHEN regexp_full_match({alias}.release, '[0-9]{{4}}-[0-9]{{2}}') THEN {alias}.release ELSE '' END)"


def write_rows(con, parsed: Parsed, *, batch_id: str, release: str, origin: str) -> tuple[int, int]:
    """Write parsed rows with the supersession rule; returns (rows written, cells kept newer)."""
    df = parsed.rows
    if parsed.table == "official_stats":
        df = df.assign(release=release, batch_id=batch_id)
        for c in ("value_male", "value_female"):
            if c not in df:
                df[c] = np.nan
        con.register("_stage", df)
        try:
            key = "o.dataset = s.dataset AND o.state_code = s.state_code AND o.year = s.year AND o.month = s.month " \
                  "AND o.crime_type = s.crime_type AND o.subtype = s.subtype AND o.modality = s.modality"
            # Cells a newer (or same-release, earlier-arrived... no: same release, later file wins) release holds stay.
            newer = con.execute(f"SELECT count(*) FROM _stage s JOIN official_stats o ON {key} "
                                f"WHERE {_rank('o')} > {_rank('s')} OR (s.value IS NULL AND o.value IS NOT NULL)").fetchall()[0][0]
            con.execute(f"DELETE FROM official_stats o USING _stage s WHERE {key} "
                        f"AND {_rank('o')} <= {_rank('s')} AND NOT (s.value IS NULL AND o.value IS NOT NULL)")
            con.execute(f"""INSERT INTO official_stats
                SELECT s.dataset, s.state_code, s.year, s.month, s.crime_type, s.subtype, s.modality, s.series,
                       s.value, s.value_male, s.value_female, s.release, s.batch_id
                FROM _stage s WHERE NOT EXISTS (SELECT 1 FROM official_stats o WHERE {key})""")
        finally:
            con.unregister("_stage")
        return len(df) - newer, newer
    if parsed.table == "assessments":
        # an assessor's rating of a state on a date is replaced by a later file giving it again
        df = df.assign(batch_id=batch_id)
        con.register("_stage", df)
        try:
            con.execute("""DELETE FROM assessments a USING _stage s
                           WHERE a.assessor = s.assessor AND a.as_of = s.as_of AND a.state_code = s.state_code""")
            con.execute("""INSERT INTO assessments SELECT state_code, assessor, as_of, level, level_max, level_name,
                           batch_id FROM _stage""")
        finally:
            con.unregister("_stage")
        return len(df), 0
    if parsed.table == "population":
        df = df.assign(release=release, batch_id=batch_id)
        con.register("_stage", df)
        try:
            key = "o.state_code = s.state_code AND o.year = s.year"
            newer = con.execute(f"SELECT count(*) FROM _stage s JOIN population o ON {key} WHERE {_rank('o')} > {_rank('s')}").fetchall()[0][0]
            con.execute(f"DELETE FROM population o USING _stage s WHERE {key} AND {_rank('o')} <= {_rank('s')}")
            con.execute(f"""INSERT INTO population SELECT s.state_code, s.year, s.pop_mid_year, s.pop_start_of_year,
                s.release, s.batch_id FROM _stage s WHERE NOT EXISTS (SELECT 1 FROM population o WHERE {key})""")
        finally:
            con.unregister("_stage")
        return len(df) - newer, newer
    # events: a newer release of the same event id replaces the older one
    old = con.execute("SELECT e.event_id, b.release FROM events e LEFT JOIN ingest_batches b USING (batch_id) "
                      "WHERE e.event_id IN (SELECT unnest(?))", [list(df["event_id"])]).df()
    newer_ids = set(old.loc[old["release"].map(_release_rank) > _release_rank(release), "event_id"])
    replace = list(set(old["event_id"]) - newer_ids)
    if replace:
        con.execute("DELETE FROM event_sources WHERE event_id IN (SELECT unnest(?))", [replace])
        con.execute("DELETE FROM events WHERE event_id IN (SELECT unnest(?))", [replace])
    df = df.loc[~df["event_id"].isin(newer_ids)]
    origin_name = {"ucdp": "ucdp", "acled": "acled"}.get(origin, "user")
    n = insert_events(con, df, origin=origin_name, batch_id=batch_id)
    return n, len(newer_ids)
