"""The heavy aggregation, in DuckDB: once per data and time choice.

Everything here takes a ``db`` object with ``query(sql, params) -> DataFrame``
(:class:`scoring.db.store.Store`, or :class:`ConQuery` around a connection) and returns
small frames (regions x groups). Weights and methods then act on those in numpy.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

# Names in ``actors`` that are not armed groups (for the "armed groups active" count).
NON_GROUP_PATTERNS = ("%civilian%", "%government of mexico%", "%army%", "%ejército%", "%police%", "%policía%",
                      "%national guard%", "%guardia nacional%", "%navy%", "%marina%", "%military%", "%sedena%")

# Event origins whose coverage is systematic: within its time span, a region without events of
# such a source had none (zero), and each has its own window ending at its own latest event.
SYSTEMATIC_ORIGINS = ("ucdp", "acled", "synthetic")
# Reports: the seed articles' events and a user's own events. They add to the regions they
# name, in the window ending at the as-of date, but say nothing of the regions they do not
# name (no coverage), so a user's batch never moves another source's window or score.
REPORT_ORIGINS = ("seed", "user")


class ConQuery:
    """Adapter: a DuckDB connection with the ``query`` method of :class:`scoring.db.store.Store`."""

    def __init__(self, con):
        self.con = con

    def query(self, sql, params=None) -> pd.DataFrame:
        return self.con.execute(sql, params or []).df()


def source_ends(db, *, embedded_only: bool = False) -> dict[str, dt.date]:
    """Latest month end with data per official dataset; per systematic event origin its first and
    last event day (``events:ucdp``, ``events_start:ucdp``); and ``events`` / ``events_start``,
    the latest and earliest of those (for display)."""
    out = {}
    df = db.query(f"""SELECT dataset, max(make_date(year, month, 1)) AS m FROM {rows_of("official_stats", embedded_only)}
                      WHERE value IS NOT NULL AND series IS NOT NULL GROUP BY dataset ORDER BY dataset""")
    for r in df.itertuples(index=False):
        out[r.dataset] = (pd.Timestamp(r.m) + pd.offsets.MonthEnd(0)).date()
    ev = db.query(f"""SELECT origin, min(date) AS lo, max(date) AS hi FROM {rows_of("events", embedded_only)}
                      WHERE origin IN {SYSTEMATIC_ORIGINS} GROUP BY origin ORDER BY origin""")
    for r in ev.itertuples(index=False):
        out[f"events:{r.origin}"] = pd.Timestamp(r.hi).date()
        out[f"events_start:{r.origin}"] = pd.Timestamp(r.lo).date()
    if len(ev):
        out["events"] = pd.Timestamp(ev["hi"].max()).date()
        out["events_start"] = pd.Timestamp(ev["lo"].min()).date()
    return out


_EMBEDDED = "(batch_id LIKE 'derived:%' OR batch_id LIKE 'build:%')"


def rows_of(table: str, embedded_only: bool = False) -> str:
    """``table``, or with ``embedded_only`` the table as the build left it: its embedded rows plus
    the embedded rows an import replaced (kept in ``replaced_<table>``), no imported row."""
    if not embedded_only:
        return table
    return (f"(SELECT * FROM {table} WHERE {_EMBEDDED} UNION ALL "
            f"SELECT * EXCLUDE (replaced_by) FROM replaced_{table} WHERE {_EMBEDDED} "
            f"AND NOT (replaced_by LIKE 'derived:%' OR replaced_by LIKE 'build:%'))")


def _windows_sql(windows: dict[str, dt.date]) -> tuple[str, list]:
    """A relation (origin, e) of each origin's window end, as bound parameters."""
    return ("(SELECT unnest(?::VARCHAR[]) AS origin, unnest(?::DATE[]) AS e)",
            [list(windows), [windows[k] for k in windows]])


def regions(db) -> pd.DataFrame:
    states = db.query("""SELECT state_code AS region_id, 'state' AS region_type, name_common AS name,
                                pop_2020, NULL::DOUBLE AS length_km FROM states ORDER BY state_code""")
    cors = db.query("""SELECT corridor_id AS region_id, 'corridor' AS region_type, name, NULL::BIGINT AS pop_2020,
                              length_km FROM corridors ORDER BY corridor_id""")
    return pd.concat([states, cors], ignore_index=True)


def corridor_shares(db) -> pd.DataFrame:
    return db.query("SELECT corridor_id, state_code, share FROM corridor_states")


def population(db, year: int) -> pd.Series:
    """Mid-year population per state for ``year`` (clamped to the years available)."""
    df = db.query("""SELECT state_code, pop_mid_year FROM population
                     WHERE year = (SELECT least(greatest(?, min(year)), max(year)) FROM population)""", [year])
    if df.empty:  # no CONAPO table: fall back on the 2020 census
        df = db.query("SELECT state_code, pop_2020 AS pop_mid_year FROM states")
    return df.set_index("state_code")["pop_mid_year"].astype(float)


