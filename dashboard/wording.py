"""What the pages say about scores, in the run's language: level names and definitions, advice
per audience, column headers, indicator, pillar, unit and event-type names, drivers, changes
and summaries, and numbers as a person reads them ("–" where there is none).

The engine (``scoring/``) speaks English and knows nothing of Streamlit; everything a page
shows of it passes through here. Every English string is marked for the ``messages``
catalogue (``_`` or ``N_``) and translated when shown. No streamlit import.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

from dashboard import i18n, words
from dashboard.i18n import N_, _, b_
from scoring.index.registry import load_registry
from scoring.index.scores import like_for_like

# -- levels ------------------------------------------------------------------------------------

LEVEL_NAMES_EN = (N_("No data"), N_("Low"), N_("Moderate"), N_("Medium"), N_("High"), N_("Extreme"))

# What each level means (relative to Mexico's states), and plain advice per audience.
DEFINITIONS = {
    1: N_("Lowest relative risk in Mexico: organised-crime violence is rare."),
    2: N_("Some organised-crime activity: occasional violence, mostly away from visitors and business."),
    3: N_("Regular violence or extortion in parts of the area."),
    4: N_("Frequent lethal violence, kidnapping or road crime."),
    5: N_("Among the most violent places in Mexico: contested territory and mass-casualty events."),
}
AUDIENCES = {"traveller": N_("Traveller"), "investor": N_("Investor"), "security": N_("Security team")}
# The advice per level is the briefs' own (dashboard.words.LEVEL_ADVICE), so that the page and
# the brief a security team sends from it say the same thing.
_AUDIENCE_INDEX = {"traveller": 0, "investor": 1, "security": 2}


def as_level(value) -> int:
    try:
        lv = int(value)
    except (TypeError, ValueError):
        return 0
    return lv if 0 <= lv <= 5 else 0


def level(value) -> str:
    """A level's name ("High"; "No data" for 0 or missing)."""
    return _(LEVEL_NAMES_EN[as_level(value)])


def level_title(value) -> str:
    """A level as a heading: "High, 4 of 5" (never "Level 4", which reads as the US advisory's)."""
    lv = as_level(value)
    return _("{name}, {k} of 5", name=level(lv), k=lv) if lv else level(0)


def definition(value) -> str:
    lv = as_level(value)
    return _(DEFINITIONS[lv]) if lv else _("No score: too little data for this period. Grey means no data, never no risk.")


def advice(value, audience: str) -> str:
    lv = as_level(value)
    return b_(words.LEVEL_ADVICE[lv][_AUDIENCE_INDEX[audience]]) if lv else "–"


# -- names of the engine's things ------------------------------------------------------------------

PILLARS = {"lethal": N_("Lethal violence"), "organised": N_("Organised-crime activity"),
           "mobility": N_("Threats on the move"), "state": N_("Attacks on the state"), "momentum": N_("Momentum")}
INDICATORS = {
    "homicide_rate": N_("Intentional homicide"), "feminicide_rate": N_("Feminicide"),
    "oc_deaths": N_("Organised-crime deaths"), "mass_casualty": N_("Mass-casualty events"),
    "kidnapping_rate": N_("Kidnapping"), "extortion_rate": N_("Extortion"),
    "trafficking_rate": N_("Human trafficking"), "drug_dealing_rate": N_("Drug dealing"),
    "federal_oc_rate": N_("Organised-crime and firearms crimes"), "federal_drug_rate": N_("Federal drug crimes"),
    "missing_persons": N_("People missing"), "armed_groups": N_("Armed groups active"),
    "cargo_theft_rate": N_("Cargo theft"), "vehicle_theft_rate": N_("Vehicle theft"),
    "transport_robbery_rate": N_("Robbery on transport"), "blockades": N_("Blockades and arson"),
    "attacks_on_state": N_("Attacks on officials and forces"), "homicide_trend": N_("Homicide trend"),
    "event_trend": N_("Event trend"),
}
# English indicator name -> its msgid (the engine's frames carry names, not ids)
_BY_NAME = {v: v for v in INDICATORS.values()}
UNITS = {
    "files per 100k per year": N_("files per 100k per year"),
    "deaths per 100k per year": N_("deaths per 100k per year"),
    "events per 100k per year": N_("events per 100k per year"),
    "people per 100k": N_("people per 100k"),
    "groups": N_("groups"),
    "log ratio": N_("log ratio"),
    "per 100 km a year": N_("per 100 km a year"),
    "deaths per 100 km a year": N_("deaths per 100 km a year"),
    "events per 100 km a year": N_("events per 100 km a year"),
}
EVENT_TYPES = {
    "armed_clash": N_("Armed clash"), "killing": N_("Killing"), "targeted_killing": N_("Targeted killing"),
    "attack_on_security_forces": N_("Attack on security forces"), "kidnapping": N_("Kidnapping"),
    "disappearance": N_("Disappearance"), "body_discovery": N_("Bodies found"),
    "blockade_arson": N_("Blockade or arson"), "explosive_attack": N_("Explosive attack"),
    "extortion": N_("Extortion"), "seizure": N_("Seizure"), "arrest_or_operation": N_("Arrest or operation"),
    "migrant_incident": N_("Migrant incident"), "protest": N_("Protest"), "other": N_("Other"),
}
ORIGINS = {"seed": N_("News articles"), "ucdp": N_("UCDP (Uppsala)"), "acled": N_("ACLED"), "user": N_("Imported file")}
CORRIDOR_KINDS = {"highway": N_("Highway"), "port_route": N_("Port route"), "border_crossing": N_("Border crossing"),
                  "migrant_route": N_("Migrant route"), "trafficking_route": N_("Trafficking route")}
