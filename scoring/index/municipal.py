"""Municipalities: the third region type, scored by the same registry, weights and methods.

Stage 1 for municipalities (:func:`municipal_stage1`):

* **Official indicators with a municipal series** (homicide, feminicide, extortion,
  kidnapping, drug dealing and the homicide trend): the municipality's own SESNSP files in
  the window, decay-weighted exactly as the states' (same months, same half-life), per
  100,000 people a year, and **shrunk toward the state's rate** by empirical Bayes
  (Poisson-gamma), so that one murder in a town of 2,000 does not read as "Extreme":

      y = decay-weighted count, E = decay-weighted exposure (100k person-years);
      q = sum(w^2) / sum(w) turns them into Poisson-equivalent counts (y/q, E/q);
      prior rate ~ Gamma(alpha, alpha / mu_state); posterior mean
      (alpha + y/q) / (alpha / mu_state + E/q), 90 % interval from the gamma quantiles.

  ``mu_state`` is the state's rate from its municipalities' files (the files a prosecutor
  did not place, codes x998/x999, are left out of it and reported by
  :func:`consistency`); ``alpha`` (how much municipalities of one state really differ) is
  estimated per indicator from all municipalities by the method of moments.
  In a state without a municipal series the value is the state's own, with the prior's
  interval: we do not know where in the state's spread the municipality lies.
* **Event indicators**: the events placed in the municipality (stated, else by coordinates),
  per 100,000 people, shrunk the same way toward the state's value.
* **Other indicators** (federal crimes, missing people, victims, thefts ...), which SESNSP
  does not publish by municipality: the state's value, said so in the trace.

Population: the census 2020 count, carried to the as-of year with the state's CONAPO
projection (each municipality keeps its 2020 share of the state). Stage 2 uses the
states' normalisation (:func:`scoring.index.scores.score_rows`), so municipal scores are on
the states' scale and adding them moves no state.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.special import gammaincinv

from scoring.index import queries
from scoring.index.levels import level_name, level_of
from scoring.index.matrix import (
    MAX_LAG_DAYS,
    MIN_COVERAGE,
    MOMENTUM_EPS,
    TimeOptions,
    _month_table,
)
from scoring.index.registry import Registry
from scoring.index.scores import Prepared, like_for_like_change, score_rows
from scoring.index.weights import Profile

# the registry's homologated series that SESNSP also publishes by municipality
MUNICIPAL_SERIES = ("homicide", "feminicide", "extortion", "kidnapping", "drug_dealing")
INTERVAL = (0.05, 0.95)
ALPHA_RANGE = (0.2, 200.0)      # clip of the prior's shape (1/alpha: relative spread between municipalities)
MU_FLOOR = 0.01                 # per 100k per year: a state with no file still has a positive prior mean


@dataclass
class MunicipalStage1:
    """Raw values (posterior means), their 90 % bounds and traces, one row per municipality."""

    munis: pd.DataFrame           # cvegeo, state_code, name, pop, own_data, note
    raw: np.ndarray               # municipalities x indicators
    low: np.ndarray
    high: np.ndarray
    basis: np.ndarray             # object array of strings, same shape
    kind: np.ndarray              # 'own' | 'shrunk-events' | 'state' | 'none', same shape
    alpha: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)
    state_rates: dict = field(default_factory=dict)   # indicator -> {state_code: mu}
    unplaced: pd.DataFrame | None = None


def has_municipalities(db) -> bool:
    try:
        return int(db.query("SELECT count(*) AS n FROM municipalities")["n"].iat[0]) > 0
    except Exception:  # noqa: BLE001 - a database built before municipalities existed
        return False


def municipal_population(db, munis: pd.DataFrame, year: int) -> np.ndarray:
    """Each municipality's 2020 share of its state's census count times the state's CONAPO
    population of ``year`` (NaN for the municipalities without a census count)."""
    pop = queries.population(db, year)
    p20 = munis["pop_2020"].astype(float)
    share = p20 / p20.groupby(munis["state_code"]).transform("sum")
    return (share * munis["state_code"].map(pop).astype(float)).to_numpy()


def _weighted_counts(months: pd.DataFrame, mt: pd.DataFrame, series, codes: pd.Index) -> np.ndarray:
    """Decay-weighted sum of the non-zero cells per municipality (absent cells are zeros)."""
    sub = months[months["series"].isin(series)]
    w = sub.merge(mt, on=["year", "month"], how="inner")
    s = (w["value"] * w["w"]).groupby(w["cvegeo"]).sum()
    return s.reindex(codes, fill_value=0.0).to_numpy(float)


def _covered(munis: pd.DataFrame, cov: pd.DataFrame, mt: pd.DataFrame) -> np.ndarray:
    """Per municipality: the share of the window's decay weight its state's series covers."""
    ym = (mt["year"] * 100 + mt["month"]).to_numpy()
    w = mt["w"].to_numpy()
    share = {}
    for r in cov.itertuples(index=False):
        inside = (ym >= r.first_month) & (ym <= r.last_month)
        share[r.state_code] = float((w * inside).sum() / w.sum()) if w.sum() else 0.0
    return munis["state_code"].map(share).fillna(0.0).to_numpy(float)


def estimate_alpha(y: np.ndarray, E: np.ndarray, mu: np.ndarray, q: float) -> float:
    """Method-of-moments shape of the gamma prior, pooled over municipalities.

    With y ~ Poisson-gamma: Var(y) = q E mu + (E mu)^2 / alpha, so
    1/alpha = sum((y - E mu)^2 - q E mu) / sum((E mu)^2), clipped to :data:`ALPHA_RANGE`."""
    ok = np.isfinite(y) & np.isfinite(E) & np.isfinite(mu) & (E > 0) & (mu > 0)
    if ok.sum() < 5:
        return ALPHA_RANGE[0]
    m = E[ok] * mu[ok]
    inv = np.sum((y[ok] - m) ** 2 - q * m) / np.sum(m ** 2)
    if not np.isfinite(inv) or inv <= 0:
        return ALPHA_RANGE[1]
    return float(np.clip(1.0 / inv, *ALPHA_RANGE))


def gamma_quantile(q: float, shape, scale):
    """The ``q`` quantile of a gamma distribution (``scipy.stats.gamma.ppf(q, shape, scale=scale)``),
    through the inverse regularised incomplete gamma function of ``scipy.special``: the same
    numbers (to 1e-16), without importing ``scipy.stats`` (0.6-1.1 s of every command that
    scores municipalities, such as the change feed written after each import)."""
    return gammaincinv(shape, q) * scale


def shrink(y: np.ndarray, E: np.ndarray, mu: np.ndarray, alpha: float, q: float = 1.0):
    """Posterior mean and 90 % interval of each rate (per unit of E), Poisson-gamma."""
    mu = np.maximum(mu, MU_FLOOR)
    a = alpha + y / q
    b = alpha / mu + E / q
    mean = a / b
    lo = gamma_quantile(INTERVAL[0], a, 1 / b)
    hi = gamma_quantile(INTERVAL[1], a, 1 / b)
    return mean, lo, hi


def _state_values(prep: Prepared, reg: Registry) -> pd.DataFrame:
    m = prep.matrix
    st = m.regions.loc[m.is_state, "region_id"].to_numpy()
    return pd.DataFrame(m.raw[m.is_state], index=st, columns=reg.ids)


def municipal_stage1(db, prep: Prepared, reg: Registry, opts: TimeOptions) -> MunicipalStage1:
    """Raw municipal values for every indicator at ``opts.as_of`` (which must be set)."""
    as_of = prep.matrix.meta["as_of"]
    munis = queries.municipalities(db)
    codes = pd.Index(munis["cvegeo"])
    n, k = len(munis), len(reg.indicators)
    pop = municipal_population(db, munis, as_of.year)
    munis = munis.assign(pop=pop)
    state_vals = _state_values(prep, reg)
    sv = state_vals.reindex(munis["state_code"]).to_numpy()      # the state's raw value, per municipality
    raw, low, high = sv.copy(), sv.copy(), sv.copy()
    basis = np.full((n, k), "the state's figure (not published by municipality)", dtype=object)
    kind = np.full((n, k), "state", dtype=object)
    notes: list[str] = []
    alphas: dict[str, float] = {}
    mus: dict[str, dict] = {}

    cov = queries.municipal_coverage(db)
    ends = queries.source_ends(db, embedded_only=opts.embedded_only)
    end_h = ends.get("homologated")
    end = None if end_h is None or (as_of - end_h).days > MAX_LAG_DAYS else min(as_of, end_h)
    wmax = max(opts.window_days, 30)
    months = queries.municipal_months(db, (end or as_of) - dt.timedelta(days=2 * wmax + 62), end or as_of)
    has_pop = np.isfinite(pop) & (pop > 0)
    # files no municipality of INEGI's frame holds: "no especificado" (x998, x999) and codes
    # SESNSP uses for municipalities the frame does not have yet (Sinaloa's 25019, 25020)
    unplaced = months[~months["cvegeo"].isin(set(codes))]

    def official(ind_series, mt) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
        y = _weighted_counts(months, mt, ind_series, codes)
        wsum = mt["w"].sum()
        E = pop / 1e5 * wsum / 12.0          # 100k person-years, decay-weighted
        q = float((mt["w"] ** 2).sum() / wsum) if wsum else 1.0
        c = _covered(munis, cov, mt)
        return y, E, c, q

    for j, ind in enumerate(reg.indicators):
        if ind.layer == "official" and ind.dataset == "homologated" and set(ind.series) <= set(MUNICIPAL_SERIES):
            if end is None:
                notes.append(f"{ind.name}: no SESNSP figures near {as_of}; municipal values missing")
                raw[:, j] = low[:, j] = high[:, j] = np.nan
                kind[:, j] = "none"
                continue
            if ind.measure == "momentum":
                mt0 = _month_table(end, opts.window_days, 1e9)
                mt1 = _month_table(end - dt.timedelta(days=opts.window_days), opts.window_days, 1e9)
                r = []
                for mt in (mt0, mt1):
                    y, E, c, q = official(ind.series, mt)
                    ok = (c >= 0.999) & has_pop
                    mu = _state_mu(munis, y, E, ok)
                    a = estimate_alpha(y[ok], E[ok], mu[ok], q)
                    mean, _, _ = shrink(y, E, mu, a, q)
                    r.append(np.where(ok, mean, np.nan))
                val = np.log((r[0] + MOMENTUM_EPS) / (r[1] + MOMENTUM_EPS))
                own = np.isfinite(val)
                raw[own, j] = low[own, j] = high[own, j] = val[own]
                kind[own, j] = "own"
                basis[own, j] = [f"{a:.1f} vs {b:.1f} per 100k/yr (window before), shrunk toward the state"
                                 for a, b in zip(r[0][own], r[1][own])]
                continue
            mt = _month_table(end, opts.window_days, opts.half_life_days)
            y, E, c, q = official(ind.series, mt)
            ok = (c >= MIN_COVERAGE) & has_pop
            mu = _state_mu(munis, y, E, ok)
            a = estimate_alpha(y[ok], E[ok], mu[ok], q)
            alphas[ind.id] = a
            mus[ind.id] = dict(zip(munis.loc[ok, "state_code"], mu[ok]))
            mean, lo, hi = shrink(y, E, mu, a, q)
            f = benchmark_factor(munis["state_code"], pop, mean, mu, ok)
            raw[ok, j], low[ok, j], high[ok, j] = (mean * f)[ok], (lo * f)[ok], (hi * f)[ok]
            kind[ok, j] = "own"
            plain = np.divide(y, E, out=np.full(n, np.nan), where=E > 0)
            basis[ok, j] = [f"{yy:.0f} decay-weighted files; raw {p:.1f}, shrunk toward the state's "
                            f"{m:.1f} per 100k/yr" for yy, p, m in zip(y[ok], plain[ok], mu[ok])]
            # a state without a municipal series: the state's value, with the prior's spread
            nos = ~ok & has_pop & np.isfinite(sv[:, j])
            if nos.any():
                s_rate = np.maximum(sv[nos, j], MU_FLOOR)
                low[nos, j] = gamma_quantile(INTERVAL[0], a, s_rate / a)
                high[nos, j] = gamma_quantile(INTERVAL[1], a, s_rate / a)
                basis[nos, j] = "the state's rate: no municipal series for this state (interval: the spread "\
                                "between municipalities)"
        elif ind.layer == "events" and ind.measure in ("count", "fatalities"):
            pass   # filled below, from the events placed in municipalities
    _event_values(db, prep, reg, opts, munis, pop, sv, raw, low, high, basis, kind, alphas, notes)
    no_pop = ~has_pop
    raw[no_pop], low[no_pop], high[no_pop] = np.nan, np.nan, np.nan
    basis[no_pop] = "no census population (created after 2020): not scored"
    kind[no_pop] = "none"
    munis["own_data"] = munis["state_code"].isin(set(cov["state_code"]))
    return MunicipalStage1(munis, raw, low, high, basis, kind, alphas, notes, mus, unplaced)


def benchmark_factor(state_code: pd.Series, pop: np.ndarray, mean: np.ndarray, mu: np.ndarray,
                     ok: np.ndarray) -> np.ndarray:
    """Per municipality: the factor that makes its state's population-weighted shrunk rates
    add up to the state's rate again (shrinkage alone moves the total by a few per cent)."""
    df = pd.DataFrame({"s": state_code.to_numpy(), "x": np.where(ok, pop * mean, 0.0), "p": np.where(ok, pop, 0.0)})
    g = df.groupby("s")[["x", "p"]].sum()
    weighted = (g["x"] / g["p"].where(g["p"] > 0)).reindex(state_code).to_numpy(float)
    f = np.divide(np.maximum(mu, 0), weighted, out=np.ones(len(mean)), where=np.isfinite(weighted) & (weighted > 0))
    return np.where(np.isfinite(f) & (f > 0), f, 1.0)


