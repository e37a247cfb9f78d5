"""The dashboard's data-access layer: the only dashboard module that touches DuckDB or caches.

* One :class:`scoring.store.Store` per process and database path (``st.cache_resource``):
  DuckDB 2 wants one connection per process and a cursor per caller, which ``Store`` does.
* Query results are cached with ``st.cache_data`` keyed on the database path *and its
  modification time*, so a rebuilt database (``os.replace`` of the file) is picked up
  without restarting the server.
* Every SQL statement the app runs is in :data:`QUERIES`.
* A missing, locked or out-of-date database stops the page with an ``st.error`` that says
  what to run, never a traceback.

Pages call the public functions (``states()``, ``state_table()``, ``corridor_paths()``,
...) and get DataFrames; they never see the connection.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from scoring.load import geo
from scoring import paths
from scoring.db.store import Store

QUERIES: dict[str, str] = {
    "states": """
        SELECT state_code, name_common, name_official, abbr, capital, capital_lat, capital_lon,
               pop_2020, region
        FROM states ORDER BY state_code""",
    "corridors": """
        SELECT corridor_id, name, kind, states, why, length_km
        FROM corridors ORDER BY corridor_id""",
    "corridor_paths": """
        SELECT w.corridor_id, c.name AS corridor, c.kind, w.seq, w.name AS waypoint,
               w.latitude, w.longitude
        FROM corridor_waypoints w JOIN corridors c USING (corridor_id)
        ORDER BY w.corridor_id, w.seq""",
    # Every state appears, with 0 events when it has none in the window. Fatalities: NULL
    # means unknown, so the sum skips them and `events_fatalities_known` says how many counted.
    "events_by_state": """
        SELECT s.state_code,
               count(e.event_id) AS events,
               coalesce(sum(e.fatalities), 0) AS fatalities,
               count(e.fatalities) AS events_fatalities_known,
               min(e.date) AS first_event,
               max(e.date) AS last_event
        FROM states s
        LEFT JOIN events e ON e.state_code = s.state_code AND e.date >= ? AND e.date <= ?
        GROUP BY s.state_code ORDER BY s.state_code""",
    "events_range": "SELECT min(date) AS first_event, max(date) AS last_event, count(*) AS events FROM events",
}

BUILD_HINT = "Build it with `make run` (which builds it when missing) or `python -m scoring build --db {path}`."


# -- the database -----------------------------------------------------------------------------

def db_file() -> Path:
    """The database the app reads: ``$RISK_DB``, else ``data/risk.duckdb`` (see scoring.paths)."""
    return paths.db_path()


def _db_key() -> tuple[str, int]:
    """(path, mtime) of the database; stops the page with a clear message if it is missing."""
    path = db_file()
    if not path.is_file():
        st.error(f"**No risk database at `{path}`.** " + BUILD_HINT.format(path=path), icon="⚠️")
        st.stop()
    return str(path.resolve()), path.stat().st_mtime_ns


@st.cache_resource(show_spinner=False)
def _store(path: str) -> Store:
    return Store(path)


def store() -> Store:
    """The process-wide read-only store (for pages that need a query not listed here)."""
    return _store(_db_key()[0])


@st.cache_data(show_spinner=False)
def _query(path: str, mtime_ns: int, name: str, params: tuple = ()) -> pd.DataFrame:
    # mtime_ns is only part of the cache key: a rebuilt file gets fresh results.
    return _store(path).query(QUERIES[name], list(params))


def query(name: str, params: tuple = ()) -> pd.DataFrame:
    """Run one of :data:`QUERIES` (cached), turning database trouble into a page-level error."""
    path, mtime = _db_key()
    try:
        return _query(path, mtime, name, tuple(params))
    except duckdb.IOException as exc:  # typically "Could not set lock": a build or import is writing
        st.error(f"**The risk database `{path}` cannot be opened right now** ({exc}). If a build or an "
                 "import is running, wait for it to finish and reload the page.", icon="⚠️")
        st.stop()
    except duckdb.CatalogException as exc:  # a table or column the app expects is missing
        st.error(f"**The risk database `{path}` is out of date** ({exc}). " + BUILD_HINT.format(path=path),
                 icon="⚠️")
        st.stop()


# -- tables ------------------------------------------------------------------------------------

def states() -> pd.DataFrame:
    """The 32 states: code, names, capital and its coordinates, 2020 population, region."""
    return query("states")


def corridors() -> pd.DataFrame:
    """Corridors: id, name, kind, the INEGI codes it crosses (in travel order), why, length."""
    return query("corridors")


def corridor_paths() -> pd.DataFrame:
    """Corridor waypoints in travel order, with the corridor's name and kind (for the map)."""
    return query("corridor_paths")


def events_range() -> tuple[dt.date | None, dt.date | None]:
    """First and last event date in the database (None, None when there are no events)."""
    row = query("events_range").iloc[0]
    if pd.isna(row["first_event"]):
        return None, None
    return pd.Timestamp(row["first_event"]).date(), pd.Timestamp(row["last_event"]).date()


def events_summary(start: dt.date | None = None, end: dt.date | None = None) -> pd.DataFrame:
    """Per state (all 32): events, known fatalities, first and last event date in [start, end]."""
    start = start or dt.date(1900, 1, 1)
    end = end or dt.date(2999, 12, 31)
    return query("events_by_state", (start, end))


def state_table(start: dt.date | None = None, end: dt.date | None = None) -> pd.DataFrame:
    """States joined with their event summary, plus fatalities per 100,000 residents (2020)."""
    df = states().merge(events_summary(start, end), on="state_code", how="left", validate="one_to_one")
    df["fatalities_per_100k"] = df["fatalities"] / df["pop_2020"] * 100_000
    return df


def corridors_in_state(state_code: str) -> pd.DataFrame:
    """Corridors that cross one state (by the ``states`` list of each corridor)."""
    df = corridors()
    mask = df["states"].map(lambda codes: state_code in list(codes))
    return df[mask].reset_index(drop=True)


# -- geometry ----------------------------------------------------------------------------------

@st.cache_data(show_spinner=False)
def state_geojson() -> dict:
    """The 32 state outlines (feature ``id`` = INEGI code, outer rings clockwise for plotly)."""
    return geo.load_geojson()