REGION_TYPES = {"state": N_("State"), "corridor": N_("Corridor"), "municipality": N_("Municipality")}
NORMALISERS = {"minmax": N_("Min-max (lowest state 0, highest 10)"), "rank": N_("Percentile rank"),
               "zscore": N_("Capped standard score"), "log_minmax": N_("Min-max of logarithms")}
NORMALISER_HELP = {"minmax": N_("Min-max: lowest state 0, highest 10."),
                   "rank": N_("Percentile rank among the states, on 0-10; ignores the size of outliers."),
                   "zscore": N_("Capped standard score: distance from the mean in standard deviations, -3 to +3 "
                                "mapped to 0-10."),
                   "log_minmax": N_("Min-max of log(1 + value): compresses extreme states.")}
AGGREGATORS = {"arithmetic": N_("Weighted mean"), "geometric": N_("Weighted geometric mean")}
AGGREGATOR_HELP = {"arithmetic": N_("Weighted mean: fully compensatory, contributions add up to the score."),
                   "geometric": N_("Weighted geometric mean: a low pillar cannot be fully offset by a high one.")}
SERIES = {"Intentional homicide": N_("Intentional homicide"), "Kidnapping": N_("Kidnapping"),
          "Extortion": N_("Extortion"), "Cargo theft": N_("Cargo theft"),
          "intentional homicide": N_("Intentional homicide"), "kidnapping": N_("Kidnapping"),
          "extortion": N_("Extortion"), "homicide": N_("Intentional homicide"), "feminicide": N_("Feminicide"),
          "drug_dealing": N_("Drug dealing"), "cargo_theft": N_("Cargo theft"), "vehicle_theft": N_("Vehicle theft")}

# Column headers used on several pages.
COLUMNS = {
    "rank": N_("Rank"), "name": N_("Name"), "level": N_("Level"), "score": N_("Score"),
    "pm90": N_("± 90%"), "change": N_("Change"), "rank_range": N_("Rank range"), "state": N_("State"),
    "corridor": N_("Corridor"), "municipality": N_("Municipality"), "indicator": N_("Indicator"),
    "pillar": N_("Pillar"), "value": N_("Value"), "scaled": N_("Scaled 0-10"), "weight": N_("Weight"),
    "points": N_("Points"), "coverage": N_("Coverage"), "basis": N_("Based on"), "data_end": N_("Data to"),
    "source": N_("Source"), "date": N_("Date"), "event_type": N_("Event"), "fatalities": N_("Deaths"),
    "injured": N_("Injured"), "place": N_("Place"), "actors": N_("Actors"), "origin": N_("Origin"),
    "sources": N_("Sources"), "notes": N_("Notes"), "kind": N_("Kind"), "interval": N_("90% interval"),
    "people": N_("People"), "placed_by": N_("Placed by"),
}


def col(key: str) -> str:
    return _(COLUMNS[key])


def _tr(table: dict, key) -> str:
    if key is None or (isinstance(key, float) and math.isnan(key)):
        return "–"
    return _(table[key]) if key in table else str(key)


def pillar(pid: str) -> str:
    return _tr(PILLARS, pid)


def indicator(name_or_id: str) -> str:
    """An indicator by id or by its English name."""
    if name_or_id in INDICATORS:
        return _(INDICATORS[name_or_id])
    return _(_BY_NAME[name_or_id]) if name_or_id in _BY_NAME else str(name_or_id)


