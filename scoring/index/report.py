"""Read-outs of scores for people: gaps between regions, rank moves, histories, trends.

Plain functions over :class:`~scoring.index.model.Result` objects (and, for the monthly
trend, the store), shared by the dashboard's pages and the command line. No streamlit,
no formatting for a particular screen: frames and numbers out.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from scoring.db.schema import STAT_DATASETS
from scoring.errors import OptionError
from scoring.index import queries
from scoring.index.explain import Driver
from scoring.index.matrix import TimeOptions, per_100k_year
from scoring.index.model import Result, RiskModel
from scoring.index.peers import spike_flags
from scoring.index.weights import Profile

# Monthly series on a state's trend chart: (label, dataset, series summed).
TREND_SERIES: list[tuple[str, str, tuple[str, ...]]] = [
    ("Intentional homicide", "homologated", ("homicide",)),
    ("Kidnapping", "homologated", ("kidnapping",)),
    ("Extortion", "homologated", ("extortion",)),
    ("Cargo theft", "homologated", ("cargo_theft",)),
]

# Quarterly history: as-of dates this many days apart.
QUARTER_DAYS = 91


# -- one region ---------------------------------------------------------------------------------

def find_region(res: Result, text: str) -> str:
    """The region id of ``text``: an id ("11", "bajio-industrial-fed45") or a name, any case."""
    t = res.table
    if text in set(t["region_id"]):
        return text
    hits = t[t["name"].str.casefold() == text.casefold()]
    if len(hits) == 1:
        return str(hits["region_id"].iat[0])
    raise OptionError(f"no state or corridor is called {text!r} (give an INEGI code, a corridor id or a name)")


def indicator_table(res: Result, region_id: str) -> pd.DataFrame:
    """One region's indicators: value, 0-10, weight, points, coverage and where they come from.

    Columns: indicator, indicator_name, pillar, raw, normalised, weight, points, coverage,
    basis, data_end, source (registry order).
    """
    contrib = res.contributions()
    mine = contrib[contrib["region_id"] == region_id].drop(columns="region_id")
    detail = res.matrix.detail
    detail = detail[detail["region_id"] == region_id][["indicator", "basis", "data_end", "source"]]
    return mine.merge(detail, on="indicator", how="left").reset_index(drop=True)


def death_certificate_line(db, state_code: str) -> str | None:
    """"Police files record 67% of the 13,085 homicides on death certificates (INEGI, 2020-2022)"."""
    return death_certificate_lines(db).get(state_code)


def death_certificate_lines(db) -> dict[str, str]:
    """:func:`death_certificate_line` of every state with the data (two queries for all states)."""
    files = queries.death_certificate_coverage(db, "homologated")
    victims = queries.death_certificate_coverage(db, "victims").set_index("state_code")
    out = {}
    for f in files.itertuples(index=False):
        text = (f"Police files record {f.police / f.deaths:.0%} of the {f.deaths:,.0f} homicides on death "
                f"certificates (INEGI, {int(f.first_year)}-{int(f.last_year)})")
        if f.state_code in victims.index:
            v = victims.loc[f.state_code]
            text += f"; victims in the police files, {v['police'] / v['deaths']:.0%}"
        out[f.state_code] = text + "."
    return out


def missing_indicators(res: Result, region_id: str) -> list[str]:
    """Names of the indicators with weight in the profile but no value for this region."""
    t = indicator_table(res, region_id)
    return t.loc[(t["weight"] > 0) & t["raw"].isna(), "indicator_name"].tolist()


def armed_groups(res: Result, region_id: str) -> list[str] | None:
    """The armed groups named in a region's events in the window (sorted); None = no data."""
    d = res.matrix.detail
    row = d[(d["region_id"] == region_id) & (d["indicator"] == "armed_groups")]
    if row.empty or pd.isna(row["value"].iat[0]):     # no event source covers the window: unknown
        return None
    basis = row["basis"].iat[0]
    if not isinstance(basis, str) or basis == "none named":
        return []
    return [name.strip() for name in basis.split(";") if name.strip()]


def top_drivers(res: Result) -> list[Driver | None]:
    """Per row of ``res.table``, the indicator that adds most points (None: none, or not explained)."""
    out = []
    for rid in res.table["region_id"]:
        d = res.driver_records.get(rid)
        out.append(d[0] if d else None)
    return out


# -- two or more regions ------------------------------------------------------------------------

@dataclass(frozen=True)
class Gap:
    """Region ``a``'s score minus region ``b``'s, split into what each indicator adds."""

    a: str
    b: str
    score_a: float
    score_b: float
    parts: pd.DataFrame   # indicator, indicator_name, pillar, points_a, points_b, difference

    @property
    def gap(self) -> float:
        return self.score_a - self.score_b

    def largest(self, n: int = 3) -> pd.DataFrame:
        return self.parts.head(n)