def missing_month(q: str = "q", series: str | None = "series") -> str:
    """SQL condition on a ``data_quality`` row ``q``: the month is missing, not zero.

    The one statement of the rule: a month flagged ``reporting_gap`` is missing for every
    series of its dataset; one flagged ``suspect_zero`` only for the homicide series.
    ``series`` is the SQL expression of the series; None for a whole dataset's month
    (where only a reporting gap counts).
    """
    if series is None:
        return f"({q}.flag = 'reporting_gap')"
    return f"({q}.flag = 'reporting_gap' OR ({q}.flag = 'suspect_zero' AND {series} = 'homicide'))"


def official_months(db, start: dt.date, end: dt.date, *, state_code: str | None = None,
                    embedded_only: bool = False) -> pd.DataFrame:
    """Monthly totals per dataset, state and series for months starting in (start, end].

    ``v`` is NULL when no cell of the series has a value, or when the month is missing by
    :func:`missing_month` (a reporting gap, or a suspect zero for homicide): missing, not
    zero. ``state_code`` keeps one state only.
    """
    one_state = "AND state_code = ?" if state_code is not None else ""
    params = [start, end] + ([state_code] if state_code is not None else [])
    return db.query(f"""
        WITH m AS (
            SELECT dataset, state_code, series, year, month,
                   CASE WHEN count(value) = 0 THEN NULL ELSE sum(value) END AS v
            FROM {rows_of("official_stats", embedded_only)}
            WHERE series IS NOT NULL AND make_date(year, month, 1) > ? AND make_date(year, month, 1) <= ?
                  {one_state}
            GROUP BY ALL)
        SELECT m.dataset, m.state_code, m.series, m.year, m.month,
               CASE WHEN EXISTS (SELECT 1 FROM data_quality q
                                 WHERE q.dataset = m.dataset AND q.state_code = m.state_code
                                   AND q.year = m.year AND q.month = m.month
                                   AND {missing_month("q", "m.series")})
                    THEN NULL ELSE m.v END AS v
        FROM m""", params)


def state_population(db, state_code: str) -> pd.Series:
    """Mid-year population of one state, indexed by year (empty without a CONAPO table)."""
    df = db.query("SELECT year, pop_mid_year FROM population WHERE state_code = ? ORDER BY year", [state_code])
    return df.set_index("year")["pop_mid_year"].astype(float)


def _decayed_events(windows: dict[str, dt.date], window_days: int, half_life_days: float, thresholds: list[int],
                    embedded_only: bool) -> tuple[str, list]:
    """The CTEs ``win`` and ``e``: each event of the two windows of its origin, with its period
    (0 = the window, 1 = the one before), decay weight and fatality bucket; and their parameters."""
    th = sorted(set([0] + list(thresholds)))
    bucket = "CASE " + " ".join(f"WHEN coalesce(fatalities, 0) >= {t} THEN {t}" for t in reversed(th)) + " END"
    win, wparams = _windows_sql(windows)
    sql = f"""win AS {win},
        e AS (
            SELECT ev.event_id, ev.origin, ev.state_code, ev.event_type, coalesce(ev.fatalities, 0) AS f,
                   CASE WHEN ev.date > win.e - to_days(?::INTEGER) THEN 0 ELSE 1 END AS period,
                   pow(0.5, date_diff('day', ev.date, win.e) / ?::DOUBLE) AS w,
                   {bucket} AS bucket
            FROM {rows_of("events", embedded_only)} ev JOIN win USING (origin)
            WHERE ev.date > win.e - to_days(2 * ?::INTEGER) AND ev.date <= win.e)"""
    return sql, wparams + [window_days, half_life_days, window_days]


def event_groups(db, windows: dict[str, dt.date], window_days: int, half_life_days: float, thresholds: list[int],
                 buffer_km: float, *, embedded_only: bool = False) -> pd.DataFrame:
    """Decayed sums of events per origin, region, event type, fatality bucket and period.

    ``windows`` maps each origin to the end of its window: period 0 = (end - window, end];
    period 1 = the window before it; decay is counted from that end. Regions are states (by
    ``state_code``) and corridors (events within ``buffer_km``). Columns: origin, region_id,
    region_type, event_type, bucket, period, n, w, w2, wf, wf2, f.
    """
    e, params = _decayed_events(windows, window_days, half_life_days, thresholds, embedded_only)
    return db.query(f"""
        WITH {e},
        s AS (SELECT origin, state_code AS region_id, 'state' AS region_type, event_type, bucket, period, w, f FROM e
              UNION ALL
              SELECT e.origin, c.corridor_id, 'corridor', e.event_type, e.bucket, e.period, e.w, e.f
              FROM e JOIN event_corridor c USING (event_id) WHERE c.distance_km <= ?)
        SELECT origin, region_id, region_type, event_type, bucket, period,
               count(*) AS n, sum(w) AS w, sum(w * w) AS w2, sum(w * f) AS wf, sum(w * w * f * f) AS wf2,
               sum(f) AS f
        FROM s GROUP BY ALL""", params + [buffer_km])