def unit(text: str) -> str:
    base = str(text).split(" (")[0]
    return _(UNITS[base]) if base in UNITS else str(text)


def event_type(code) -> str:
    return _tr(EVENT_TYPES, code)


def origin(code) -> str:
    return _tr(ORIGINS, code)


def corridor_kind(code) -> str:
    return _tr(CORRIDOR_KINDS, code)


def region_type(code) -> str:
    return _tr(REGION_TYPES, code)


def series(name) -> str:
    return _tr(SERIES, name)


# -- numbers ---------------------------------------------------------------------------------------

def missing(x) -> bool:
    try:
        return x is None or bool(pd.isna(x))
    except (TypeError, ValueError):
        return False


def num(x, digits: int = 2, sign: bool = False) -> str:
    """A rounded figure, or "–" where there is none."""
    if missing(x):
        return "–"
    return f"{float(x):+.{digits}f}" if sign else f"{float(x):.{digits}f}"


def rank(x) -> str:
    """An integer rank ("7", never "7.0" or "11.05"), or "–"."""
    return "–" if missing(x) else f"{int(round(float(x)))}"


def rank_range(lo, hi) -> str:
    return "–" if missing(lo) or missing(hi) else f"{int(round(float(lo)))}–{int(round(float(hi)))}"


def interval(lo, hi, digits: int = 2) -> str:
    return "–" if missing(lo) or missing(hi) else f"{float(lo):.{digits}f}–{float(hi):.{digits}f}"


def ordinal(n: int) -> str:
    """1st, 2nd ... in English; 1.º, 2.º ... in Spanish."""
    n = int(n)
    if i18n.current() == "es":
        return f"{n}.º"
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


# -- drivers, changes, summaries -------------------------------------------------------------------

def _value(v: float) -> str:
    if not np.isfinite(v):
        return _("no data")
    if abs(v) >= 100:
        return f"{v:,.0f}"
    if abs(v) >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


def driver(d, points: bool = True) -> str:
    """A :class:`scoring.index.explain.Driver` in words, in the run's language."""
    where = _(", {n} highest of {of}", n=ordinal(d.rank), of=d.of) if d.rank else ""
    out = f"{indicator(d.name)}: {_value(d.value)} {unit(d.unit)}{where}"
    return out + (_(" (+{p} points)", p=f"{d.points:.2f}") if points else "")


def change_text(res, i: int, top: int = 2) -> str:
    """What moved region ``i``'s score since the previous period (as :func:`explain.changes`)."""
    before = res.previous
    if before is None:
        return ""
    # like for like, as the table's change column (scores.like_for_like): an indicator with data at
    # only one of the two dates is no part of the change, so it cannot be named as its cause
    change, parts_all = like_for_like(res.scores.normalised, before.normalised, load_registry(), res.profile)
    d, delta = change[i], parts_all[i]
    if not np.isfinite(d):
        return _("No comparison: the previous period lacks data.")
    order = np.argsort(-np.abs(np.nan_to_num(delta)))
    ids = res.scores.ids
    parts = [f"{indicator(ids[j])} {delta[j]:+.2f}" for j in order[:top] if abs(delta[j]) >= 0.05]
    if abs(d) < 0.05:
        head = _("Little change over the quarter ({d})", d=f"{d:+.2f}")
    elif d > 0:
        head = _("Score up {d} over the quarter", d=f"{abs(d):.2f}")
    else:
        head = _("Score down {d} over the quarter", d=f"{abs(d):.2f}")
    return head + (_(", mostly from {parts}", parts=", ".join(parts)) if parts else "") + "."


def summary(res, region_id: str) -> str:
    """One paragraph on a region: level, score, rank, main driver, change, coverage."""
    t = res.table
    i = int(np.flatnonzero(t["region_id"].to_numpy() == region_id)[0])
    row = t.iloc[i]
    if missing(row["score"]):
        return _("{name}: no score, too little data for this period.", name=row["name"])
    peers = int((t["region_type"] == row["region_type"]).sum())
    drv = res.driver_records.get(region_id) or []
    lead = indicator(drv[0].name) if drv else _("no single indicator")
    out = _("{name} is at {level} ({score}/10), ranked {rank} of {n}. The main driver is {lead}.",
            name=row["name"], level=level_title(row["level"]), score=f"{row['score']:.1f}",
            rank=rank(row["rank"]), n=peers, lead=lead.lower())
    ch = change_text(res, i)
    cov = row["coverage"]
    extra = "" if missing(cov) or cov >= 0.95 else " " + _("Data cover {p} of the weighted indicators.",
                                                            p=f"{cov:.0%}")
    return " ".join(x for x in (out, ch) if x) + extra