def gap(res: Result, a: str, b: str) -> Gap:
    """What drives the difference between two regions' scores, largest difference first.

    A score is the sum of its indicators' points (exactly under arithmetic aggregation;
    under geometric the points are log-shares rescaled to the score), so the differences
    sum to the score gap whenever both regions have a score.
    """
    contrib = res.contributions()
    ca = contrib[contrib["region_id"] == a].set_index("indicator")
    cb = contrib[contrib["region_id"] == b].set_index("indicator")
    if ca.empty or cb.empty:
        raise OptionError(f"no scores for {a if ca.empty else b!r}")
    parts = pd.DataFrame({"indicator_name": ca["indicator_name"], "pillar": ca["pillar"],
                          "points_a": ca["points"], "points_b": cb["points"],
                          "difference": ca["points"] - cb["points"]})
    parts = parts.sort_values("difference", key=abs, ascending=False, kind="stable").reset_index()
    score = res.table.set_index("region_id")["score"]
    return Gap(a, b, float(score[a]), float(score[b]), parts)


def rank_moves(before: pd.DataFrame, after: pd.DataFrame, region_type: str = "state") -> pd.DataFrame:
    """Ranks under ``after`` against ``before`` (two results' tables), best rank first.

    Columns: region_id, name, rank, score, level_name, rank_before, moved (places up > 0,
    down < 0; NaN where either rank is missing).
    """
    now = after[after["region_type"] == region_type].sort_values("rank", kind="stable")
    prior = before.set_index("region_id")["rank"]
    out = now[["region_id", "name", "rank", "score", "level_name"]].reset_index(drop=True)
    out["rank_before"] = prior.reindex(out["region_id"]).to_numpy()
    out["moved"] = out["rank_before"] - out["rank"]
    return out


def moves_summary(moves: pd.DataFrame) -> str:
    """In words: how many regions changed rank, and the largest move."""
    moved = moves["moved"].abs()
    if not moved.notna().any():
        return ""
    return (f"{int((moved > 0).sum())} of {len(moves)} states changed rank; the largest move is "
            f"{int(moved.max())} places.")


def rank_ranges(res: Result, stats, region_type: str = "state") -> pd.DataFrame:
    """``res.table``'s rows of one region type with Monte-Carlo rank ranges from ``stats``
    (a :class:`~scoring.index.uncertainty.RankStats` over the same regions, in order)."""
    keep = (res.table["region_type"] == region_type).to_numpy()
    return res.table[keep].assign(rank_low=np.asarray(stats.rank_low)[keep],
                                  rank_high=np.asarray(stats.rank_high)[keep],
                                  median_rank=np.asarray(stats.median_rank)[keep])


# -- over time ---------------------------------------------------------------------------------

def score_history(model: RiskModel, profile: Profile, opts: TimeOptions | None = None,
                  quarters: int = 8) -> pd.DataFrame:
    """Every region's score at ``quarters`` as-of dates a quarter apart, ending at ``opts.as_of``
    (the latest official month when None). Same profile, window and half-life throughout.

    Columns: region_id, name, score, level, as_of; sorted by region and date.
    """
    opts = opts or TimeOptions()
    end = opts.as_of or model.default_as_of()
    rows = []
    for k in range(quarters):
        o = dataclasses.replace(opts, as_of=end - dt.timedelta(days=QUARTER_DAYS * k))
        r = model.run(profile, o, uncertainty=False, compare=False, explain=False)
        rows.append(r.table[["region_id", "name", "score", "level"]].assign(as_of=o.as_of))
    return pd.concat(rows, ignore_index=True).sort_values(["region_id", "as_of"], ignore_index=True)


def trend(db, state_code: str, months: int = 60) -> pd.DataFrame:
    """A state's monthly official figures as yearly rates per 100,000 people, last ``months``.

    One row per series (:data:`TREND_SERIES`) and month with figures; ``rate`` is NaN for
    a month that is missing (:func:`scoring.index.queries.missing_month`): gaps stay gaps.
    Columns: month, rate, series.
    """
    official = queries.official_months(db, dt.date(1900, 1, 1), dt.date(2999, 12, 31), state_code=state_code)
    pop = queries.state_population(db, state_code)
    frames = []
    for label, dataset, series in TREND_SERIES:
        sub = official[(official["dataset"] == dataset) & official["series"].isin(series)]
        per = sub.groupby(["year", "month"])["v"].sum(min_count=1).reset_index()
        per = per[per["year"].isin(pop.index)].tail(months)
        if per.empty:
            continue
        rate = per_100k_year(per["v"].astype(float), pop.reindex(per["year"]).to_numpy())
        frames.append(pd.DataFrame({"month": pd.to_datetime(dict(year=per["year"], month=per["month"], day=1)),
                                    "rate": rate, "series": label}))
    if not frames:
        return pd.DataFrame(columns=["month", "rate", "series"])
    return pd.concat(frames, ignore_index=True)


