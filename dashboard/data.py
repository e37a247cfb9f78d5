"""The dashboard's data access: the only dashboard module that runs SQL or uses Streamlit's caches.

* One :class:`scoring.db.store.Store` per process and database path (``st.cache_resource``):
  DuckDB 2 wants one connection per process and a cursor per caller, which ``Store`` does.
* Results are cached keyed on the database path *and its modification time*, so a rebuilt
  or imported-into database (``os.replace`` of the file) is picked up without restarting
  the server.
* The dashboard's own SQL statements are in :data:`QUERIES`; everything else it reads
  comes through :mod:`scoring.index` (the scoring model, ``queries``, ``report``).
* A missing, locked or out-of-date database stops the page with an ``st.error`` that says
  what to run, never a traceback.

Pages call the public functions below and get DataFrames or
:class:`~scoring.index.model.Result` objects (shared between sessions: never modify
them); they never see the connection.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import stat
import threading
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import streamlit as st
import yaml

from dashboard import saved, settings
from dashboard.i18n import _
from scoring import paths
from scoring.db.store import Store
from scoring.errors import RiskError
from scoring.index import changes as changes_index
from scoring.index import queries, report
from scoring.index.matrix import TimeOptions
from scoring.index.model import Result, RiskModel
from scoring.index.peers import peer_groups
from scoring.index.queries import ConQuery
from scoring.index.registry import Registry, load_registry
from scoring.index.uncertainty import monte_carlo_ranks
from scoring.index.weights import Profile, profile_from_dict
from scoring.load import geo, upload
from scoring.load import municipal as municipal_geo
from scoring.load.names import PlaceFinder

# Most events the Events page lists (and counts) at once; it says so when a filter matches more.
EVENT_ROWS_LIMIT = 20_000
# Most events a state's or corridor's page lists (newest first); it says so when more match.
REGION_EVENTS_LIMIT = 500
# Most events drawn on the risk map (deadliest first).
MAP_EVENTS_LIMIT = 3_000

# The Events page's filters (an empty list or text means "any"), shared by its list and its timeline.
EVENT_FILTERS = """WHERE e.date >= ? AND e.date <= ?
          AND (len(?::VARCHAR[]) = 0 OR list_contains(?::VARCHAR[], e.state_code))
          AND (len(?::VARCHAR[]) = 0 OR list_contains(?::VARCHAR[], e.event_type))
          AND (len(?::VARCHAR[]) = 0 OR list_contains(?::VARCHAR[], e.origin))
          AND (?::VARCHAR = '' OR strip_accents(e.notes) ILIKE ? ESCAPE '\\'
               OR strip_accents(e.actors) ILIKE ? ESCAPE '\\' OR strip_accents(e.place) ILIKE ? ESCAPE '\\')"""

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
    "corridor_states": """
        SELECT state_code, share, length_km FROM corridor_states WHERE corridor_id = ? ORDER BY share DESC""",
    "events_range": "SELECT min(date) AS first_event, max(date) AS last_event, count(*) AS events FROM events",
    # An empty list or text means "any"; one row more than asked tells the page it was cut.
    "events_filtered": f"""
        SELECT e.event_id, e.date, e.date_precision, e.event_type, e.fatalities, e.injured, s.name_common AS state,
               e.place, e.actors, e.target_category, e.corridor_id, e.origin, e.confidence, e.source_id, e.notes
        FROM events e JOIN states s USING (state_code)
        {EVENT_FILTERS}
        ORDER BY e.date DESC, e.event_id LIMIT ?""",
    # every matching event by month (month NULL: known only to the year), not only the rows listed
    "events_monthly": f"""
        SELECT CASE WHEN e.date_precision = 'year' THEN NULL ELSE date_trunc('month', e.date) END AS month,
               count(*) AS events, sum(e.fatalities) AS deaths, count(*) FILTER (WHERE e.fatalities IS NULL) AS unknown
        FROM events e
        {EVENT_FILTERS}
        GROUP BY ALL ORDER BY month NULLS FIRST""",
    "map_events": """
        SELECT date, event_type, fatalities, place, latitude, longitude FROM events
        WHERE latitude IS NOT NULL AND date > ?::DATE - to_days(?::INTEGER) AND date <= ?::DATE
        ORDER BY coalesce(fatalities, 0) DESC LIMIT ?""",
    "group_presence": "SELECT metric, article_ids, notes FROM facts WHERE kind = 'group_presence' AND state_code = ?",
    "batches": """
        SELECT batch_id, loaded_at, file_name, format, release, rows_read, rows_loaded, rows_rejected,
               rows_superseded, note
        FROM ingest_batches ORDER BY loaded_at DESC, batch_id""",
    # A month missing for the whole dataset (scoring.index.queries.missing_month) has no coverage.
    "coverage": f"""
        SELECT c.state_code, make_date(c.year, c.month, 1) AS month,
               CASE WHEN q.flag IS NOT NULL THEN 0 ELSE c.cells_with_value / c.cells END AS share
        FROM coverage c LEFT JOIN data_quality q ON q.dataset = c.dataset AND q.state_code = c.state_code
             AND q.year = c.year AND q.month = c.month AND {queries.missing_month("q", None)}
        WHERE c.dataset = ? AND c.year >= ?""",
    "quality_flags": "SELECT dataset, state_code, year, month, flag, note FROM data_quality "
                     "ORDER BY flag, state_code, year, month",
    "sources": "SELECT source_id, kind, title, publisher, published, licence, provenance FROM sources "
               "ORDER BY kind, source_id",
}

BUILD_HINT = "Build it with `make run` (which builds it when missing) or `python -m scoring build --db {path}`."

# The model's stage-1 cache is shared by every session of this process.
_LOCK = threading.Lock()

# The default view's results read from the file beside the database (:mod:`dashboard.saved`) by
# the warm-up: {"key": (path, mtime_ns), "items": {(name, *args): result}}. The cached functions
# below return an item from here instead of computing it, for that database version only.
_SAVED: dict = {"key": None, "items": {}}


def _saved(name: str, path: str, mtime: int, *args):
    if _SAVED["key"] != (path, mtime):
        return None
    return _SAVED["items"].get((name, *args))


# -- the database -----------------------------------------------------------------------------

def db_file() -> Path:
    """The database the app reads: ``$RISK_DB``, else ``data/risk.duckdb`` (see scoring.paths)."""
    return paths.db_path()


_RESOLVED: dict[Path, str] = {}


def _db_key() -> tuple[str, int]:
    """(path, mtime) of the database; stops the page with a clear message if it is missing.

    Called by every data function of a page run: one ``stat`` each (a new file swapped in by an
    import shows at once), the absolute path resolved once per process (it was 6 % of a rerun)."""
    path = db_file()
    try:
        st_ = os.stat(path)
    except OSError:
        st_ = None
    if st_ is None or not stat.S_ISREG(st_.st_mode):
        st.error(f"**No risk database at `{path}`.** " + BUILD_HINT.format(path=path), icon="⚠️")
        st.stop()
    resolved = _RESOLVED.get(path)
    if resolved is None:
        resolved = _RESOLVED.setdefault(path, str(path.resolve()))
    return resolved, st_.st_mtime_ns


@st.cache_resource(show_spinner=False)
def _store(path: str) -> Store:
    return Store(path)


@st.cache_data(show_spinner=False, max_entries=512)
def _query(path: str, mtime_ns: int, name: str, params: tuple = ()) -> pd.DataFrame:
    # mtime_ns is only part of the cache key: a rebuilt file gets fresh results.
    return _store(path).query(QUERIES[name], [list(p) if isinstance(p, tuple) else p for p in params])


def _guarded(fn, path: str):
    """Run ``fn()``, turning database trouble into a page-level error."""
    try:
        return fn()
    except duckdb.IOException as exc:  # typically "Could not set lock": a build or import is writing
        st.error(f"**The risk database `{path}` cannot be opened right now** ({exc}). If a build or an "
                 "import is running, wait for it to finish and reload the page.", icon="⚠️")
        st.stop()
    except duckdb.CatalogException as exc:  # a table or column the app expects is missing
        st.error(f"**The risk database `{path}` is out of date** ({exc}). " + BUILD_HINT.format(path=path),
                 icon="⚠️")
        st.stop()


def query(name: str, params: tuple = ()) -> pd.DataFrame:
    """Run one of :data:`QUERIES` (cached; list parameters are passed as tuples)."""
    path, mtime = _db_key()
    return _guarded(lambda: _query(path, mtime, name, tuple(params)), path)


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


def corridors_in_state(state_code: str) -> pd.DataFrame:
    """Corridors that cross one state (by the ``states`` list of each corridor)."""
    df = corridors()
    mask = df["states"].map(lambda codes: state_code in list(codes))
    return df[mask].reset_index(drop=True)


def corridor_state_shares(corridor_id: str) -> pd.DataFrame:
    """The states a corridor crosses, with the share of its length in each (largest first)."""
    return query("corridor_states", (corridor_id,))


def group_presence(state_code: str) -> pd.DataFrame:
    """Armed groups the seed articles place in a state (``facts`` of kind group_presence)."""
    return query("group_presence", (state_code,))


# -- events ------------------------------------------------------------------------------------

def fold_accents(text: str) -> str:
    """Text without accents (as DuckDB's strip_accents), for accent-insensitive search."""
    import unicodedata

    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def events_range() -> tuple[dt.date | None, dt.date | None]:
    """First and last event date in the database (None, None when there are no events)."""
    row = query("events_range").iloc[0]
    if pd.isna(row["first_event"]):
        return None, None
    return pd.Timestamp(row["first_event"]).date(), pd.Timestamp(row["last_event"]).date()


def events_filtered(states: tuple, types: tuple, origins: tuple, start, end, text: str,
                    limit: int = EVENT_ROWS_LIMIT) -> tuple[pd.DataFrame, bool]:
    """Events matching the filters (empty = any), newest first, at most ``limit``, with their
    state's name; and whether more matched than ``limit``."""
    df = query("events_filtered", _event_params(states, types, origins, start, end, text) + (limit + 1,))
    return df.head(limit), len(df) > limit


def events_monthly(states: tuple, types: tuple, origins: tuple, start, end, text: str) -> pd.DataFrame:
    """Every event matching the filters of :func:`events_filtered`, counted by month (month,
    events, deaths, unknown: events without a toll); month missing for events known only to
    the year."""
    return query("events_monthly", _event_params(states, types, origins, start, end, text))


def _event_params(states, types, origins, start, end, text: str) -> tuple:
    # accents and case forgiven on both sides ("Cancun" finds "Cancún"); % and _ typed are literal
    folded = fold_accents(text).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    like = f"%{folded}%"
    return (start, end, tuple(states), tuple(states), tuple(types), tuple(types), tuple(origins), tuple(origins),
            text, like, like, like)


def map_events(as_of: dt.date, days: int, limit: int = MAP_EVENTS_LIMIT) -> pd.DataFrame:
    """Events with coordinates in the window, deadliest first (for the map's point layer)."""
    return query("map_events", (as_of, days, as_of, limit))


def region_events(region_id: str, region_type: str, as_of: dt.date, days: int, buffer_km: float,
                  limit: int = REGION_EVENTS_LIMIT) -> tuple[pd.DataFrame, bool]:
    """The events behind a region's event indicators, newest first, with their sources: at
    most ``limit``, and whether more matched."""
    path, mtime = _db_key()
    df = _guarded(lambda: _region_events(path, mtime, region_id, region_type, as_of, days, buffer_km, limit + 1),
                  path)
    return df.head(limit), len(df) > limit


@st.cache_data(show_spinner=False, max_entries=128)
def _region_events(path, mtime, region_id, region_type, as_of, days, buffer_km, limit):
    return queries.events_for_region(_store(path), region_id, region_type, as_of, days, buffer_km, limit)


# -- official figures, imports and sources -------------------------------------------------------

def trend(state_code: str, months: int = 60) -> pd.DataFrame:
    """A state's monthly official figures per 100,000 a year (:func:`scoring.index.report.trend`)."""
    path, mtime = _db_key()
    return _guarded(lambda: _trend(path, mtime, state_code, months), path)


@st.cache_data(show_spinner=False, max_entries=128)
def _trend(path, mtime, state_code, months):
    hit = _saved("trend", path, mtime, state_code, months)
    if hit is not None:
        return hit
    return report.trend(_store(path), state_code, months)


def spikes(as_of: dt.date, state_code: str) -> pd.DataFrame:
    """Recent months far above the state's own history (:func:`scoring.index.report.spikes`)."""
    path, mtime = _db_key()
    return _guarded(lambda: _spikes(path, mtime, as_of, state_code), path)


@st.cache_data(show_spinner=False, max_entries=128)
def _spikes(path, mtime, as_of, state_code):
    every = _all_spikes(path, mtime, as_of)
    return every[every["state_code"] == state_code].reset_index(drop=True)


@st.cache_resource(show_spinner=False, max_entries=8)
def _all_spikes(path, mtime, as_of) -> pd.DataFrame:
    """Every state's spikes at once (one query; a state's own is the same rows, 6x dearer)."""
    hit = _saved("spikes", path, mtime, as_of)
    if hit is not None:
        return hit
    return report.spikes(_store(path), as_of)


def coverage_matrix(dataset: str, start_year: int = 2015) -> pd.DataFrame:
    """Share of the tracked cells with a figure: states x months ("YYYY-MM"), 0 for missing months."""
    df = query("coverage", (dataset, start_year))
    if df.empty:
        return pd.DataFrame()
    df["month"] = pd.to_datetime(df["month"]).dt.strftime("%Y-%m")
    return df.pivot_table(index="state_code", columns="month", values="share", aggfunc="max").sort_index()


def quality_flags() -> pd.DataFrame:
    """Every data-quality flag (reporting gaps, suspect zeros, ...) with its note."""
    return query("quality_flags")


def batches() -> pd.DataFrame:
    """The import history, newest first."""
    return query("batches")


def death_certificate_line(state_code: str) -> str | None:
    """How much of the death-certificate homicide count the police files cover, in words."""
    path, mtime = _db_key()
    return _guarded(lambda: _dc_lines(path, mtime).get(state_code), path)


@st.cache_resource(show_spinner=False, max_entries=4)
def _dc_lines(path: str, mtime: int) -> dict[str, str]:
    hit = _saved("dc_lines", path, mtime)
    if hit is not None:
        return hit
    return report.death_certificate_lines(_store(path))


def death_certificate_table() -> pd.DataFrame:
    """Per state: homicides on death certificates, police files and victims, and their ratios."""
    path, mtime = _db_key()
    return _guarded(lambda: _dc_table(path, mtime), path)


@st.cache_data(show_spinner=False, max_entries=4)
def _dc_table(path: str, mtime: int) -> pd.DataFrame:
    s = _store(path)
    f = queries.death_certificate_coverage(s, "homologated").set_index("state_code")
    v = queries.death_certificate_coverage(s, "victims").set_index("state_code")
    if f.empty:
        return pd.DataFrame()
    names = query("states").set_index("state_code")["name_common"]
    out = pd.DataFrame({"state": names.reindex(f.index), "death certificates": f["deaths"],
                        "police files": f["police"], "files per death": (f["police"] / f["deaths"]).round(2),
                        "victims per death": (v["police"] / v["deaths"]).reindex(f.index).round(2),
                        "years": f["first_year"].astype(int).astype(str) + "-" + f["last_year"].astype(int).astype(str)})
    return out.sort_values("files per death").reset_index(drop=True)


@st.cache_resource(show_spinner=False)
def _finder() -> PlaceFinder:
    return PlaceFinder()


def find_places(text: str, limit: int = 8) -> list:
    """States, municipalities, towns and corridors matching what the user typed (best first)."""
    return _finder().find(text, limit=limit)


def assessments() -> pd.DataFrame:
    """External ratings, each assessor's latest (compared with, never scored from)."""
    path, mtime = _db_key()
    return _guarded(lambda: _assessments(path, mtime), path)


@st.cache_data(show_spinner=False, max_entries=4)
def _assessments(path: str, mtime: int) -> pd.DataFrame:
    return queries.assessments(_store(path))


def sources() -> pd.DataFrame:
    """Every source: datasets and articles, with publisher, licence and provenance."""
    return query("sources")


# -- geometry ----------------------------------------------------------------------------------

GEO_DIR = paths.GEO
STATIC_GEO_DIR = Path(__file__).resolve().parent / "static" / "geo"     # served at /app/static/geo/
STATIC_GEO = ("mx_states.geojson", "mx_municipalities_national.geojson")


def geojson_url(name: str) -> str | None:
    """The URL of an outline file the launcher published as a static file (``python -m
    dashboard.serve``), or None where it did not (the map then carries the outlines inline).

    plotly.js fetches a GeoJSON named by URL once per page and keeps it: a weight change no
    longer re-sends the 100 KB of state outlines (0.9 MB for the municipal layer) in the figure,
    and the server no longer copies them into every figure it builds (40 % of building the map)."""
    static, src = STATIC_GEO_DIR / name, GEO_DIR / name
    try:
        if static.stat().st_size == src.stat().st_size:
            return f"/app/static/geo/{name}"
    except OSError:
        pass
    return None


@st.cache_resource(show_spinner=False)
def state_geojson() -> dict:
    """The 32 state outlines (feature ``id`` = INEGI code, outer rings clockwise for plotly).
    One object shared by every session: read only (a cached resource, not a copy per call)."""
    return geo.load_geojson()


# -- scores ------------------------------------------------------------------------------------

def registry() -> Registry:
    """The indicators and pillars (scoring/config/indicators.yml)."""
    return load_registry()


@st.cache_resource(show_spinner=False)
def _model(path: str, mtime_ns: int) -> RiskModel:
    return RiskModel(_store(path))


def _profile(profile_yaml: str) -> Profile:
    return profile_from_dict(yaml.safe_load(profile_yaml))


@st.cache_resource(show_spinner=False, max_entries=48)
def _run(path: str, mtime: int, profile_yaml: str, opts: TimeOptions, uncertainty: bool, mc_draws: int,
         explain: bool = True) -> Result:
    hit = _saved("run", path, mtime, profile_yaml, opts, uncertainty, mc_draws, explain)
    if hit is not None:
        return hit
    with _LOCK:
        return _model(path, mtime).run(_profile(profile_yaml), opts, uncertainty=uncertainty, mc_draws=mc_draws,
                                       boot_draws=100, explain=explain)


def run(profile: Profile | None = None, opts: TimeOptions | None = None, *, uncertainty: bool = True,
        mc_draws: int = 500, explain: bool = True) -> Result:
    """Scores for the current (or given) profile and options; errors become a page message."""
    profile = profile or settings.profile()
    opts = opts or settings.time_options()
    path, mtime = _db_key()
    try:
        return _guarded(lambda: _run(path, mtime, profile.to_yaml(), opts, uncertainty, mc_draws, explain), path)
    except RiskError as exc:
        st.error(_("These settings cannot be scored: {exc}", exc=exc))
        st.stop()


def default_as_of() -> dt.date:
    """The end of the latest month with official data (the as-of date when none is chosen)."""
    path, mtime = _db_key()
    with _LOCK:
        return _guarded(lambda: _model(path, mtime).default_as_of(), path)


def freshness() -> list[report.Freshness]:
    """How fresh each source is (:func:`scoring.index.report.freshness`), per database version."""
    path, mtime = _db_key()
    return _guarded(lambda: _freshness(path, mtime), path)


@st.cache_data(show_spinner=False, max_entries=4)
def _freshness(path: str, mtime: int) -> list[report.Freshness]:
    return report.freshness(_store(path))


@st.cache_resource(show_spinner=False, max_entries=16)
def _history(path: str, mtime: int, profile_yaml: str, opts: TimeOptions, quarters: int) -> pd.DataFrame:
    hit = _saved("history", path, mtime, profile_yaml, opts, quarters)
    if hit is not None:
        return hit
    with _LOCK:
        return report.score_history(_model(path, mtime), _profile(profile_yaml), opts, quarters)


def score_history(region_id: str | None = None, quarters: int = 8) -> pd.DataFrame:
    """The score at quarterly as-of dates over the last two years (current profile and window)."""
    path, mtime = _db_key()
    with st.spinner(_("Scoring the previous quarters...")):
        h = _history(path, mtime, settings.profile().to_yaml(), settings.time_options(), quarters)
    return h if region_id is None else h[h["region_id"] == region_id]


@st.cache_resource(show_spinner=False, max_entries=32)
def _mc(path: str, mtime: int, profile_yaml: str, opts: TimeOptions, draws: int):
    hit = _saved("mc", path, mtime, profile_yaml, opts, draws)
    if hit is not None:
        return hit
    with _LOCK:
        model = _model(path, mtime)
        prep = model.prepared(opts if opts.as_of else dataclasses.replace(opts, as_of=model.default_as_of()))
    return monte_carlo_ranks(prep, _profile(profile_yaml), draws=draws)


def mc_ranks(profile: Profile, draws: int = 500):
    """Monte-Carlo rank ranges for a profile (cached)."""
    path, mtime = _db_key()
    return _mc(path, mtime, profile.to_yaml(), settings.time_options(), draws)


@st.cache_resource(show_spinner=False, max_entries=32)
def _peers(key: tuple, _pillars, codes: tuple):
    return peer_groups(_pillars, list(codes))


def peers(res: Result) -> pd.DataFrame:
    """k-means peer groups of the states on their pillar scores (fitted once per result)."""
    t = res.table[res.table["region_type"] == "state"]
    P = t[[f"pillar_{p}" for p in res.scores.pillar_ids]].to_numpy()
    key = (tuple(t["region_id"]), tuple(np.round(np.nan_to_num(P, nan=-1), 6).ravel()))
    return _peers(key, P, tuple(t["region_id"]))



# -- warming a new server ----------------------------------------------------------------------

_WARM = {"started": False}
_WARM_LOCK = threading.Lock()


def warm_up_in_background() -> None:
    """Once per server process: compute the default view's results (the analyst profile, the
    default time options: exactly the cache keys the first page asks for) in a background
    thread, so the first visitor of a just-started server finds them ready. Never raises;
    a request that comes first simply computes (or waits for) the same entries."""
    with _WARM_LOCK:
        if _WARM["started"]:
            return
        _WARM["started"] = True
    threading.Thread(target=_warm_up, name="risk-warm-up", daemon=True).start()


def _warm_up() -> None:
    import logging

    try:
        ready = prepare()
        if ready is not None:
            # the server's console (and the launcher's test) can tell the warm-up happened
            print(f"default results ready in {ready[0]:.1f} s ({ready[1]})", flush=True)
    except Exception as exc:  # noqa: BLE001 - warming is an optimisation: a failure only costs time
        logging.getLogger(__name__).warning("warm-up skipped: %s", exc)


def prepare() -> tuple[float, str] | None:
    """The default view's results (the analyst profile, the default time options: exactly the
    cache keys the first page asks for) in this process's caches: read from the file beside the
    database when it matches (:mod:`dashboard.saved`), else computed and the file written.
    Returns (seconds, "read" or "computed"), or None without a database."""
    from scoring.index.weights import load_profile

    path = db_file()
    if not path.is_file():
        return None
    t0 = time.perf_counter()
    stamp = saved.stamp(path)
    key = (str(path.resolve()), path.stat().st_mtime_ns)
    items = saved.load(path)
    _SAVED.update(key=key, items=items)
    profile_yaml = load_profile(settings.SETTINGS["profile"][0]).to_yaml()
    opts = TimeOptions()
    run_key = ("run", profile_yaml, opts, True, 500, True)
    res = _run(*key, *run_key[1:])                                # the risk map's and profiles' scores
    state_geojson()                                               # the first map's outlines
    out = {run_key: res}
    ms = _municipal(*key, profile_yaml, opts)                     # the municipal layer and place pages
    out[("municipal", profile_yaml, opts)] = ms
    out[("history", profile_yaml, opts, 8)] = _history(*key, profile_yaml, opts, 8)   # state pages, briefs
    peers(res)                                                    # the state pages' peer groups
    from scoring.index import stretches as stretch_index

    if ms is not None and stretch_index.has_stretches(_store(key[0])):
        out[("stretches", profile_yaml, opts)] = _stretches(*key, profile_yaml, opts)   # the Corridors page
    live_key = ("run", profile_yaml, opts, False, 500, False)
    out[live_key] = _run(*key, *live_key[1:])                     # Weights & methods, What changed
    out[("mc", profile_yaml, opts, 500)] = _mc(*key, profile_yaml, opts, 500)        # rank ranges
    as_of = res.options.as_of
    since = month_ends(as_of)[DEFAULT_SINCE]
    out[("changes", profile_yaml, opts, since)] = _changes(*key, profile_yaml, opts, since)
    out[("spikes", as_of)] = _all_spikes(*key, as_of)            # state pages, briefs
    out[("dc_lines",)] = _dc_lines(*key)
    for code in _query(*key, "states")["state_code"]:                 # every state page's trend chart
        out[("trend", code, 60)] = _trend(*key, code, 60)
    if items.keys() >= out.keys():
        return time.perf_counter() - t0, "read"
    saved.save(path, out, stamp)
    return time.perf_counter() - t0, "computed"


# -- municipalities ----------------------------------------------------------------------------

@st.cache_resource(show_spinner=False, max_entries=48)
def _municipal(path: str, mtime: int, profile_yaml: str, opts: TimeOptions):
    hit = _saved("municipal", path, mtime, profile_yaml, opts)
    if hit is not None:
        return hit
    with _LOCK:
        return _model(path, mtime).municipalities(_profile(profile_yaml), opts)


def municipal(profile: Profile | None = None, opts: TimeOptions | None = None):
    """Every municipality scored (:class:`scoring.index.municipal.MunicipalScores`, shared: read
    only), or None for a database built before municipalities existed."""
    profile = profile or settings.profile()
    opts = opts or settings.time_options()
    path, mtime = _db_key()
    try:
        return _guarded(lambda: _municipal(path, mtime, profile.to_yaml(), opts), path)
    except RiskError as exc:
        st.error(_("These settings cannot be scored: {exc}", exc=exc))
        st.stop()


@st.cache_data(show_spinner=False, max_entries=40)
def municipal_geojson(state_code: str | None = None) -> dict:
    """Municipal outlines (feature ``id`` = 5-digit INEGI code) of one state, or all 2,475."""
    return municipal_geo.geojson_subset(state_code or None)


def place_events(cvegeo: str, as_of: dt.date, days: int) -> pd.DataFrame:
    """Events placed in a municipality in the window (newest first, with sources)."""
    path, mtime = _db_key()
    return _guarded(lambda: _place_events(path, mtime, cvegeo, as_of, days), path)


@st.cache_data(show_spinner=False, max_entries=128)
def _place_events(path, mtime, cvegeo, as_of, days):
    return queries.events_in_municipality(_store(path), cvegeo, as_of, days)


def place_trend(cvegeo: str, pop: float) -> pd.DataFrame:
    """A municipality's monthly official figures per 100,000 a year (last 36 months)."""
    path, mtime = _db_key()
    return _guarded(lambda: _place_trend(path, mtime, cvegeo, float(pop)), path)


@st.cache_data(show_spinner=False, max_entries=128)
def _place_trend(path, mtime, cvegeo, pop):
    from scoring.index import municipal as municipal_index

    return municipal_index.trend(_store(path), cvegeo, pop)


def stretch_scores(profile: Profile | None = None, opts: TimeOptions | None = None):
    """(stretches, corridor levels from their stretches) for the current settings, or (None, None)
    for a database without municipalities or stretches (:mod:`scoring.index.stretches`)."""
    from scoring.index import stretches as stretch_index

    profile = profile or settings.profile()
    ms = municipal(profile, opts)
    path, mtime = _db_key()
    if ms is None or not _guarded(lambda: stretch_index.has_stretches(_store(path)), path):
        return None, None
    return _guarded(lambda: _stretches(path, mtime, profile.to_yaml(), opts or settings.time_options()), path)


@st.cache_resource(show_spinner=False, max_entries=48)
def _stretches(path: str, mtime: int, profile_yaml: str, opts: TimeOptions):
    from scoring.index import stretches as stretch_index

    hit = _saved("stretches", path, mtime, profile_yaml, opts)
    if hit is not None:
        return hit
    prof = _profile(profile_yaml)
    ms = _municipal(path, mtime, profile_yaml, opts)
    st_ = stretch_index.score_stretches(_store(path), ms.table, prof.thresholds)
    return st_, stretch_index.corridor_levels(st_, prof.thresholds)


@st.cache_data(show_spinner=False, max_entries=256)
def corridors_through(cvegeo: str) -> list[str]:
    """Corridors whose line crosses a municipality."""
    return municipal_geo.corridors_crossing(corridor_paths(), cvegeo)


# -- imports from the page: a trial first, then the import; removal ------------------------------

def preview_upload(file_name: str, payload: bytes, fmt: str, release: str | None, say=lambda m: None):
    """What importing this file would change, tried on a throw-away copy: (Upload, moves), where
    ``moves`` lists the regions whose level, rank or score would move (current profile and options).
    Nothing is written to the served database."""
    profile, opts = settings.profile(), settings.time_options()
    before = run(profile, opts)          # the scores the pages show now (cached)

    def score(con):
        return RiskModel(ConQuery(con)).run(profile, opts, uncertainty=False, compare=False, explain=False)

    up, after = upload.trial_upload(db_file(), file_name, payload, fmt, score, release=release, say=say)
    return up, report.import_effect(before, after)


def import_file(file_name: str, payload: bytes, fmt: str, release: str | None, say=lambda m: None):
    """Import for real (on a copy swapped in); caches keyed on the file's version refresh by themselves."""
    return upload.import_upload(db_file(), file_name, payload, fmt, release=release, say=say)


def remove_batch(batch_id: str) -> dict[str, int]:
    """Take one imported batch out of the served database."""
    return upload.remove_upload(db_file(), batch_id)


# -- from an article to events (issue 14): extraction, likely duplicates, trial, import -----------

def extract_article(text: str | bytes, name: str, published: dt.date | None, lang: str):
    """The candidate events of a pasted or uploaded article, each flagged with the stored events it
    likely duplicates (read only), and those stored events (with the review row they match). Raises RiskError for text that is not an article in Spanish or
    English, and :class:`scoring.extract.events.NeedsDate` when the date must be asked for."""
    from scoring.extract import duplicates
    from scoring.extract.events import extract
    from scoring.extract.text import from_bytes, from_text

    article = from_bytes(text, name) if isinstance(text, bytes) else from_text(text, name)   # an upload: bytes
    ex = extract(article, published=published, lang=lang)
    path, _ = _db_key()
    store_ = _store(path)
    found = _guarded(lambda: duplicates.find(ex.candidates, store_.query), path)
    for i, rows in found.items():
        ex.candidates[i].duplicate_of = list(rows["event_id"])
    stored = pd.concat([rows.assign(row=i + 1) for i, rows in found.items()], ignore_index=True) if found else None
    return ex, stored


def preview_article(payload: bytes, sources: dict, say=lambda m: None):
    """What importing the reviewed events would change, on a throw-away copy (like :func:`preview_upload`)."""
    profile, opts = settings.profile(), settings.time_options()
    before = run(profile, opts)

    def score(con):
        return RiskModel(ConQuery(con)).run(profile, opts, uncertainty=False, compare=False, explain=False)

    name = f"{next(iter(sources))}.csv"
    up, after = upload.trial_upload(db_file(), name, payload, "events", score, say=say, sources=sources)
    return up, report.import_effect(before, after)


def import_article(payload: bytes, sources: dict, say=lambda m: None):
    """Import the reviewed events as one batch whose source is the article."""
    return upload.import_upload(db_file(), f"{next(iter(sources))}.csv", payload, "events", say=say, sources=sources)


@st.cache_resource(show_spinner=False, max_entries=8)
def _changes(path: str, mtime: int, profile_yaml: str, opts: TimeOptions, since: dt.date):
    hit = _saved("changes", path, mtime, profile_yaml, opts, since)
    if hit is not None:
        return hit
    with _LOCK:
        return changes_index.changes(_model(path, mtime), _profile(profile_yaml), opts, since)


def month_ends(as_of: dt.date, n: int = 24) -> list[dt.date]:
    """The ends of the ``n`` months before ``as_of``'s month, newest first (What changed's choices)."""
    ends, d = [], as_of.replace(day=1) - dt.timedelta(days=1)
    for _k in range(n):
        ends.append(d)
        d = d.replace(day=1) - dt.timedelta(days=1)
    return ends


DEFAULT_SINCE = 2   # What changed opens on the third month end back (index into month_ends)


def changes(since: dt.date):
    """What changed since ``since`` (:func:`scoring.index.changes.changes`), current profile and options."""
    path, mtime = _db_key()
    return _guarded(lambda: _changes(path, mtime, settings.profile().to_yaml(), settings.time_options(), since), path)
