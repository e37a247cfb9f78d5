"""Queries behind the detail views: events, monthly series, coverage, batches and sources.

Same rules as :mod:`dashboard.data`: cached per database version, DataFrames out.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from dashboard import data
from scoring.index import queries

# Monthly series shown on a state's trend chart: (label, dataset, series list).
TREND_SERIES = [
    ("Homicide victims", "victims", ("homicide",)),
    ("Kidnapping victims", "victims", ("kidnapping",)),
    ("Extortion files", "carpetas", ("extortion",)),
    ("Cargo theft files", "carpetas", ("cargo_theft",)),
]


@st.cache_data(show_spinner=False, max_entries=256)
def _q(path: str, mtime: int, sql: str, params: tuple) -> pd.DataFrame:
    return data._store(path).query(sql, list(params))


def _query(sql: str, params=()) -> pd.DataFrame:
    path, mtime = data._db_key()
    return _q(path, mtime, sql, tuple(params))


def monthly_series(state_code: str, months: int = 60) -> pd.DataFrame:
    """Monthly rates per 100,000 a year for the trend chart (gaps stay gaps)."""
    frames = []
    for label, ds, series in TREND_SERIES:
        df = _query("""
            SELECT make_date(o.year, o.month, 1) AS month,
                   CASE WHEN count(o.value) = 0 THEN NULL ELSE sum(o.value) END AS v,
                   any_value(p.pop_mid_year) AS pop,
                   bool_or(q.flag IS NOT NULL) AS flagged
            FROM official_stats o
            JOIN population p ON p.state_code = o.state_code AND p.year = o.year
            LEFT JOIN data_quality q ON q.dataset = o.dataset AND q.state_code = o.state_code
                 AND q.year = o.year AND q.month = o.month AND q.flag IN ('reporting_gap', 'suspect_zero')
            WHERE o.dataset = ? AND o.state_code = ? AND o.series IN (SELECT unnest(?::VARCHAR[]))
            GROUP BY 1 ORDER BY 1""", (ds, state_code, list(series)))
        if df.empty:
            continue
        df = df.tail(months)
        rate = df["v"] * 12 / df["pop"] * 1e5
        frames.append(pd.DataFrame({"month": df["month"], "rate": rate.where(~df["flagged"].fillna(False)),
                                    "series": label}))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["month", "rate", "series"])


def region_events(region_id: str, region_type: str, as_of: dt.date, days: int, buffer_km: float = 25.0) -> pd.DataFrame:
    path, mtime = data._db_key()
    return _events(path, mtime, region_id, region_type, as_of, days, buffer_km)


@st.cache_data(show_spinner=False, max_entries=128)
def _events(path, mtime, region_id, region_type, as_of, days, buffer_km):
    return queries.events_for_region(data._store(path), region_id, region_type, as_of, days, buffer_km)


def group_presence(state_code: str) -> pd.DataFrame:
    return _query("SELECT metric, article_ids, notes FROM facts WHERE kind = 'group_presence' AND state_code = ?",
                  (state_code,))


def corridor_state_shares(corridor_id: str) -> pd.DataFrame:
    return _query("SELECT state_code, share, length_km FROM corridor_states WHERE corridor_id = ? ORDER BY share DESC",
                  (corridor_id,))


def events_filtered(states: tuple, types: tuple, origins: tuple, start, end, text: str) -> pd.DataFrame:
    where, params = ["e.date >= ?", "e.date <= ?"], [start, end]
    if states:
        where.append("e.state_code IN (SELECT unnest(?::VARCHAR[]))")
        params.append(list(states))
    if types:
        where.append("e.event_type IN (SELECT unnest(?::VARCHAR[]))")
        params.append(list(types))
    if origins:
        where.append("e.origin IN (SELECT unnest(?::VARCHAR[]))")
        params.append(list(origins))
    if text:
        where.append("(e.notes ILIKE ? OR e.actors ILIKE ? OR e.place ILIKE ?)")
        params += [f"%{text}%"] * 3
    return _query(f"""
        SELECT e.event_id, e.date, e.date_precision, e.event_type, e.fatalities, e.injured, s.name_common AS state, e.place,
               e.actors, e.target_category, e.corridor_id, e.origin, e.confidence, e.source_id, e.notes
        FROM events e JOIN states s USING (state_code)
        WHERE {' AND '.join(where)} ORDER BY e.date DESC, e.event_id LIMIT 20000""", tuple(params))


def rejects_of(batch_id: str) -> pd.DataFrame:
    return _query("SELECT line, field, reason, raw FROM rejected_rows WHERE batch_id = ? ORDER BY line", (batch_id,))


def batches() -> pd.DataFrame:
    return _query("""SELECT batch_id, file_name, format, release, rows_read, rows_loaded, rows_rejected,
                            rows_superseded, note FROM ingest_batches ORDER BY loaded_at DESC, batch_id""")


def coverage_matrix(dataset: str, start_year: int = 2015) -> pd.DataFrame:
    df = _query("""
        SELECT c.state_code, make_date(c.year, c.month, 1) AS month,
               CASE WHEN q.flag IS NOT NULL THEN 0 ELSE c.cells_with_value / c.cells END AS share
        FROM coverage c LEFT JOIN data_quality q ON q.dataset = c.dataset AND q.state_code = c.state_code
             AND q.year = c.year AND q.month = c.month AND q.flag = 'reporting_gap'
        WHERE c.dataset = ? AND c.year >= ?""", (dataset, start_year))
    if df.empty:
        return pd.DataFrame()
    df["month"] = pd.to_datetime(df["month"]).dt.strftime("%Y-%m")
    return df.pivot_table(index="state_code", columns="month", values="share", aggfunc="max").sort_index()


def quality_flags() -> pd.DataFrame:
    return _query("SELECT dataset, state_code, year, month, flag, note FROM data_quality ORDER BY flag, state_code, year, month")


def sources() -> pd.DataFrame:
    return _query("SELECT source_id, kind, title, publisher, published, licence, provenance FROM sources ORDER BY kind, source_id")


def map_events(as_of: dt.date, days: int, limit: int = 3000) -> pd.DataFrame:
    """Events with coordinates in the window, deadliest first (for the map's point layer)."""
    return _query(f"""
        SELECT date, event_type, fatalities, place, latitude, longitude FROM events
        WHERE latitude IS NOT NULL AND date > ?::DATE - to_days(?::INTEGER) AND date <= ?::DATE
        ORDER BY coalesce(fatalities, 0) DESC LIMIT {int(limit)}""", (as_of, days, as_of))