def distinct_actors(db, windows: dict[str, dt.date], window_days: int, event_types: list[str],
                    buffer_km: float, *, embedded_only: bool = False) -> pd.DataFrame:
    """Number of distinct named armed groups per region in the windows (names sorted)."""
    not_like = " AND ".join(f"lower(actor) NOT LIKE '{p}'" for p in NON_GROUP_PATTERNS)
    win, wparams = _windows_sql(windows)
    # Distinct (region, actors list) pairs first: a few thousand rows to split and filter,
    # rather than one row per event and actor (9 s -> 0.6 s at a million events).
    return db.query(f"""
        WITH win AS {win},
        e AS (
            SELECT ev.event_id, ev.state_code, ev.actors FROM {rows_of("events", embedded_only)} ev JOIN win USING (origin)
            WHERE ev.date > win.e - to_days(?::INTEGER) AND ev.date <= win.e
              AND ev.actors IS NOT NULL AND list_contains(?::VARCHAR[], ev.event_type)),
        r AS (SELECT DISTINCT state_code AS region_id, 'state' AS region_type, actors FROM e
              UNION
              SELECT DISTINCT c.corridor_id, 'corridor', e.actors
              FROM e JOIN event_corridor c USING (event_id) WHERE c.distance_km <= ?),
        a AS (SELECT DISTINCT region_id, region_type, trim(unnest(string_split(actors, ';'))) AS actor FROM r)
        SELECT region_id, region_type, count(*) AS groups, string_agg(actor, '; ' ORDER BY actor) AS names
        FROM a
        WHERE actor <> '' AND {not_like} AND lower(actor) NOT LIKE 'unidentified%' AND lower(actor) NOT LIKE 'unknown%'
        GROUP BY ALL""",
        wparams + [window_days, event_types, buffer_km])


def event_contributions(db, windows: dict[str, dt.date], window_days: int, half_life_days: float,
                        buffer_km: float, *, embedded_only: bool = False) -> pd.DataFrame:
    """One row per (region, event) in the windows, with its decay weight: for the bootstrap."""
    win, wparams = _windows_sql(windows)
    return db.query(f"""
        WITH win AS {win},
        e AS (
            SELECT ev.event_id, ev.state_code, ev.event_type, coalesce(ev.fatalities, 0) AS f,
                   pow(0.5, date_diff('day', ev.date, win.e) / ?::DOUBLE) AS w
            FROM {rows_of("events", embedded_only)} ev JOIN win USING (origin)
            WHERE ev.date > win.e - to_days(?::INTEGER) AND ev.date <= win.e)
        SELECT state_code AS region_id, event_type, f, w FROM e
        UNION ALL
        SELECT c.corridor_id, e.event_type, e.f, e.w FROM e JOIN event_corridor c USING (event_id)
        WHERE c.distance_km <= ?""", wparams + [half_life_days, window_days, buffer_km])


def events_for_region(db, region_id: str, region_type: str, end: dt.date, window_days: int,
                      buffer_km: float, limit: int = 500) -> pd.DataFrame:
    """The events behind a region's event indicators, newest first, with their sources."""
    if region_type == "corridor":
        where = "e.event_id IN (SELECT event_id FROM event_corridor WHERE corridor_id = ? AND distance_km <= ?)"
        params = [region_id, buffer_km]
    else:
        where = "e.state_code = ?"
        params = [region_id]
    return db.query(f"""
        SELECT e.event_id, e.date, e.date_precision, e.event_type, e.fatalities, e.injured, e.place,
               e.state_code, e.latitude, e.longitude, e.actors, e.target_category, e.origin, e.confidence,
               e.notes, string_agg(DISTINCT s.title, ' | ') AS sources, string_agg(DISTINCT s.source_id, ';') AS source_ids
        FROM events e LEFT JOIN event_sources es USING (event_id) LEFT JOIN sources s ON s.source_id = es.source_id
        WHERE {where} AND e.date > ?::DATE - to_days(?::INTEGER) AND e.date <= ?::DATE
        GROUP BY ALL ORDER BY e.date DESC, e.event_id LIMIT {int(limit)}""",
        params + [end, window_days, end])