def reference_level(r, code: str) -> str:
    """A reference assessment's level as "Level name (k of n)", or "–"."""
    if code not in r.index:
        return "–"
    name = r.at[code, "level_name"]
    return (f"{name} · " if isinstance(name, str) and name else "") + _("{k} of {n}", k=rank(r.at[code, "level"]),
                                                                        n=rank(r.at[code, "level_max"]))


# -- dates and data freshness ------------------------------------------------------------------

_MONTHS = (N_("January"), N_("February"), N_("March"), N_("April"), N_("May"), N_("June"), N_("July"),
           N_("August"), N_("September"), N_("October"), N_("November"), N_("December"))
SOURCE_LABELS = {
    "homologated": N_("official crime statistics (SESNSP)"), "federal": N_("federal crimes (SESNSP)"),
    "rnpdno": N_("register of people missing (RNPDNO)"), "victims": N_("victims (SESNSP)"),
    "carpetas": N_("detailed crime files with modality (SESNSP)"), "events:ucdp": N_("conflict events (UCDP)"),
    "events:acled": N_("conflict events (ACLED, your export)"), "events:synthetic": N_("synthetic benchmark events"),
    "user": N_("your imported events"),
}


def month(d) -> str:
    """"July 2026" / "julio de 2026"."""
    if missing(d):
        return "–"
    d = pd.Timestamp(d)
    return _("{month} {year}", month=_(_MONTHS[d.month - 1]), year=d.year)


def day(d) -> str:
    """"31 July 2026" / "31 de julio de 2026"."""
    if missing(d):
        return "–"
    d = pd.Timestamp(d)
    return _("{day} {month} {year}", day=d.day, month=_(_MONTHS[d.month - 1]), year=d.year)


def freshness_line(items) -> str:
    return "; ".join(_("{source} through {month}", source=_tr(SOURCE_LABELS, f.source), month=month(f.through))
                     for f in items)


def stale_warning(items, today=None) -> str | None:
    """As :func:`scoring.index.report.stale_warning`, in the run's language."""
    import datetime as dt

    from scoring.db.schema import STAT_DATASETS
    from scoring.index.report import STALE_DAYS

    today = today or dt.date.today()
    official = [f.through for f in items if f.source in STAT_DATASETS]
    if not official:
        return _("There are no official statistics in this database: scores rest on events alone.")
    newest = max(official)
    if (today - newest).days > STALE_DAYS:
        return _("The newest official figures are for {month}, {days} days before today: scores describe that "
                 "time, not today. Import the latest SESNSP release to bring them up to date.",
                 month=month(newest), days=(today - newest).days)
    return None


# -- event tables ------------------------------------------------------------------------------