# --- how fresh each source is ------------------------------------------------------------------

SOURCE_LABELS = {
    "homologated": "official crime statistics (SESNSP)",
    "federal": "federal crimes (SESNSP)",
    "rnpdno": "register of people missing (RNPDNO)",
    "victims": "victims (SESNSP)",
    "carpetas": "detailed crime files with modality (SESNSP)",
    "events:ucdp": "conflict events (UCDP)",
    "events:acled": "conflict events (ACLED, your export)",
    "events:synthetic": "synthetic benchmark events",
}
# The official statistics are "old" when their newest month ends this long before today.
STALE_DAYS = 92


@dataclass(frozen=True)
class Freshness:
    source: str          # a key of SOURCE_LABELS, or "user" for a user's own events
    label: str
    through: dt.date


def freshness(db) -> list[Freshness]:
    """Each source and the day its data run through, newest first: the official datasets, each
    systematic event source, and the user's own events (if any)."""
    ends = queries.source_ends(db)
    out = [Freshness(k, SOURCE_LABELS[k], v) for k, v in ends.items() if k in SOURCE_LABELS]
    user = db.query("SELECT max(date) AS d FROM events WHERE origin = 'user'")
    if len(user) and pd.notna(user["d"].iat[0]):
        out.append(Freshness("user", "your imported events", pd.Timestamp(user["d"].iat[0]).date()))
    return sorted(out, key=lambda f: f.through, reverse=True)


def freshness_line(items: list[Freshness]) -> str:
    """"official crime statistics (SESNSP) through July 2026; conflict events (UCDP) through December 2023; ..."."""
    return "; ".join(f"{f.label} through {f.through:%B %Y}" for f in items)


def stale_warning(items: list[Freshness], today: dt.date | None = None) -> str | None:
    """A plain warning when the newest official month ends more than :data:`STALE_DAYS` before today."""
    today = today or dt.date.today()
    official = [f.through for f in items if f.source in STAT_DATASETS]
    if not official:
        return "There are no official statistics in this database: scores rest on events alone."
    newest = max(official)
    if (today - newest).days > STALE_DAYS:
        return (f"The newest official figures are for {newest:%B %Y}, {(today - newest).days} days before today: "
                "scores describe that time, not today. Import the latest SESNSP release to bring them up to date.")
    return None


# --- reference assessments beside ours ----------------------------------------------------------

@dataclass(frozen=True)
class Agreement:
    assessor: str
    as_of: dt.date
    rho: float                    # Spearman's rank correlation of our score with their level
    n: int                        # states compared
    table: pd.DataFrame           # per state: ours and theirs, the divergence and its reason


def _reason(res: Result, region_id: str, higher: bool) -> str:
    """Why we rate a state above (``higher``) or below a reference, from our own indicators."""
    t = indicator_table(res, region_id)
    t = t[t["weight"] > 0]
    if higher:
        top = t.sort_values("points", ascending=False).head(2)
        parts = [f"{r.indicator_name} {r.normalised:.1f}/10" for r in top.itertuples() if np.isfinite(r.normalised)]
        return "we weigh high: " + ", ".join(parts) if parts else "no indicator stands out"
    low = t[np.isfinite(t["normalised"])].sort_values("normalised").head(2)
    parts = [f"{r.indicator_name} {r.normalised:.1f}/10" for r in low.itertuples()]
    missing = t[~np.isfinite(t["normalised"])]["indicator_name"].tolist()
    text = "low on " + ", ".join(parts) if parts else "no indicator is high"
    if missing:
        text += "; without data here: " + ", ".join(missing[:3]) + (" ..." if len(missing) > 3 else "")
    return text


