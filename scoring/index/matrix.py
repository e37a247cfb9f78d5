"""Stage 1 of the index: the region x indicator matrix, from the store's tables.

For every state and corridor, each indicator's raw value (annualised, per 100,000 people or
per 100 km), its coverage (the share of the decay-weighted window that has data) and the
numbers behind it (for tracing). It runs once per data and time choice; weights and methods
then act on its output in numpy (:mod:`scoring.index.score`).

Missing data is explicit: a cell without enough data is NaN, never zero.

Each source's window ends at its own latest data (never later than the as-of date), so a
source that stops early is scored on its last window, with the lag in the notes.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

from scoring.db.schema import STAT_DATASETS
from scoring.errors import OptionError
from scoring.index import queries
from scoring.index.registry import Indicator, Registry, load_registry

# The time defaults: a one-year window, events and months weighted with a 180-day half-life,
# corridors taking events within 25 km, and the "change" compared with 91 days earlier.
DEFAULT_WINDOW_DAYS = 365
DEFAULT_HALF_LIFE_DAYS = 180.0
DEFAULT_BUFFER_KM = 25.0
DEFAULT_COMPARE_DAYS = 91

# An indicator with less than this share of its decay-weighted window covered is "no data".
MIN_COVERAGE = 0.25
# Values that stand on reports alone (no systematic source covers the window) are compared with
# one another only where reports name at least this share of the regions of a kind (8 of the 32
# states): two killings imported for Sinaloa, the only state a report named, scored it lower
# (6.87 -> 5.83) than no report at all, being compared with nothing but a corridor.
MIN_REPORTED_SHARE = 0.25
# A source whose latest figures are older than this (before the as-of date) is too stale to use.
MAX_LAG_DAYS = 730
# Smoothing for log ratios in momentum (per 100k per year), so tiny rates do not explode.
MOMENTUM_EPS = 1.0


# The as-of dates a score can mean (window arithmetic on year 1 or 9999 overflows).
AS_OF_RANGE = (dt.date(1900, 1, 1), dt.date(2100, 12, 31))


@dataclass(frozen=True)
class TimeOptions:
    """The data and time choices of stage 1 (the weights are stage 2's business)."""

    as_of: dt.date | None = None
    window_days: int = DEFAULT_WINDOW_DAYS
    half_life_days: float = DEFAULT_HALF_LIFE_DAYS
    buffer_km: float = DEFAULT_BUFFER_KM
    compare_days: int = DEFAULT_COMPARE_DAYS
    # Scale homicide files up (or down) by how many homicides the death certificates record
    # for each file (INEGI): off by default, see docs/METHODS.md ("Under-count").
    undercount: bool = False
    # Score the data as the build left it: every imported batch left out (a view, not a removal).
    embedded_only: bool = False

    def validated(self) -> TimeOptions:
        if self.as_of is not None and not (AS_OF_RANGE[0] <= self.as_of <= AS_OF_RANGE[1]):
            raise OptionError(f"as_of must be between {AS_OF_RANGE[0]} and {AS_OF_RANGE[1]}, got {self.as_of}")
        if not (30 <= int(self.window_days) <= 3650):
            raise OptionError(f"window_days must be between 30 and 3650, got {self.window_days}")
        if not (math.isfinite(self.half_life_days) and 7 <= self.half_life_days <= 3650):
            raise OptionError(f"half_life_days must be between 7 and 3650, got {self.half_life_days}")
        if not (1 <= self.buffer_km <= 50):
            raise OptionError(f"buffer_km must be between 1 and 50, got {self.buffer_km}")
        if not (0 <= self.compare_days <= 3650):
            raise OptionError(f"compare_days must be between 0 and 3650, got {self.compare_days}")
        return self


@dataclass
class Matrix:
    """Stage 1's output: regions x indicators."""

    regions: pd.DataFrame                 # region_id, region_type, name, pop_2020, length_km
    ids: list[str]                        # indicator ids, registry order
    raw: np.ndarray                       # annualised values, NaN = no data
    coverage: np.ndarray                  # 0..1 per cell
    detail: pd.DataFrame                  # long: region_id, indicator, value, basis, data_end, source, coverage
    meta: dict = field(default_factory=dict)
    rse: np.ndarray | None = None         # relative standard error per cell (official counts), for the bootstrap

    @functools.cached_property
    def is_state(self) -> np.ndarray:
        return (self.regions["region_type"] == "state").to_numpy()


def per_100k_year(monthly_mean, population) -> np.ndarray:
    """A mean monthly count as a yearly rate per 100,000 people (the one annualisation rule)."""
    return np.asarray(monthly_mean, float) * 12 / np.asarray(population, float) * 1e5


@lru_cache(maxsize=64)
def _month_table(end: dt.date, window_days: int, half_life: float) -> pd.DataFrame:
    """Months whose first day is in (end - window, end], with their decay weight at mid-month.

    Cached (the same table serves every official indicator); callers only read it."""
    start = end - dt.timedelta(days=window_days)
    first = pd.Timestamp(start).to_period("M").to_timestamp()
    months = pd.date_range(first, pd.Timestamp(end), freq="MS")
    months = months[(months > pd.Timestamp(start)) & (months <= pd.Timestamp(end))]
    mid = months + pd.Timedelta(days=14)
    age = np.maximum((pd.Timestamp(end) - mid).days.to_numpy(), 0)
    return pd.DataFrame({"year": months.year, "month": months.month, "w": 0.5 ** (age / half_life)})


def _official(months: pd.DataFrame, mt: pd.DataFrame, dataset: str, series, states: list[str]):
    """Decay-weighted mean monthly value per state, coverage, total, months with data and the
    relative standard error, for one indicator's series."""
    sub = months[(months["dataset"] == dataset) & months["series"].isin(series)]
    per = sub.groupby(["state_code", "year", "month"])["v"].sum(min_count=1)
    idx = pd.MultiIndex.from_product([states, list(zip(mt["year"], mt["month"]))])
    full = per.reindex(pd.MultiIndex.from_tuples([(s, y, m) for s, (y, m) in idx],
                                                 names=["state_code", "year", "month"]))
    v = full.to_numpy().reshape(len(states), len(mt))
    w = mt["w"].to_numpy()[None, :]
    avail = np.isfinite(v)
    wa = (w * avail).sum(axis=1)
    mean = np.divide((np.where(avail, v, 0) * w).sum(axis=1), wa, out=np.full(len(states), np.nan), where=wa > 0)
    cov = wa / w.sum() if w.sum() > 0 else np.zeros(len(states))
    total = np.nansum(v, axis=1)
    # Relative standard error of the decayed mean if each monthly count is Poisson:
    # sqrt(sum w^2 v) / sum w v. Feeds the bootstrap interval (0 where nothing was counted).
    wv = (np.where(avail, v, 0) * w).sum(axis=1)
    w2v = (np.where(avail, v, 0) * w * w).sum(axis=1)
    rse = np.divide(np.sqrt(w2v), wv, out=np.zeros(len(states)), where=wv > 0)
    return mean, cov, total, avail.sum(axis=1), rse


def _covered_weight(end: dt.date, window_days: int, half_life: float, cov_start: dt.date | None) -> tuple[float, float]:
    """(decay-weighted days of the window inside the event coverage, all weighted days)."""
    ages = np.arange(window_days)
    w = 0.5 ** (ages / half_life)
    if cov_start is None:
        return 0.0, float(w.sum())
    days_covered = max(0, min(window_days, (end - cov_start).days + 1))
    return float(w[:days_covered].sum()), float(w.sum())


def default_as_of(db, ends: dict | None = None) -> dt.date:
    """The as-of date when none is given: the end of the latest month with official data
    (else the latest systematic event, else today). Sources that stop earlier are scored on
    their own latest window, with the lag in the notes."""
    ends = queries.source_ends(db) if ends is None else ends
    official_ends = [ends[k] for k in STAT_DATASETS if k in ends]
    return max(official_ends) if official_ends else ends.get("events") or dt.date.today()


def _aligned(values: pd.Series, ridx: pd.MultiIndex) -> np.ndarray:
    """A (region_id, region_type)-indexed series as an array in region order, 0 where absent."""
    if len(values) == 0:
        return np.zeros(len(ridx))
    return values.reindex(ridx, fill_value=0).to_numpy(float)


@dataclass
class _Frame:
    """What every part of stage 1 shares: the regions, the output arrays and the notes."""

    regions: pd.DataFrame
    states: list[str]
    as_of: dt.date
    opts: TimeOptions
    raw: np.ndarray
    cov: np.ndarray
    rse: np.ndarray
    detail: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    event_windows: dict = field(default_factory=dict)   # origin -> the end of its event window
    notes_meta: dict = field(default_factory=dict)      # more for Matrix.meta (origin years, ...)

    @functools.cached_property
    def is_state(self) -> np.ndarray:
        return (self.regions["region_type"] == "state").to_numpy()

    @functools.cached_property
    def pos(self) -> dict[str, int]:
        return {r: i for i, r in enumerate(self.regions["region_id"])}


def compute_matrix(db, opts: TimeOptions | None = None, reg: Registry | None = None) -> Matrix:
    """Stage 1: the raw indicator matrix for all states and corridors."""
    opts = (opts or TimeOptions()).validated()
    reg = reg or load_registry()
    ends = queries.source_ends(db, embedded_only=opts.embedded_only)
    as_of = opts.as_of or default_as_of(db, ends)
    regions = queries.regions(db)
    states = regions.loc[regions["region_type"] == "state", "region_id"].tolist()
    n, k = len(regions), len(reg.indicators)
    fr = _Frame(regions, states, as_of, opts, np.full((n, k), np.nan), np.zeros((n, k)), np.zeros((n, k)))
    pop = queries.population(db, as_of.year).reindex(states)
    _official_layer(db, fr, reg, ends, pop)
    _event_layer(db, fr, reg, ends, pop)
    detail = pd.DataFrame(fr.detail, columns=["region_id", "indicator", "value", "basis", "data_end", "source",
                                              "coverage"])
    meta = {"as_of": as_of, "window_days": opts.window_days, "half_life_days": opts.half_life_days,
            "buffer_km": opts.buffer_km, "source_ends": {k: str(v) for k, v in ends.items()}, "notes": fr.notes,
            "options": opts, "event_windows": fr.event_windows, **fr.notes_meta}
    return Matrix(regions, reg.ids, fr.raw, fr.cov, detail, meta, fr.rse)


# --- the official layer: states, and corridors by length share of the states they cross --------

def _official_ends(ends: dict, as_of: dt.date, notes: list, used: set[str]) -> dict[str, dt.date | None]:
    """Where each official dataset's window ends: its latest month, or None when too stale (a
    note for each dataset an indicator reads)."""
    out = {}
    for ds in [d for d in STAT_DATASETS if d in used]:
        e = ends.get(ds)
        out[ds] = None if e is None or (as_of - e).days > MAX_LAG_DAYS else min(as_of, e)
        if out[ds] is not None and out[ds] < as_of:
            notes.append(f"SESNSP {ds}: latest figures end {out[ds]:%Y-%m}; indicators from it are scored on "
                         "the window ending there")
    return out


def _share_matrix(db, fr: _Frame) -> np.ndarray:
    """regions x states: 1 for a state itself, a corridor's length share in each state crossed."""
    share_mat = np.zeros((len(fr.regions), len(fr.states)))
    spos = {s: i for i, s in enumerate(fr.states)}
    for r in queries.corridor_shares(db).itertuples(index=False):
        if r.corridor_id in fr.pos and r.state_code in spos:
            share_mat[fr.pos[r.corridor_id], spos[r.state_code]] = r.share
    for i, s in enumerate(fr.states):
        share_mat[fr.pos[s], i] = 1.0
    return share_mat


def _official_values(months, ind: Indicator, end: dt.date, opts: TimeOptions, states, pop: np.ndarray):
    """One official indicator per state: value, coverage, relative SE and the basis in words."""
    if ind.measure == "stock":
        return _stock_values(months, ind, states, pop)
    mt = _month_table(end, opts.window_days, opts.half_life_days)
    mean, c, total, nmonths, rse = _official(months, mt, ind.dataset, ind.series, states)
    if ind.measure != "momentum":
        basis = [f"{t:,.0f} {ind.dataset} in {m} months; pop {p:,.0f}" for t, m, p in zip(total, nmonths, pop)]
        val = per_100k_year(mean, pop)
    else:
        prev_end = end - dt.timedelta(days=opts.window_days)
        # unweighted means of this window and the one before, for a fair comparison
        m0, c0, *_ = _official(months, _month_table(end, opts.window_days, 1e9), ind.dataset, ind.series, states)
        m1, c1, *_ = _official(months, _month_table(prev_end, opts.window_days, 1e9), ind.dataset, ind.series, states)
        r0, r1 = per_100k_year(m0, pop), per_100k_year(m1, pop)
        val = np.log((r0 + MOMENTUM_EPS) / (r1 + MOMENTUM_EPS))
        c = np.minimum(c0, c1)
        rse = None
        basis = [f"{a:.1f} vs {b:.1f} per 100k/yr (window before)" for a, b in zip(r0, r1)]
    return np.where(c >= MIN_COVERAGE, val, np.nan), c, rse, basis


def _stock_values(months, ind: Indicator, states, pop: np.ndarray):
    """A stock (people missing): each state's latest published count per 100,000 people, not
    annualised; the month it was counted is in the basis. No count is missing, never zero."""
    sub = months[(months["dataset"] == ind.dataset) & months["series"].isin(ind.series)]
    per = sub.groupby(["state_code", "year", "month"])["v"].sum(min_count=1).dropna().reset_index()
    latest = per.sort_values(["year", "month"]).groupby("state_code").tail(1).set_index("state_code")
    latest = latest.reindex(states)
    val = latest["v"].to_numpy() / pop * 1e5                    # a count, not a flow: no annualising
    c = np.where(np.isfinite(val), 1.0, 0.0)
    basis = [f"{v:,.0f} as of {int(y):04d}-{int(m):02d}; pop {p:,.0f}" if np.isfinite(v) else "no count"
             for v, y, m, p in zip(latest["v"], latest["year"].fillna(0), latest["month"].fillna(0), pop)]
    return np.where(c >= MIN_COVERAGE, val, np.nan), c, np.zeros(len(states)), basis


# The under-count factor is clipped to this range: a state whose files and certificates differ
# more than that has a recording problem the factor would not fix.
UNDERCOUNT_CLIP = (0.5, 2.0)
UNDERCOUNT_YEARS = 3


def undercount_factors(db, states: list[str], dataset: str = "homologated") -> tuple[np.ndarray, str]:
    """Per state: INEGI homicide deaths / SESNSP homicide figures (of ``dataset``) over the
    latest ``UNDERCOUNT_YEARS`` whole years both cover, clipped to :data:`UNDERCOUNT_CLIP`;
    1 where either is missing. Returns (factors, "2020-2022")."""
    df = queries.death_certificate_coverage(db, dataset, UNDERCOUNT_YEARS)
    if df.empty:
        return np.ones(len(states)), "no years in common"
    ratio = (df.set_index("state_code")["deaths"] / df.set_index("state_code")["police"]).reindex(states)
    factor = np.clip(ratio.to_numpy(float), *UNDERCOUNT_CLIP)
    return np.where(np.isfinite(factor), factor, 1.0), f"{int(df['first_year'].iat[0])}-{int(df['last_year'].iat[0])}"


def _official_layer(db, fr: _Frame, reg: Registry, ends: dict, pop: pd.Series) -> None:
    ds_end = _official_ends(ends, fr.as_of, fr.notes, {i.dataset for i in reg.indicators if i.layer == "official"})
    share_mat = _share_matrix(db, fr)
    wmax = max(fr.opts.window_days, 30)
    month_cache: dict[str, pd.DataFrame] = {}
    n = len(fr.regions)
    for j, ind in enumerate(reg.indicators):
        if ind.layer != "official":
            continue
        end = ds_end.get(ind.dataset)
        if end is None:
            fr.notes.append(f"{ind.name}: no {ind.dataset} figures within {MAX_LAG_DAYS} days of {fr.as_of}")
            continue
        if ind.dataset not in month_cache:  # two windows back, for momentum (a stock: its whole lag)
            back = MAX_LAG_DAYS if ind.measure == "stock" else 2 * wmax + 31
            month_cache[ind.dataset] = queries.official_months(db, end - dt.timedelta(days=back), end,
                                                               embedded_only=fr.opts.embedded_only)
        val, c, rse_s, basis = _official_values(month_cache[ind.dataset], ind, end, fr.opts, fr.states,
                                                pop.to_numpy())
        if fr.opts.undercount and ind.undercount:
            factor, years = undercount_factors(db, fr.states, ind.dataset)
            val = val * factor
            basis = [f"{b}; x{f:.2f} for the homicides death certificates record per file ({years})"
                     for b, f in zip(basis, factor)]
        # corridors: length-share weighted over the states crossed (coverage likewise)
        has = np.isfinite(val).astype(float)
        num = share_mat @ np.where(np.isfinite(val), val, 0.0)
        den = share_mat @ has
        safe_den = np.where(den > 0, den, 1)
        fr.raw[:, j] = np.where(den > 0, num / safe_den, np.nan)
        if rse_s is not None:
            sd = np.where(np.isfinite(val), rse_s * np.nan_to_num(val), 0.0)
            sd_c = np.sqrt((share_mat ** 2) @ (sd ** 2)) / safe_den
            fr.rse[:, j] = np.divide(sd_c, fr.raw[:, j], out=np.zeros(n), where=np.nan_to_num(fr.raw[:, j]) > 0)
        fr.cov[:, j] = share_mat @ np.nan_to_num(c)
        src, data_end = f"D:sesnsp_{ind.dataset}", f"{end:%Y-%m}"
        for i, s in enumerate(fr.states):
            fr.detail.append((s, ind.id, fr.raw[fr.pos[s], j], basis[i], data_end, src, c[i]))
        for cid in fr.regions.loc[~fr.is_state, "region_id"]:
            fr.detail.append((cid, ind.id, fr.raw[fr.pos[cid], j], "length-weighted mean of the states crossed",
                              data_end, src, fr.cov[fr.pos[cid], j]))


# --- the events layer: states by state code, corridors by the events within the buffer ----------
#
# Each systematic origin (UCDP, ACLED, ...) has its own window, ending at its own latest event
# (never after the as-of date): a source that stops early is scored on its last window, and
# one that is more than MAX_LAG_DAYS stale is left out. Its coverage says which part of the
# window it observed. Reports (seed articles, a user's own events) count in the window ending
# at the as-of date, only for the regions they name: a region they do not name stays missing
# unless a systematic source covers it.

@dataclass
class _Origin:
    end: dt.date
    years: float          # decay-weighted years of the window the origin covers (annualisation)
    cov: float            # coverage of the window
    cov_prev: float       # coverage of the window before (for momentum)
    systematic: bool


def _event_origins(db, ends: dict, fr: _Frame) -> dict[str, _Origin]:
    opts, as_of = fr.opts, fr.as_of
    out = {}
    for key, last in sorted(ends.items()):
        if not key.startswith("events:"):
            continue
        origin = key.split(":", 1)[1]
        if (as_of - last).days > MAX_LAG_DAYS:
            fr.notes.append(f"events from {origin}: latest {last:%Y-%m-%d}, more than {MAX_LAG_DAYS} days before "
                            f"{as_of}; left out (its indicators are missing unless another source covers them)")
            continue
        end = min(as_of, last)
        if end < as_of:
            fr.notes.append(f"events from {origin}: latest {end:%Y-%m-%d}; scored on the window ending there")
        start = ends.get(f"events_start:{origin}")
        cw, tw = _covered_weight(end, opts.window_days, opts.half_life_days, start)
        cw1, tw1 = _covered_weight(end - dt.timedelta(days=opts.window_days), opts.window_days, 1e9, start)
        years = cw / (tw / opts.window_days) / 365.0 if tw else 0.0
        out[origin] = _Origin(end, years, cw / tw if tw else 0.0, cw1 / tw1 if tw1 else 0.0, True)
    reports = db.query(f"""SELECT DISTINCT origin FROM {queries.rows_of("events", opts.embedded_only)}
                           WHERE origin IN {queries.REPORT_ORIGINS}
                           AND date > ?::DATE - to_days(2 * ?::INTEGER) AND date <= ?::DATE ORDER BY origin""",
                       [as_of, opts.window_days, as_of])["origin"].tolist()
    for origin in reports:
        out[origin] = _Origin(as_of, opts.window_days / 365.0, 0.0, 0.0, False)
    return out


def _event_layer(db, fr: _Frame, reg: Registry, ends: dict, pop: pd.Series) -> None:
    ev_inds = [(j, ind) for j, ind in enumerate(reg.indicators) if ind.layer == "events"]
    if not ev_inds:
        return
    origins = _event_origins(db, ends, fr)
    fr.event_windows = {o: v.end for o, v in origins.items()}
    fr.notes_meta["origin_years"] = {o: v.years for o, v in origins.items()}
    fr.notes_meta["origin_systematic"] = {o: v.systematic for o, v in origins.items()}
    if not origins:
        fr.notes.append("events: no event data near the as-of date; the event indicators are missing")
        for j, ind in ev_inds:
            for r in fr.regions["region_id"]:
                fr.detail.append((r, ind.id, np.nan, "no event source covers the window", None, "events", 0.0))
        return
    opts, regions, is_state, n = fr.opts, fr.regions, fr.is_state, len(fr.regions)
    windows = {o: v.end for o, v in origins.items()}
    thresholds = sorted({ind.min_fatalities for _, ind in ev_inds})
    actor_types = sorted({t for _, ind in ev_inds if ind.measure == "distinct_actors" for t in ind.event_types})
    groups, actors = queries.event_sums(db, windows, opts.window_days, opts.half_life_days, thresholds,
                                        opts.buffer_km, actor_types, embedded_only=opts.embedded_only)
    # per 100,000 people (states, the population of the as-of year) or per 100 km (corridors)
    denom = np.where(is_state, pop.reindex(regions["region_id"]).to_numpy() / 1e5,
                     regions["length_km"].fillna(0).to_numpy() / 100)
    key = ["region_id", "region_type"]
    ridx = pd.MultiIndex.from_arrays([regions["region_id"], regions["region_type"]])
    reported = {o for o, v in origins.items() if not v.systematic}
    window_end = max(windows.values())
    unscored: dict[str, list] = {}     # kind -> [most regions named, needed, indicators]
    for j, ind in ev_inds:
        # the systematic sources that observe this kind of event, and the reports
        mine = {o: v for o, v in origins.items() if not v.systematic or ind.origins is None or o in ind.origins}
        systematic = [v for v in mine.values() if v.systematic]
        cov_ev = max((v.cov for v in systematic), default=0.0)
        cov_mom = max((min(v.cov, v.cov_prev) for v in systematic), default=0.0)
        g = groups[groups["event_type"].isin(ind.event_types) & (groups["bucket"] >= ind.min_fatalities)
                   & groups["origin"].isin(list(mine))]
        # regions a report names, with no systematic coverage: their value stands on the reports
        named = _aligned(g[(g["period"] == 0) & g["origin"].isin(reported)].groupby(key)["n"].sum(), ridx) > 0
        if ind.measure == "distinct_actors":
            val = _aligned(actors.set_index(key)["groups"], ridx)
            c = np.full(n, cov_ev)
            names = actors.set_index(key)["names"]
            names = names.reindex(ridx) if len(names) else pd.Series(np.nan, index=ridx)
            basis = [str(x) if isinstance(x, str) else "none named" for x in names]
        elif ind.measure == "momentum":
            f0 = _aligned(g[g["period"] == 0].groupby(key)["f"].sum(), ridx)
            f1 = _aligned(g[g["period"] == 1].groupby(key)["f"].sum(), ridx)
            val = np.log((1 + f0) / (1 + f1))
            c = np.full(n, cov_mom)
            named[:] = False          # a trend needs a source that covers both windows
            basis = [f"{a:,.0f} deaths vs {b:,.0f} in the window before" for a, b in zip(f0, f1)]
        else:
            col = "wf" if ind.measure == "fatalities" else "w"
            cur = g[g["period"] == 0]
            s = np.zeros(n)
            for origin, v in mine.items():
                if v.years > 0:
                    s += _aligned(cur[cur["origin"] == origin].groupby(key)[col].sum(), ridx) / v.years
            cnt = _aligned(cur.groupby(key)["n"].sum(), ridx).astype(int)
            fat = _aligned(cur.groupby(key)["f"].sum(), ridx)
            with np.errstate(divide="ignore", invalid="ignore"):
                val = s / denom
            c = np.full(n, cov_ev)
            basis = [f"{a:,} events, {b:,.0f} deaths in the window ({'per 100k people' if st else 'per 100 km'})"
                     for a, b, st in zip(cnt, fat, is_state)]
        reported_only = named & (c < MIN_COVERAGE)
        c = np.where(reported_only, MIN_COVERAGE, c)
        val = np.where(c >= MIN_COVERAGE, val, np.nan)
        for kind, word in ((is_state, "states"), (~is_state, "corridors")):
            mask = reported_only & kind
            need = int(np.ceil(MIN_REPORTED_SHARE * kind.sum()))
            if mask.any() and mask.sum() < need:
                val = np.where(mask, np.nan, val)
                c = np.where(mask, 0.0, c)
                why = (f"not scored: reports alone name {int(mask.sum())} of {int(kind.sum())} {word} in the window, "
                       f"too few to compare (at least {need})")
                basis = [f"{b}; {why}" if m else b for b, m in zip(basis, mask)]
                entry = unscored.setdefault(word, [0, need, []])
                entry[0] = max(entry[0], int(mask.sum()))
                entry[2].append(ind.id)
        fr.raw[:, j] = val
        fr.cov[:, j] = c
        for i, r in enumerate(regions["region_id"]):
            fr.detail.append((r, ind.id, val[i], basis[i], f"{window_end:%Y-%m-%d}", "events", c[i]))
    for word, (most, need, ids) in unscored.items():
        total = int(is_state.sum()) if word == "states" else int((~is_state).sum())
        fr.notes.append(f"reports alone name at most {most} of {total} {word} in the window, too few to compare "
                        f"(at least {need}): not scored there for {', '.join(ids)}; the reported events are "
                        f"listed on each region's page")