def _state_mu(munis: pd.DataFrame, y: np.ndarray, E: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """Per municipality: its state's rate from the municipalities' own files (placed files only)."""
    df = pd.DataFrame({"s": munis["state_code"], "y": np.where(ok, y, 0.0), "E": np.where(ok, E, 0.0)})
    g = df.groupby("s")[["y", "E"]].sum()
    rate = (g["y"] / g["E"].where(g["E"] > 0)).reindex(munis["state_code"]).to_numpy(float)
    return rate


def _event_values(db, prep, reg, opts, munis, pop, sv, raw, low, high, basis, kind, alphas, notes) -> None:
    windows = prep.matrix.meta.get("event_windows") or {}
    ev = [(j, ind) for j, ind in enumerate(reg.indicators)
          if ind.layer == "events" and ind.measure in ("count", "fatalities", "momentum")]
    if not windows or not ev:
        return
    thresholds = sorted({ind.min_fatalities for _, ind in ev})
    g_all = queries.municipal_event_groups(db, windows, opts.window_days, opts.half_life_days, thresholds,
                                           embedded_only=opts.embedded_only)
    codes = pd.Index(munis["cvegeo"])
    years = _origin_years(prep, opts)
    E = pop / 1e5
    for j, ind in ev:
        state = sv[:, j]
        has_state = np.isfinite(state)
        g = g_all[g_all["event_type"].isin(ind.event_types) & (g_all["bucket"] >= ind.min_fatalities)]
        systematic = prep.matrix.meta.get("origin_systematic", {})
        mine = [o for o in years if not systematic.get(o, False) or ind.origins is None or o in ind.origins]
        g = g[g["origin"].isin(mine)]
        if ind.measure == "momentum":
            f0 = g[g["period"] == 0].groupby("cvegeo")["f"].sum().reindex(codes, fill_value=0).to_numpy(float)
            f1 = g[g["period"] == 1].groupby("cvegeo")["f"].sum().reindex(codes, fill_value=0).to_numpy(float)
            val = np.log((1 + f0) / (1 + f1))
            raw[has_state, j] = low[has_state, j] = high[has_state, j] = val[has_state]
            kind[has_state, j] = "own"
            basis[has_state, j] = [f"{a:,.0f} deaths vs {b:,.0f} in the window before"
                                   for a, b in zip(f0[has_state], f1[has_state])]
            continue
        col = "wf" if ind.measure == "fatalities" else "w"
        cur = g[g["period"] == 0]
        y = np.zeros(len(codes))
        for origin, yrs in years.items():
            if yrs > 0 and origin in mine:
                y += cur[cur["origin"] == origin].groupby("cvegeo")[col].sum().reindex(codes, fill_value=0).to_numpy(
                    float) / yrs
        cnt = cur.groupby("cvegeo")["n"].sum().reindex(codes, fill_value=0).to_numpy(int)
        ok = has_state & np.isfinite(E) & (E > 0)
        a = estimate_alpha(y[ok], E[ok], state[ok], 1.0)
        alphas[ind.id] = a
        mean, lo, hi = shrink(y, E, np.where(ok, state, MU_FLOOR), a)
        raw[ok, j], low[ok, j], high[ok, j] = mean[ok], lo[ok], hi[ok]
        kind[ok, j] = "own"
        basis[ok, j] = [f"{c:,} events placed here; shrunk toward the state's {s:.2f} per 100k/yr"
                        for c, s in zip(cnt[ok], state[ok])]


def _origin_years(prep: Prepared, opts: TimeOptions) -> dict[str, float]:
    """Decay-weighted years each event origin covers in the window (as the states' stage 1)."""
    out = {}
    for origin in (prep.matrix.meta.get("event_windows") or {}):
        out[origin] = prep.matrix.meta.get("origin_years", {}).get(origin, opts.window_days / 365.0)
    return out


# --- stage 2 -------------------------------------------------------------------------------------

@dataclass
class MunicipalScores:
    table: pd.DataFrame           # one row per municipality
    contributions: np.ndarray
    normalised: np.ndarray
    stage1: MunicipalStage1


def score(prep: Prepared, s1: MunicipalStage1, profile: Profile, reg: Registry,
          previous: tuple[Prepared, MunicipalStage1] | None = None) -> MunicipalScores:
    s, P, contrib, N = score_rows(prep, s1.raw, profile, reg)
    # the interval: every municipal estimate at its lower (upper) bound; an indicator that
    # lowers risk as it rises (none today) is taken at the other bound
    dirs = np.array([i.direction for i in reg.indicators])
    lo_in = np.where(dirs[None, :] > 0, s1.low, s1.high)
    hi_in = np.where(dirs[None, :] > 0, s1.high, s1.low)
    s_lo = score_rows(prep, lo_in, profile, reg)[0]
    s_hi = score_rows(prep, hi_in, profile, reg)[0]
    t = s1.munis[["cvegeo", "state_code", "name", "pop", "own_data"]].copy()
    t["score"] = s
    t["ci_low"] = np.fmin(s_lo, s_hi)
    t["ci_high"] = np.fmax(s_lo, s_hi)
    lv = level_of(s, profile.thresholds)
    t["level"] = lv
    t["level_name"] = [level_name(x) for x in lv]
    t["rank"] = _rank(s)
    t["rank_in_state"] = t.groupby("state_code")["score"].rank(ascending=False, method="min")
    t["rank_low"], t["rank_high"] = _rank_range(t["ci_low"].to_numpy(), t["ci_high"].to_numpy())
    t["n_in_state"] = t.groupby("state_code")["score"].transform("count")
    if previous is not None:
        prev_s, _, _, prev_N = score_rows(previous[0], previous[1].raw, profile, reg)
        t["previous_score"] = prev_s
        t["change"] = like_for_like_change(N, prev_N, reg, profile)     # indicators with data at both dates
    else:
        t["previous_score"] = t["change"] = np.nan
    top = np.where(np.nan_to_num(contrib).max(axis=1) > 0, np.nanargmax(np.nan_to_num(contrib), axis=1), -1)
    t["top_driver"] = [reg.indicators[i].name if i >= 0 else "" for i in top]
    for q, p in enumerate(reg.pillar_ids):
        t[f"pillar_{p}"] = P[:, q]
    return MunicipalScores(t.reset_index(drop=True), contrib, N, s1)


def _rank(score: np.ndarray) -> np.ndarray:
    out = np.full(len(score), np.nan)
    ok = np.isfinite(score)
    s = np.sort(score[ok])
    # rank = 1 + the number of strictly higher scores ("min" method, as the states')
    out[ok] = 1 + (len(s) - np.searchsorted(s, score[ok] + 1e-12, side="right"))
    return out


def _rank_range(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Best and worst national rank the intervals allow: best = 1 + those surely above
    (their low above my high); worst = those possibly above or level (their high at or over my low)."""
    ok = np.isfinite(lo) & np.isfinite(hi)
    los, his = np.sort(lo[ok]), np.sort(hi[ok])
    best = np.full(len(lo), np.nan)
    worst = np.full(len(lo), np.nan)
    best[ok] = 1 + (len(los) - np.searchsorted(los, hi[ok], side="right"))
    worst[ok] = len(his) - np.searchsorted(his, lo[ok], side="left")
    return best, worst


def drivers(ms: MunicipalScores, i: int, reg: Registry, top: int = 3) -> list[dict]:
    """The indicators that add most points to municipality ``i``, with their values and basis."""
    c = ms.contributions[i]
    order = np.argsort(-np.nan_to_num(c))
    out = []
    for j in order[:top]:
        if not np.isfinite(c[j]) or c[j] <= 0.005:
            break
        ind = reg.indicators[j]
        out.append({"indicator": ind.id, "name": ind.name, "value": float(ms.stage1.raw[i, j]),
                    "low": float(ms.stage1.low[i, j]), "high": float(ms.stage1.high[i, j]), "unit": ind.unit,
                    "points": float(c[j]), "basis": str(ms.stage1.basis[i, j]), "kind": str(ms.stage1.kind[i, j])})
    return out


def consistency(db, s1: MunicipalStage1, prep: Prepared, reg: Registry, indicator: str = "homicide_rate") -> pd.DataFrame:
    """Per state: the population-weighted mean of the municipal (shrunk and raw) rates, the
    state's own official rate, and the share of its files no municipality holds (x998/x999)."""
    j = reg.ids.index(indicator)
    ok = s1.kind[:, j] == "own"
    df = pd.DataFrame({"state_code": s1.munis["state_code"], "pop": s1.munis["pop"], "shrunk": s1.raw[:, j],
                       "ok": ok})
    df = df[df["ok"]]
    g = df.assign(x=df["pop"] * df["shrunk"]).groupby("state_code")[["x", "pop"]].sum()
    out = pd.DataFrame({"weighted_municipal": g["x"] / g["pop"]})
    out["municipal_sum_rate"] = pd.Series(s1.state_rates.get(indicator, {}))
    st = _state_values(prep, reg)[indicator]
    out["state_rate"] = st.reindex(out.index)
    um = s1.unplaced
    ind = reg.indicators[j]
    if um is not None and len(um):
        unp = um[um["series"].isin(ind.series)].groupby("state_code")["value"].sum()
        out["unplaced_files"] = unp.reindex(out.index).fillna(0)
    else:
        out["unplaced_files"] = 0.0
    return out.reset_index().rename(columns={"index": "state_code"})


RECORD_COLUMNS = ["cvegeo", "name", "state_code", "pop", "score", "ci_low", "ci_high", "level", "level_name", "rank",
                  "rank_low", "rank_high", "rank_in_state", "n_in_state", "change", "own_data", "top_driver"]


def records(ms: MunicipalScores, reg: Registry, with_drivers: bool = True) -> list[dict]:
    """JSON-ready rows: region_type 'municipality', region_id = the INEGI code, and the drivers."""
    out = []
    t = ms.table
    w = np.array([i.weight for i in reg.indicators], float)
    has = np.isfinite(ms.stage1.raw)
    coverage = (has * w).sum(axis=1) / max(w.sum(), 1e-12)
    for i, row in enumerate(t[RECORD_COLUMNS].itertuples(index=False)):
        d = {"region_id": row.cvegeo, "region_type": "municipality"}
        for c, v in zip(RECORD_COLUMNS, row):
            if isinstance(v, (float, np.floating)):
                v = None if not np.isfinite(v) else (int(v) if c.startswith("rank") or c in ("n_in_state", "pop")
                                                      else round(float(v), 4))
            elif isinstance(v, (np.integer,)):
                v = int(v)
            elif isinstance(v, np.bool_):
                v = bool(v)
            d[c] = v
        d["previous_score"] = None if not np.isfinite(t["previous_score"].iat[i]) else round(float(
            t["previous_score"].iat[i]), 4)
        d["median_rank"] = d["rank"]
        d["coverage"] = round(float(coverage[i]), 4)
        d["pillars"] = {p: (None if not np.isfinite(t[f"pillar_{p}"].iat[i]) else round(float(t[f"pillar_{p}"].iat[i]), 4))
                        for p in reg.pillar_ids}
        d["contributions"] = {k: round(float(v), 4) for k, v in zip(reg.ids, np.nan_to_num(ms.contributions[i]))}
        details = drivers(ms, i, reg) if with_drivers else []
        d["drivers"] = [f"{x['name']}: {x['value']:.2f} {x['unit']} (+{x['points']:.2f} points; {x['basis']})"
                        for x in details]
        d["driver_details"] = [{k: (round(x, 4) if isinstance(x, float) and np.isfinite(x) else x)
                                for k, x in dr.items()} for dr in details]
        d["summary"] = (f"{row.name}: {row.level_name}" + ("" if d["score"] is None else
                        f", score {d['score']:.2f} (90% {d['ci_low']:.2f}-{d['ci_high']:.2f}), rank {d['rank']} "
                        f"nationally and {d['rank_in_state']} of {d['n_in_state']} in its state") + ".")
        out.append(d)
    return out


def trend(db, cvegeo: str, pop: float, months: int = 36) -> pd.DataFrame:
    """A municipality's monthly files per 100,000 people a year (month, series, rate, count), the
    last ``months`` months its state's series covers; absent cells inside the coverage are zeros."""
    cov = queries.municipal_coverage(db)
    c = cov[cov["state_code"] == cvegeo[:2]]
    if c.empty or not np.isfinite(pop) or pop <= 0:
        return pd.DataFrame(columns=["month", "series", "rate", "count"])
    last = int(c["last_month"].iat[0])
    end = pd.Timestamp(year=last // 100, month=last % 100, day=1)
    idx = pd.date_range(end=end, periods=months, freq="MS")
    h = queries.municipal_history(db, cvegeo)
    h["month"] = pd.to_datetime(dict(year=h["year"], month=h["month"], day=1))
    full = pd.MultiIndex.from_product([idx, list(MUNICIPAL_SERIES)], names=["month", "series"])
    counts = h.set_index(["month", "series"])["value"].reindex(full, fill_value=0).rename("count").reset_index()
    counts["rate"] = counts["count"] * 12 / pop * 1e5
    return counts