def assessments(db) -> pd.DataFrame:
    """External ratings (compared with, never scored from): state_code, assessor, as_of, level,
    level_max, level_name; the latest assessment of each assessor only."""
    return db.query("""SELECT state_code, assessor, as_of, level, level_max, level_name FROM assessments
                       QUALIFY as_of = max(as_of) OVER (PARTITION BY assessor)
                       ORDER BY assessor, state_code""")


def death_certificate_coverage(db, dataset: str = "homologated", years: int = 3) -> pd.DataFrame:
    """Homicides on death certificates (INEGI) against SESNSP's homicide figures of ``dataset``
    (files or victims) per state, over the latest ``years`` whole years both publish.
    Columns: state_code, deaths, police, first_year, last_year (empty without INEGI data)."""
    return db.query("""
        WITH y AS (SELECT dataset, state_code, year, count(DISTINCT month) AS months, sum(value) AS v
                   FROM official_stats
                   WHERE value IS NOT NULL AND ((dataset = 'inegi' AND series = 'homicide_deaths')
                                                OR (dataset = ? AND series = 'homicide'))
                   GROUP BY ALL),
        both_years AS (SELECT year FROM y WHERE months = 12 GROUP BY year HAVING count(DISTINCT dataset) = 2
                       AND count(DISTINCT state_code) >= 30 ORDER BY year DESC LIMIT ?)
        SELECT state_code, sum(v) FILTER (WHERE dataset = 'inegi') AS deaths,
               sum(v) FILTER (WHERE dataset <> 'inegi') AS police,
               (SELECT min(year) FROM both_years) AS first_year, (SELECT max(year) FROM both_years) AS last_year
        FROM y WHERE year IN (SELECT year FROM both_years) GROUP BY state_code ORDER BY state_code""",
        [dataset, years])


# --- municipalities -------------------------------------------------------------------------------

def municipalities(db) -> pd.DataFrame:
    """Every municipality: cvegeo, state_code, name, pop_2020 (NULL for the six created since), seat, note."""
    return db.query("SELECT cvegeo, state_code, name, pop_2020, seat_lat, seat_lon, note FROM municipalities "
                    "ORDER BY cvegeo")


def municipal_months(db, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Non-zero municipal cells with their month inside (start, end]: cvegeo, state_code, year, month,
    series, value. Codes ending 998/999 (files not placed in a municipality) included."""
    return db.query("""SELECT cvegeo, cvegeo[1:2] AS state_code, year, month, series, value FROM municipal_stats
                       WHERE make_date(year, month, 1) > ?::DATE AND make_date(year, month, 1) <= ?::DATE""",
                    [start, end])


def municipal_coverage(db) -> pd.DataFrame:
    """The states whose municipal series is complete: state_code, first_month, last_month (YYYYMM), source."""
    return db.query("SELECT state_code, first_month, last_month, source FROM municipal_coverage ORDER BY state_code")


def municipal_event_groups(db, windows: dict[str, dt.date], window_days: int, half_life_days: float,
                           thresholds: list[int], *, embedded_only: bool = False) -> pd.DataFrame:
    """As :func:`event_groups`, per municipality (``event_municipality``): origin, cvegeo,
    event_type, bucket, period, n, w, wf, f."""
    e, params = _decayed_events(windows, window_days, half_life_days, thresholds, embedded_only)
    return db.query(f"""
        WITH {e}
        SELECT e.origin, m.cvegeo, e.event_type, e.bucket, e.period,
               count(*) AS n, sum(e.w) AS w, sum(e.w * e.f) AS wf, sum(e.f) AS f
        FROM e JOIN event_municipality m USING (event_id)
        GROUP BY ALL""", params)


def events_in_municipality(db, cvegeo: str, end: dt.date, window_days: int, limit: int = 200) -> pd.DataFrame:
    """The events placed in a municipality in the window, newest first, with their sources."""
    return db.query(f"""
        SELECT e.event_id, e.date, e.date_precision, e.event_type, e.fatalities, e.injured, e.place,
               e.state_code, e.latitude, e.longitude, e.actors, e.origin, e.confidence, e.notes,
               m.method AS placed_by, string_agg(DISTINCT s.title, ' | ') AS sources
        FROM events e JOIN event_municipality m USING (event_id)
             LEFT JOIN event_sources es USING (event_id) LEFT JOIN sources s ON s.source_id = es.source_id
        WHERE m.cvegeo = ? AND e.date > ?::DATE - to_days(?::INTEGER) AND e.date <= ?::DATE
        GROUP BY ALL ORDER BY e.date DESC, e.event_id LIMIT {int(limit)}""", [cvegeo, end, window_days, end])


def municipal_history(db, cvegeo: str) -> pd.DataFrame:
    """A municipality's monthly counts per series (non-zero cells): year, month, series, value."""
    return db.query("SELECT year, month, series, value FROM municipal_stats WHERE cvegeo = ? ORDER BY year, month",
                    [cvegeo])