def events_frame(ev: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    """An events table with human headers and values (event types and origins named, deaths as
    whole numbers, "–" for an unknown toll or an empty cell)."""
    out = pd.DataFrame(index=ev.index)
    for c in cols:
        if c not in ev.columns:
            continue
        v = ev[c]
        if c == "event_type":
            v = [event_type(x) for x in v]
        elif c in ("origin", "placed_by"):
            v = [origin(x) if x in ORIGINS else ("–" if missing(x) else str(x).replace("_", " ")) for x in v]
        elif c in ("fatalities", "injured"):
            v = ["–" if missing(x) else f"{int(x):,}" for x in v]
        elif c == "date":
            v = pd.to_datetime(v)
        else:
            v = ["–" if missing(x) or (isinstance(x, str) and not x.strip()) else
                 (" ".join(x.split()) if isinstance(x, str) else x) for x in v]
        out[_(COLUMNS[c]) if c in COLUMNS else c] = v
    return out.reset_index(drop=True)


def beside(res, ratings: pd.DataFrame, region_id: str) -> list[str]:
    """Our level beside each reference assessment's, one line each (as :func:`report.beside`)."""
    row = res.table.set_index("region_id").loc[region_id]
    ours = _("ours: {level}", level=level_title(row["level"]))
    out = []
    for r in ratings[ratings["state_code"] == region_id].itertuples(index=False):
        name = f"{r.level_name}, " if isinstance(r.level_name, str) and r.level_name else ""
        out.append(f"{r.assessor} ({day(r.as_of)}): {name}" + _("{k} of {n}", k=rank(r.level), n=rank(r.level_max))
                   + f"; {ours}")
    return out


def level_block(lv, audiences=("traveller", "investor", "security")) -> str:
    """Markdown: a level's definition and the advice for each audience."""
    lines = [definition(lv)]
    if as_level(lv):
        lines += [f"- **{_(AUDIENCES[a])}:** {advice(lv, a)}" for a in audiences]
    return "\n".join(lines)


# -- the engine's data notes ---------------------------------------------------------------------

_DATASETS = {"federal": N_("federal crimes"), "rnpdno": N_("register of people missing"),
             "homologated": N_("crime files"), "victims": N_("victims"), "carpetas": N_("crime files with modality")}
_NOTES = [
    (re.compile(r"SESNSP (\w+): latest figures end (\d{4})-(\d{2}); indicators from it are scored on the window "
                r"ending there"),
     lambda m: _("SESNSP {dataset}: latest figures end {month}; indicators from it are scored on the window ending "
                 "there", dataset=_tr(_DATASETS, m[1]), month=month(f"{m[2]}-{m[3]}-01"))),
    (re.compile(r"events from (\w+): latest (\d{4}-\d{2}-\d{2}), more than (\d+) days before (\d{4}-\d{2}-\d{2}); "
                r"left out.*"),
     lambda m: _("events from {origin}: the latest is of {date}, more than {days} days before {as_of}; left out (its "
                 "indicators are missing unless another source covers them)", origin=origin(m[1]), date=day(m[2]),
                 days=m[3], as_of=day(m[4]))),
    (re.compile(r"events from (\w+): latest (\d{4}-\d{2}-\d{2}); scored on the window ending there"),
     lambda m: _("events from {origin}: the latest is of {date}; scored on the window ending there",
                 origin=origin(m[1]), date=day(m[2]))),
    (re.compile(r"reports alone name at most (\d+) of (\d+) (states|corridors) in the window, too few to compare "
                r"\(at least (\d+)\): not scored there for ([\w, ]+); the reported events are listed on each "
                r"region's page"),
     lambda m: (_("reports alone name at most {k} of {n} states in the window, too few to compare (at least {need}): "
                  "not scored there: {indicators}; the reported events are listed on each state's page")
                if m[3] == "states" else
                _("reports alone name at most {k} of {n} corridors in the window, too few to compare (at least "
                  "{need}): not scored there: {indicators}; the reported events are listed on each corridor's page"))
     .format(k=m[1], n=m[2], need=m[4], indicators=", ".join(indicator(i) for i in m[5].split(", ")))),
    (re.compile(r"events: no event data near the as-of date; the event indicators are missing"),
     lambda m: _("events: no event data near the as-of date; the event indicators are missing")),
    (re.compile(r"Police files record (\d+%) of the ([\d,]+) homicides on death certificates \(INEGI, "
                r"(\d{4})-(\d{4})\)(?:; victims in the police files, (\d+%))?\."),
     lambda m: _("Police files record {p} of the {n} homicides on death certificates (INEGI, {y0}-{y1}).",
                 p=m[1], n=m[2], y0=m[3], y1=m[4])
     + (" " + _("Victims in the police files: {p}.", p=m[5]) if m[5] else "")),
    (re.compile(r"(.+): no (\w+) figures within (\d+) days of (\d{4}-\d{2}-\d{2})"),
     lambda m: _("{indicator}: no {dataset} figures within {days} days of {date}", indicator=indicator(m[1]),
                 dataset=_tr(_DATASETS, m[2]), days=m[3], date=day(m[4]))),
]


def data_note(text: str) -> str:
    """One of the engine's notes on the data (:attr:`Matrix.meta` ``notes``) in the run's language."""
    for pattern, say in _NOTES:
        m = pattern.fullmatch(str(text))
        if m:
            return say(m)
    return str(text)


def dashes(frame: pd.DataFrame, formats: dict[str, str]) -> pd.DataFrame:
    """``frame`` with the numeric columns of ``formats`` (column -> format such as "{:.2f}") as
    text, "–" where a value is missing: a table grid shows a missing number as "None"."""
    out = frame.copy()
    for c, f in formats.items():
        if c in out.columns:
            out[c] = ["–" if missing(v) else f.format(float(v)) for v in out[c]]
    return out


_PART = re.compile(r"\(part (\d+) of (\d+)\)")


def stretch_end(name) -> str:
    """A stretch's end as named by the engine ("Culiacán (part 1 of 2)"), in the run's language."""
    if missing(name):
        return "–"
    return _PART.sub(lambda m: _("(part {k} of {n})", k=m[1], n=m[2]), str(name))
