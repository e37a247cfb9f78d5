"""Likely duplicates: a candidate that matches an event already in the database (same state,
the same municipality, or neither names one; the same type; dates that overlap within their
precisions, an event dated only to its year never matching) is flagged with that event's id,
so that two articles about one massacre make one event with two sources
(:func:`scoring.extract.accept.to_events_csv` re-imports a stored user event with the new
article added to its sources). Read only: the database is opened read-only, or a served
:class:`~scoring.db.store.Store` is queried."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from scoring.db import schema
from scoring.extract.candidates import Candidate, date_range

# the widest window a precision allows, around the candidate's own range
_SQL = """
SELECT e.event_id, e.date, e.date_precision, e.date_note, e.state_code, e.municipality_code, e.place, e.latitude,
       e.longitude, e.geo_precision, e.event_type, e.fatalities, e.injured, e.actors, e.target_category,
       e.corridor_id, e.confidence, e.notes, e.alt_values, e.origin, string_agg(DISTINCT s.source_id, ';') AS sources
FROM events e LEFT JOIN event_sources s USING (event_id)
WHERE e.state_code = ? AND e.date BETWEEN ? AND ?
GROUP BY ALL
"""


def candidates_window(c: Candidate) -> tuple[dt.date, dt.date]:
    lo, hi = date_range(c.date, c.date_precision)
    return lo - dt.timedelta(days=366), hi      # an existing event of year precision starts on 1 January


def matches(c: Candidate, rows: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``rows`` (events of the candidate's state around its date) that are the same event."""
    if rows.empty or c.date is None:
        return rows.iloc[0:0]
    lo, hi = date_range(c.date, c.date_precision)
    keep = []
    for r in rows.itertuples(index=False):
        d = r.date.date() if hasattr(r.date, "date") else r.date
        r0, r1 = date_range(d, r.date_precision)
        theirs = r.municipality_code if isinstance(r.municipality_code, str) else ""
        same_place = theirs == (c.municipality_code or "")
        # an event dated only to its year (UCDP's yearly aggregates) cannot be told to be the same
        keep.append(same_place and r.event_type == c.event_type and r.date_precision != "year"
                    and r0 <= hi and lo <= r1)
    return rows[keep]


def find(candidates: list[Candidate], query) -> dict[int, pd.DataFrame]:
    """For each candidate (by position) the existing events it likely duplicates; ``query(sql,
    params)`` runs read-only SQL (a served Store's ``query``, or a read-only connection's)."""
    out = {}
    for i, c in enumerate(candidates):
        if c.date is None or not c.state_code:
            continue
        lo, hi = candidates_window(c)
        rows = query(_SQL, [c.state_code, lo, hi])
        m = matches(c, rows)
        if len(m):
            out[i] = m
    return out


def flag_duplicates(candidates: list[Candidate], db) -> None:
    """Set ``duplicate_of`` on each candidate from the database at ``db`` (opened read-only)."""
    from scoring import paths
    from scoring.db import store
    from scoring.load.ingest import check_database

    target = paths.db_path(db)
    check_database(target)
    con = store.connect(target, read_only=True)
    try:
        for i, m in find(candidates, lambda sql, p: schema.plain(con.execute(sql, p).df())).items():
            candidates[i].duplicate_of = list(m["event_id"])
    finally:
        con.close()