def assessment_agreement(res: Result, ratings: pd.DataFrame) -> list[Agreement]:
    """Our scores against each assessor's latest levels: Spearman's rho over the states both rate,
    and per state the divergence (our percentile rank minus theirs, -1..1) with its reason."""
    states = res.table[res.table["region_type"] == "state"].set_index("region_id")
    out = []
    for assessor, r in ratings.groupby("assessor", sort=True):
        r = r.set_index("state_code")
        both = [c for c in r.index if c in states.index and np.isfinite(states.at[c, "score"])]
        if len(both) < 3:
            continue
        ours = states.loc[both, "score"].astype(float)
        theirs = r.loc[both, "level"].astype(float)
        p_ours = ours.rank(pct=True, method="average")
        p_theirs = theirs.rank(pct=True, method="average")
        rho = float(ours.rank().corr(theirs.rank()))
        tab = pd.DataFrame({
            "state_code": both, "name": states.loc[both, "name"].to_numpy(),
            "score": ours.to_numpy().round(2), "rank": states.loc[both, "rank"].to_numpy(),
            "level_name": states.loc[both, "level_name"].to_numpy(),
            "their_level": theirs.astype(int).to_numpy(), "their_max": r.loc[both, "level_max"].astype(int).to_numpy(),
            "their_name": r.loc[both, "level_name"].to_numpy(),
            "divergence": (p_ours - p_theirs).round(3).to_numpy(),
        })
        tab["reason"] = [_reason(res, c, d > 0) for c, d in zip(tab["state_code"], tab["divergence"])]
        tab = tab.reindex(tab["divergence"].abs().sort_values(ascending=False).index).reset_index(drop=True)
        out.append(Agreement(assessor, pd.Timestamp(r["as_of"].iloc[0]).date(), rho, len(both), tab))
    return out


def beside(res: Result, ratings: pd.DataFrame, region_id: str) -> list[str]:
    """"we: High, 4 of 5; US Department of State travel advisory: Reconsider Travel, 3 of 4" lines."""
    row = res.table.set_index("region_id").loc[region_id]
    ours = f"we: {row['level_name']}" + (f", {int(row['level'])} of 5" if row["level"] else "")
    out = []
    for r in ratings[ratings["state_code"] == region_id].itertuples(index=False):
        name = f"{r.level_name}, " if isinstance(r.level_name, str) and r.level_name else ""
        out.append(f"{ours}; {r.assessor} ({r.as_of:%d %b %Y}): {name}{r.level} of {r.level_max}")
    return out


# --- spikes: recent months far above a state's own history --------------------------------------

SPIKE_SERIES = [("intentional homicide", "homicide"), ("kidnapping", "kidnapping"), ("extortion", "extortion")]


def spikes(db, as_of: dt.date, state_code: str | None = None, *, recent: int = 3) -> pd.DataFrame:
    """Months among the last ``recent`` before ``as_of`` whose count is far above the state's
    previous two years (robust z-score, :func:`scoring.index.peers.spike_flags`), per series.

    Columns: state_code, series, month, value, baseline, z, text (the reason in words)."""
    start = as_of - dt.timedelta(days=31 * (recent + 25))
    om = queries.official_months(db, start, as_of, state_code=state_code)
    om = om[om["dataset"] == "homologated"]
    frames = []
    for label, series in SPIKE_SERIES:
        sub = om[om["series"] == series]
        monthly = pd.DataFrame({"state_code": sub["state_code"], "value": sub["v"].astype(float),
                                "month": pd.to_datetime(dict(year=sub["year"], month=sub["month"], day=1))})
        flagged = spike_flags(monthly, recent=recent)
        if len(flagged):
            frames.append(flagged.assign(series=label))
    cols = ["state_code", "series", "month", "value", "baseline", "z", "text"]
    if not frames:
        return pd.DataFrame(columns=cols)
    out = pd.concat(frames, ignore_index=True)
    out["text"] = [f"{s} in {m:%B %Y}: {v:,.0f} files against a usual {b:,.0f} a month (robust z {z:.1f})"
                   for s, m, v, b, z in zip(out["series"], out["month"], out["value"], out["baseline"], out["z"])]
    return out[cols].sort_values(["state_code", "month"]).reset_index(drop=True)


# --- what an import changes ------------------------------------------------------------------------

def import_effect(before: Result, after: Result, *, min_change: float = 0.05) -> pd.DataFrame:
    """Regions whose level or rank moves, or whose score moves by ``min_change`` or more, between
    two results (before and after an import), biggest score change first."""
    cols = ["region_id", "region_type", "name", "score", "level_name", "rank"]
    b = before.table[cols].set_index(["region_id", "region_type"])
    a = after.table[cols].set_index(["region_id", "region_type"])
    both = b.join(a, suffixes=("_before", "_after"), how="outer")
    both["name"] = both["name_after"].fillna(both["name_before"])
    both["change"] = (both["score_after"] - both["score_before"]).round(2)
    moved = ((both["level_name_before"] != both["level_name_after"])
             | (both["rank_before"].fillna(-1) != both["rank_after"].fillna(-1))
             | (both["change"].abs() >= min_change)
             | (both["score_before"].isna() != both["score_after"].isna()))
    out = both[moved].reset_index()
    out = out.reindex(out["change"].abs().sort_values(ascending=False, na_position="first").index)
    return out[["region_id", "region_type", "name", "score_before", "score_after", "change", "level_name_before",
                "level_name_after", "rank_before", "rank_after"]].reset_index(drop=True)
