"""Benchmark and figures of the city level: ``python -m benchmarks municipal``.

Builds the default database into a temporary folder, then prints:

(a) server-side time to re-score everything after a weight change: states and corridors
    (``RiskModel.run`` with the pages' uncertainty settings: 500 Monte-Carlo draws, 100
    bootstrap draws), all 2,475 municipalities (``RiskModel.municipalities``) and every
    corridor stretch, with stage 1 cached (as the server holds it); median over ten profiles
    the cache has not seen. Naive baseline in the same run: the same with no cache (a new
    ``RiskModel`` each time, so stage 1 of states and municipalities runs again);
(b) the time from navigation to the drawn national municipal layer (2,475 shapes) in headless
    Chromium on a warm server: a new visitor (empty HTTP cache) and a returning one; against
    the 32-state map in the same run (``BENCH_MUNICIPAL_BROWSER=0`` skips it);
(c) the agreement (Spearman's rho) between our municipal homicide rates (SESNSP files; raw and
    empirical-Bayes shrunk) and INEGI's death-certificate homicide rates for the last year both
    cover (2021), over the municipalities of the states with a municipal series (needs
    ``../shared/data``; skipped with the reason otherwise);
(d) the 20 highest-risk municipalities at the default date (analyst profile), with intervals,
    and each corridor's worst sustained stretch.

Nothing is asserted: the figures are printed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from scoring import paths
from scoring.db.store import Store
from scoring.index import stretches
from scoring.index.matrix import TimeOptions
from scoring.index.model import RiskModel
from scoring.index.weights import load_profile
from scoring.load import build as build_mod

ROOT = Path(__file__).resolve().parents[1]
PROFILES = 10


def say(msg: str) -> None:
    print("   " + msg, flush=True)


def _profiles(base):
    rng = np.random.default_rng(11)
    out = []
    for _ in range(PROFILES):
        pw = {p: float(w) for p, w in zip(base.pillar_weights, rng.dirichlet(np.ones(len(base.pillar_weights))))}
        out.append(dataclasses.replace(base, pillar_weights=pw))
    return out


def rescore(model: RiskModel, profile, opts) -> None:
    model.run(profile, opts, mc_draws=500, boot_draws=100)
    ms = model.municipalities(profile, opts)
    st = stretches.score_stretches(model.db, ms.table, profile.thresholds)
    stretches.corridor_levels(st, profile.thresholds)


def time_rescore(db: Path) -> None:
    store = Store(db)
    base = load_profile("analyst")
    model = RiskModel(store)
    opts = dataclasses.replace(TimeOptions(), as_of=model.default_as_of())
    rescore(model, base, opts)                       # warm: stage 1 of states, previous quarter, municipalities
    cached, naive = [], []
    for prof in _profiles(base):
        t = time.perf_counter()
        rescore(model, prof, opts)
        cached.append(time.perf_counter() - t)
        t = time.perf_counter()
        rescore(RiskModel(store), prof, opts)
        naive.append(time.perf_counter() - t)
    t = time.perf_counter()
    ms = model.municipalities(base, opts)
    only = time.perf_counter() - t
    say(f"(a) weight change, states + corridors + {len(ms.table):,} municipalities + stretches re-scored: "
        f"median {statistics.median(cached) * 1000:.0f} ms (max {max(cached) * 1000:.0f}); "
        f"municipalities alone {only * 1000:.0f} ms; naive (no stage-1 cache) median "
        f"{statistics.median(naive) * 1000:.0f} ms")
    store.close()


def time_map(db: Path, log: Path) -> None:
    if os.environ.get("BENCH_MUNICIPAL_BROWSER") == "0":
        say("(b) skipped (BENCH_MUNICIPAL_BROWSER=0)")
        return
    sys.path.insert(0, str(ROOT / "tests"))
    from support import browser_support as bs

    reason = bs.browser_unavailable()
    if reason:
        say(f"(b) skipped: {reason}")
        return
    from playwright.sync_api import sync_playwright

    def drawn(page, url: str, path: str, n: int) -> float:
        t = time.perf_counter()
        page.goto(f"{url}{path}", wait_until="commit")
        page.wait_for_function(f"document.querySelectorAll('{bs.STATE_SHAPES}').length >= {n}", timeout=300_000,
                               polling=50)
        return time.perf_counter() - t

    with bs.streamlit_server(db, log) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(bs.CHROMIUM), args=bs.CHROMIUM_ARGS)
        try:
            res = {}
            for label, path, n in (("32 states", "/", 32), ("2,475 municipalities", "/?mlayer=1", 2475)):
                ctx = browser.new_context(viewport={"width": 1440, "height": 900})
                drawn(ctx.new_page(), url, path, n)           # warms the server for this view
                ctx.close()
                new = []
                for _ in range(3):
                    ctx = browser.new_context(viewport={"width": 1440, "height": 900})
                    new.append(drawn(ctx.new_page(), url, path, n))
                    ctx.close()
                ctx = browser.new_context(viewport={"width": 1440, "height": 900})
                page = ctx.new_page()
                drawn(page, url, path, n)
                again = [drawn(page, url, path, n) for _ in range(3)]
                ctx.close()
                res[label] = (statistics.median(new), statistics.median(again))
        finally:
            browser.close()
    for label, (new, again) in res.items():
        say(f"(b) map with {label}, warm server: new visitor {new:.2f} s, returning visitor {again:.2f} s")


def agreement(db: Path) -> None:
    src = paths.SHARED_DATA / "inegi_homicide_deaths_muni_month_2000-2021.csv.gz"
    if not src.is_file():
        say(f"(c) skipped: {src} is absent (the death-certificate file lives in ../shared/data)")
        return
    inegi = pd.read_csv(src, sep="|", dtype={"ent_mun": str})
    inegi = inegi[inegi["year"] == 2021].groupby("ent_mun").agg(deaths=("homicides", "sum"), pop=("pop_est", "mean"))
    inegi["rate"] = inegi["deaths"] / inegi["pop"] * 1e5
    store = Store(db)
    model = RiskModel(store)
    opts = TimeOptions(as_of=dt.date(2021, 12, 31), half_life_days=3650)   # the calendar year, nearly unweighted
    s1 = model.municipal_stage1(opts)
    files = store.query("""SELECT cvegeo, sum(value) AS files FROM municipal_stats
                           WHERE year = 2021 AND series = 'homicide' GROUP BY cvegeo""").set_index("cvegeo")["files"]
    m = s1.munis.assign(shrunk=s1.raw[:, 0]).set_index("cvegeo")
    m = m[m["own_data"] & m["pop"].notna()]
    m["raw"] = files.reindex(m.index).fillna(0) / m["pop"] * 1e5
    both = m.join(inegi["rate"].rename("deaths"), how="inner").dropna(subset=["deaths"])
    rho_raw = both["raw"].rank().corr(both["deaths"].rank())
    rho_shrunk = both["shrunk"].rank().corr(both["deaths"].rank())
    big = both[both["pop"] >= 50_000]
    say(f"(c) 2021, {len(both):,} municipalities of {both['state_code'].nunique()} states: Spearman rho with INEGI "
        f"death-certificate rates: raw files {rho_raw:.2f}, shrunk {rho_shrunk:.2f}; municipalities of 50,000+ "
        f"people ({len(big)}): raw {big['raw'].rank().corr(big['deaths'].rank()):.2f}, shrunk "
        f"{big['shrunk'].rank().corr(big['deaths'].rank()):.2f}")
    store.close()


def figures(db: Path) -> None:
    store = Store(db)
    model = RiskModel(store)
    prof = load_profile("analyst")
    ms = model.municipalities(prof)
    states = store.query("SELECT state_code, abbr FROM states").set_index("state_code")["abbr"]
    top = ms.table.sort_values("rank").head(20)
    say(f"(d) the 20 highest-risk municipalities at {model.default_as_of()} (analyst profile):")
    for r in top.itertuples(index=False):
        say(f"    {int(r.rank):>2}. {r.name} ({states.get(r.state_code)}) {r.score:.2f} "
            f"[{r.ci_low:.2f}-{r.ci_high:.2f}] {r.level_name}; pop {r.pop:,.0f}")
    st = stretches.score_stretches(store, ms.table, prof.thresholds)
    say("(d) each corridor's worst sustained stretch:")
    for r in stretches.corridor_levels(st, prof.thresholds).itertuples(index=False):
        say(f"    {r.corridor_id}: {r.level_name} ({r.worst_km:,.0f} of {r.length_km:,.0f} km); worst stretch "
            f"{r.worst_stretch}: {r.worst_level_name} ({r.worst_score:.2f})")
    store.close()


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "risk.duckdb"
        build_mod.build(db)
        time_rescore(db)
        time_map(db, Path(tmp) / "server.log")
        agreement(db)
        figures(db)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
