"""The heavy aggregation, in DuckDB: once per data and time choice.

Everything here takes a ``db`` object with ``query(sql, params) -> DataFrame``
(:class:`scoring.db.store.Store`, or :class:`ConQuery` around a connection) and returns
small frames (regions x groups). Weights and methods then act on those in numpy.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from scoring.db import schema

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
        return schema.plain(self.con.execute(sql, params or []).df())


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


def _events_with_window_end(windows: dict[str, dt.date], relation: str) -> tuple[str, list]:
    """``relation`` (the events, or event-corridor rows with their events' columns) with ``win_e``,
    the end of its origin's window (NULL for an origin without one), as a ``CASE`` on bound
    parameters rather than a join: joined, the few-row relation of windows made DuckDB misjudge
    the size of the events side and build its hash table on 10M events instead of the 2.3M
    event-corridor pairs (1.9 s against 0.7 s)."""
    if not windows:
        return f"(SELECT *, NULL::DATE AS win_e FROM {relation})", []
    case = "CASE origin " + " ".join("WHEN ? THEN ?::DATE" for _ in windows) + " END"
    params = [x for k in windows for x in (k, windows[k])]
    return f"(SELECT *, {case} AS win_e FROM {relation})", params


def _region_kinds(db, buffer_km: float, embedded_only: bool) -> list[tuple[str, str, str, str, str]]:
    """Per kind of region: (region_type, SQL of its region id, relation of its events, join, extra
    condition). Corridors read ``event_corridor`` alone, which holds the columns of its events
    (:data:`scoring.db.schema.PLACED_COPIES`); a database written before those columns, or the
    embedded-only view (which must see the rows an import replaced), joins it to the events."""
    buffer = f"{float(buffer_km)!r}"
    state = ("state", "ev.state_code", rows_of("events", embedded_only), "", "")
    if not embedded_only and schema.has_placed_copies(db, "event_corridor"):
        return [state, ("corridor", "ev.corridor_id", "event_corridor", "", f"AND ev.distance_km <= {buffer}")]
    return [state, ("corridor", "c.corridor_id", rows_of("events", embedded_only),
                    "JOIN event_corridor c USING (event_id)", f"AND c.distance_km <= {buffer}")]


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
                    kind: tuple[str, str, str, str, str], with_actors: bool = False) -> tuple[str, list]:
    """A query: one row per event of the two windows of its origin in the regions of ``kind`` (one
    of :func:`_region_kinds`), with its region, period (0 = the window, 1 = the one before), decay
    weight ``w`` and fatality bucket; and its parameters (the windows).

    Each caller runs it once per kind of region (rather than one query over a UNION of states and
    corridors): DuckDB then neither materialises the 10M-row relation of events nor builds its
    hash table on the larger side of the join (2.1 s -> see docs/SCALE.md at 10M events). The
    window length and half-life are numbers checked by :class:`TimeOptions`, written into the SQL
    as literals (int and float only) so the date conditions are constants for the scan.
    """
    _, region, relation, join, extra = kind
    th = sorted(set([0] + [int(t) for t in thresholds]))
    bucket = "CASE " + " ".join(f"WHEN coalesce(ev.fatalities, 0) >= {t} THEN {t}" for t in reversed(th)) + " END"
    wd, hl = int(window_days), float(half_life_days)
    evs, wparams = _events_with_window_end(windows, relation)
    if windows:   # the same bounds as constants, which DuckDB checks against each row group's dates
        ends = [pd.Timestamp(v).date() for v in windows.values()]
        lo, hi = min(ends) - dt.timedelta(days=2 * wd), max(ends)
        extra = f"AND ev.date > DATE '{lo.isoformat()}' AND ev.date <= DATE '{hi.isoformat()}' {extra}"
    sql = f"""SELECT {region} AS region_id, ev.origin, ev.event_type, coalesce(ev.fatalities, 0) AS f,
                   (ev.date <= ev.win_e - {wd})::INTEGER AS period,
                   pow(0.5, (ev.win_e - ev.date) / {hl!r}) AS w,
                   {bucket} AS bucket{", ev.actors" if with_actors else ""}
            FROM {evs} ev {join}
            WHERE ev.date > ev.win_e - {2 * wd} AND ev.date <= ev.win_e {extra}"""
    return sql, wparams


def event_sums(db, windows: dict[str, dt.date], window_days: int, half_life_days: float, thresholds: list[int],
               buffer_km: float, actor_types: list[str], *,
               embedded_only: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    """What the event indicators need, in one scan of the events per kind of region: the
    decayed sums (:func:`event_groups`) and the named armed groups (:func:`distinct_actors`).

    Per kind of region two queries (sums, then the distinct actor names of the window), each
    over the events with their window's end as a column (:func:`_events_with_window_end`): one
    UNION of states and corridors over a shared relation of events took 4.5 s at 10M events, this
    2.4-3.1 s (GROUPING SETS doing both in one scan, 2.9-3.5 s). The lists of actors are split
    after DISTINCT (a few thousand distinct lists per kind of region, not one per event).
    """
    out, names = [], []
    for kind in _region_kinds(db, buffer_km, embedded_only):
        rtype = kind[0]
        e, params = _decayed_events(windows, window_days, half_life_days, thresholds, kind)
        out.append(db.query(f"""
            SELECT origin, region_id, '{rtype}' AS region_type, event_type, bucket, period,
                   count(*) AS n, sum(w) AS w, sum(w * w) AS w2, sum(w * f) AS wf, sum(w * w * f * f) AS wf2,
                   sum(f) AS f
            FROM ({e}) GROUP BY ALL""", params))
        if actor_types:
            e, params = _decayed_events(windows, window_days, half_life_days, [], kind, with_actors=True)
            names.append(db.query(f"""
                WITH lists AS (SELECT DISTINCT region_id, actors FROM ({e})
                               WHERE period = 0 AND actors IS NOT NULL
                                     AND list_contains(?::VARCHAR[], event_type))
                SELECT DISTINCT region_id, '{rtype}' AS region_type, trim(unnest(string_split(actors, ';')), ' ') AS name
                FROM lists""", params + [list(actor_types)]))
    groups = pd.concat(out, ignore_index=True)
    names = pd.concat(names, ignore_index=True) if names else pd.DataFrame(columns=["region_id", "region_type",
                                                                                   "name"])
    return groups, _named_groups(names)


def _named_groups(names: pd.DataFrame) -> pd.DataFrame:
    """Distinct named armed groups per region from its distinct (region, actor name) rows: the
    non-group names (:data:`NON_GROUP_PATTERNS`, unidentified, unknown) and empty names left out;
    ``groups`` counts them and ``names`` lists them sorted."""
    contains = [p.strip("%") for p in NON_GROUP_PATTERNS]
    found: dict[tuple[str, str], set[str]] = {}
    for rid, rtype, a in names.itertuples(index=False):
        low = a.lower()
        if (not a or any(c in low for c in contains) or low.startswith("unidentified")
                or low.startswith("unknown")):
            continue
        found.setdefault((rid, rtype), set()).add(a)
    rows = [(rid, rtype, len(v), "; ".join(sorted(v))) for (rid, rtype), v in found.items()]
    return pd.DataFrame(rows, columns=["region_id", "region_type", "groups", "names"])


def event_groups(db, windows: dict[str, dt.date], window_days: int, half_life_days: float, thresholds: list[int],
                 buffer_km: float, *, embedded_only: bool = False) -> pd.DataFrame:
    """Decayed sums of events per origin, region, event type, fatality bucket and period.

    ``windows`` maps each origin to the end of its window: period 0 = (end - window, end];
    period 1 = the window before it; decay is counted from that end. Regions are states (by
    ``state_code``) and corridors (events within ``buffer_km``). Columns: origin, region_id,
    region_type, event_type, bucket, period, n, w, w2, wf, wf2, f.
    """
    return event_sums(db, windows, window_days, half_life_days, thresholds, buffer_km, [],
                      embedded_only=embedded_only)[0]


def distinct_actors(db, windows: dict[str, dt.date], window_days: int, event_types: list[str],
                    buffer_km: float, *, embedded_only: bool = False) -> pd.DataFrame:
    """Number of distinct named armed groups per region in the window (names sorted): region_id,
    region_type, groups, names."""
    return event_sums(db, windows, window_days, 1.0, [], buffer_km, event_types, embedded_only=embedded_only)[1]


def event_contributions(db, windows: dict[str, dt.date], window_days: int, half_life_days: float,
                        buffer_km: float, *, embedded_only: bool = False) -> pd.DataFrame:
    """One row per (region, event) in the windows, with its decay weight: for the bootstrap."""
    out = []
    for kind in _region_kinds(db, buffer_km, embedded_only):
        e, params = _decayed_events(windows, window_days, half_life_days, [], kind)
        out.append(db.query(f"SELECT region_id, event_type, f, w FROM ({e}) WHERE period = 0", params))
    return pd.concat(out, ignore_index=True)


def event_contribution_sums(db, windows: dict[str, dt.date], window_days: int, half_life_days: float,
                            buffer_km: float, *, embedded_only: bool = False) -> pd.DataFrame:
    """:func:`event_contributions` summed per region, event type and toll: region_id, event_type,
    f, n (events), w (sum of decay weights), w2 (sum of their squares). Everything the
    bootstrap's normal approximation needs, in thousands of rows whatever the number of events
    (the rows per event of ten million events took the scoring process to 6.9 GB)."""
    out = []
    for kind in _region_kinds(db, buffer_km, embedded_only):
        e, params = _decayed_events(windows, window_days, half_life_days, [], kind)
        out.append(db.query(f"""SELECT region_id, event_type, f, count(*) AS n, sum(w) AS w, sum(w * w) AS w2
                                FROM ({e}) WHERE period = 0 GROUP BY ALL""", params))
    return pd.concat(out, ignore_index=True)


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
    if not embedded_only and schema.has_placed_copies(db, "event_municipality"):   # as corridors (_region_kinds)
        kind = ("municipality", "ev.cvegeo", "event_municipality", "", "")
    else:
        kind = ("municipality", "m.cvegeo", rows_of("events", embedded_only),
                "JOIN event_municipality m USING (event_id)", "")
    e, params = _decayed_events(windows, window_days, half_life_days, thresholds, kind)
    return db.query(f"""
        SELECT origin, region_id AS cvegeo, event_type, bucket, period,
               count(*) AS n, sum(w) AS w, sum(w * f) AS wf, sum(f) AS f
        FROM ({e}) GROUP BY ALL""", params)


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
