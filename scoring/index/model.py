"""The scoring API the dashboard and the command line call.

>>> model = RiskModel(Store("data/risk.duckdb"))          # doctest: +SKIP
>>> result = model.run(load_profile("traveler"))          # doctest: +SKIP
>>> result.table.head()                                   # doctest: +SKIP

``RiskModel`` caches stage 1 (the DuckDB aggregation) per time option, so a change of
weights or methods only re-runs the numpy stage.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import pandas as pd

from scoring.index import explain as explain_mod
from scoring.index import matrix, scores
from scoring.index.matrix import Matrix, TimeOptions
from scoring.index.registry import Registry, load_registry
from scoring.index.scores import Prepared, Scores
from scoring.index.uncertainty import RankStats, bootstrap_intervals, monte_carlo_ranks
from scoring.index.weights import Profile

OUTPUT_COLUMNS = ["region_id", "region_type", "name", "score", "level", "level_name", "ci_low", "ci_high",
                  "rank", "rank_low", "rank_high", "median_rank", "coverage", "change", "previous_score"]


@dataclass
class Result:
    table: pd.DataFrame          # one row per region, OUTPUT_COLUMNS + pillar_* + drivers + summary
    scores: Scores
    matrix: Matrix
    previous: Scores | None
    profile: Profile
    options: TimeOptions
    rank_stats: RankStats | None = None
    # per region id, its drivers as structured records (the table's "drivers" holds their text)
    driver_records: dict[str, list[explain_mod.Driver]] = dataclasses.field(default_factory=dict, repr=False,
                                                                             compare=False)
    _contrib: pd.DataFrame | None = dataclasses.field(default=None, repr=False, compare=False)

    def contributions(self) -> pd.DataFrame:
        """Long table: region, indicator, pillar, normalised value, weight and points.

        Built once per result (results are shared and read-only) and returned as a copy.
        """
        if self._contrib is None:
            reg = load_registry()
            n, k = self.scores.contributions.shape
            self._contrib = pd.DataFrame({
                "region_id": np.repeat(self.table["region_id"].to_numpy(), k),
                "indicator": np.tile([i.id for i in reg.indicators], n),
                "indicator_name": np.tile([i.name for i in reg.indicators], n),
                "pillar": np.tile([i.pillar for i in reg.indicators], n),
                "raw": self.matrix.raw.ravel(),
                "normalised": self.scores.normalised.ravel(),
                "weight": np.tile(self.profile.effective_weights(reg), n),
                "points": self.scores.contributions.ravel(),
                "coverage": self.matrix.coverage.ravel(),
            })
        return self._contrib.copy()

    def records(self) -> list[dict]:
        """JSON-ready list: the documented fields plus pillars, contributions and drivers."""
        out = []
        for i, row in enumerate(self.table.itertuples(index=False)):
            d = {c: _clean(getattr(row, c)) for c in OUTPUT_COLUMNS}
            for c in ("rank", "rank_low", "rank_high", "level"):
                if d[c] is not None:
                    d[c] = int(round(d[c]))
            d["pillars"] = {p: _clean(self.table[f"pillar_{p}"].iat[i]) for p in self.scores.pillar_ids}
            d["contributions"] = {k: round(float(v), 4) for k, v in zip(self.scores.ids, self.scores.contributions[i])}
            d["drivers"] = list(row.drivers)
            d["summary"] = row.summary
            out.append(d)
        return out

    def flat(self) -> pd.DataFrame:
        """Flat columns for CSV: the table plus one ``contrib_<indicator>`` column each."""
        t = self.table.drop(columns=["drivers"]).copy()
        t["drivers"] = [" | ".join(x) for x in self.table["drivers"]]
        for j, k in enumerate(self.scores.ids):
            t[f"contrib_{k}"] = self.scores.contributions[:, j].round(4)
        return t


def _clean(v):
    if isinstance(v, (np.floating, float)):
        return None if not math.isfinite(v) else round(float(v), 4)
    if isinstance(v, np.integer):
        return int(v)
    return v


class RiskModel:
    """Scores from a database; stage 1 results are cached per time option (LRU of 8)."""

    def __init__(self, db, reg: Registry | None = None):
        self.db = db
        self.reg = reg or load_registry()
        self._prepared: OrderedDict[TimeOptions, Prepared] = OrderedDict()
        self._default_as_of: dt.date | None = None
        self._municipal: OrderedDict = OrderedDict()

    def prepared(self, opts: TimeOptions) -> Prepared:
        opts = opts.validated()
        if opts not in self._prepared:
            self._prepared[opts] = scores.prepare(matrix.compute_matrix(self.db, opts, self.reg), self.reg)
            while len(self._prepared) > 8:
                self._prepared.popitem(last=False)
        self._prepared.move_to_end(opts)
        return self._prepared[opts]

    def municipal_stage1(self, opts: TimeOptions):
        """Stage 1 for the municipalities at ``opts`` (cached as the states' stage 1 is)."""
        from scoring.index import municipal

        opts = opts.validated()
        key = ("municipal", opts)
        if key not in self._municipal:
            self._municipal[key] = municipal.municipal_stage1(self.db, self.prepared(opts), self.reg, opts)
            while len(self._municipal) > 8:
                self._municipal.popitem(last=False)
        self._municipal.move_to_end(key)
        return self._municipal[key]

    def municipalities(self, profile: Profile, opts: TimeOptions | None = None, *, compare: bool = True):
        """Every municipality scored on the states' scale (:mod:`scoring.index.municipal`), or
        None when the database has no municipal tables."""
        from scoring.index import municipal

        if not municipal.has_municipalities(self.db):
            return None
        opts = (opts or TimeOptions()).validated()
        if opts.as_of is None:
            opts = dataclasses.replace(opts, as_of=self.default_as_of())
        prev = None
        if compare and opts.compare_days > 0:
            p_opts = dataclasses.replace(opts, as_of=opts.as_of - dt.timedelta(days=opts.compare_days))
            prev = (self.prepared(p_opts), self.municipal_stage1(p_opts))
        return municipal.score(self.prepared(opts), self.municipal_stage1(opts), profile, self.reg, prev)

    def default_as_of(self) -> dt.date:
        # two small queries, not a whole stage 1 (which the as-of date then keys anyway)
        if self._default_as_of is None:
            self._default_as_of = matrix.default_as_of(self.db)
        return self._default_as_of

    def run(self, profile: Profile, opts: TimeOptions | None = None, *, uncertainty: bool = True,
            mc_draws: int = 1000, boot_draws: int = 200, compare: bool = True, explain: bool = True) -> Result:
        opts = (opts or TimeOptions()).validated()   # a bad option fails before any query
        if opts.as_of is None:
            opts = dataclasses.replace(opts, as_of=self.default_as_of())
        prep = self.prepared(opts)
        sc = scores.score(prep, profile, self.reg)
        prev = None
        if compare and opts.compare_days > 0:
            prev_opts = dataclasses.replace(opts, as_of=opts.as_of - dt.timedelta(days=opts.compare_days))
            prev = scores.score(self.prepared(prev_opts), profile, self.reg)
        t = sc.table.copy()
        t["previous_score"] = prev.table["score"].to_numpy() if prev is not None else np.nan
        # like for like: only the indicators with data at both dates (see scores.like_for_like)
        change, change_parts = (scores.like_for_like(sc.normalised, prev.normalised, self.reg, profile)
                                if prev is not None else (None, None))
        t["change"] = change if prev is not None else np.nan
        rs = None
        if uncertainty:
            lo, hi = bootstrap_intervals(self.db, prep, profile, self.reg, draws=boot_draws)
            rs = monte_carlo_ranks(prep, profile, self.reg, draws=mc_draws)
            t["ci_low"], t["ci_high"] = lo, hi
            t["median_rank"], t["rank_low"], t["rank_high"] = rs.median_rank, rs.rank_low, rs.rank_high
        else:
            t["ci_low"] = t["ci_high"] = t["score"]
            t["median_rank"] = t["rank_low"] = t["rank_high"] = t["rank"]
        m = prep.matrix
        drv, summ, records = [], [], {}
        n_states = int(m.is_state.sum())
        for i in range(len(t) if explain else 0):
            d = explain_mod.driver_list(i, sc, m, self.reg)
            ch = explain_mod.changes(change[i], change_parts[i], self.reg) if prev is not None else ""
            peers = n_states if m.is_state[i] else len(t) - n_states
            records[t["region_id"].iat[i]] = d
            drv.append([str(x) for x in d])
            summ.append(explain_mod.summary(t["name"].iat[i], t["score"].iat[i], t["level_name"].iat[i], t["rank"].iat[i],
                                        peers, d, ch, t["coverage"].iat[i]))
        t["drivers"] = drv if explain else [[] for _ in range(len(t))]
        t["summary"] = summ if explain else ""
        pillars = [c for c in t.columns if c.startswith("pillar_")]
        t = t[OUTPUT_COLUMNS + pillars + ["drivers", "summary"]]
        return Result(t, sc, m, prev, profile, opts, rs, records)
