"""Words for briefs, exports and the change digest, in English or Spanish (``briefs`` domain).

What the scoring engine says in English (level names, indicator and pillar names, units, the
drivers) is rebuilt here from its parts and each part translated through
:func:`dashboard.i18n.b_`, so a Spanish brief reads Spanish throughout. Each level has a name,
a definition and plain advice for a traveller, an investor and a security team; levels are named,
never numbered like the US advisory ("High, 4 of 5" at most).
"""

from __future__ import annotations

import datetime as dt
import math

from dashboard.i18n import b_
from scoring.index.levels import LEVEL_LABELS, LEVEL_MEANINGS

# the advice per level: (traveller, investor, security team)
LEVEL_ADVICE: dict[int, tuple[str, str, str]] = {
    0: ("No score: too little data for this period. Ask locally before you go.",
        "No score: base a decision on other sources until data arrive.",
        "No score: treat as unknown, not as safe; gather local reporting."),
    1: ("Normal precautions, as in any large country.",
        "Ordinary due diligence; organised crime is not a material operating risk here.",
        "Standard procedures; review the brief each quarter."),
    2: ("Stay alert; travel by main roads in daylight and keep to well-known areas.",
        "Check suppliers and routes for extortion exposure; plan for occasional disruption.",
        "Monitor local news; brief staff on extortion calls and road safety."),
    3: ("Plan routes in advance, avoid night driving between cities, check local news before each trip.",
        "Budget for security on routes and sites; expect extortion attempts and cargo theft.",
        "Journey management for road moves, check-in calls, vetted drivers and hotels."),
    4: ("Travel only for essential reasons, with a plan, local contacts and daylight road moves.",
        "Operate with a security plan and insurance; avoid exposed logistics and isolated sites.",
        "Journey management mandatory, secure transport, crisis plan and evacuation options ready."),
    5: ("Avoid non-essential travel; where travel is unavoidable, go with professional support.",
        "Suspend or restrict new exposure; keep operations only with full security support.",
        "Professional protection for every move, tracked journeys, tested evacuation and hibernation plans."),
}

KIND = {"state": "State", "corridor": "Corridor", "municipality": "Municipality", "comparison": "Comparison"}
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
METHOD_NAMES = {"minmax": "min-max", "rank": "percentile rank", "zscore": "capped z-score",
                "log_minmax": "min-max of logs", "arithmetic": "weighted arithmetic mean",
                "geometric": "weighted geometric mean"}
PROFILE_NAMES = {"analyst": "Analyst", "traveler": "Traveller", "investor": "Investor", "security": "Security team"}


def level_name(level, lang: str) -> str:
    try:
        lv = int(level)
    except (TypeError, ValueError):
        lv = 0
    return b_(LEVEL_LABELS[lv] if 0 <= lv < len(LEVEL_LABELS) else LEVEL_LABELS[0], lang)


def level_label(level, lang: str) -> str:
    """"High, 4 of 5" ("Alto, 4 de 5"); "No data" without a number."""
    lv = int(level) if level == level and level is not None else 0
    name = level_name(lv, lang)
    return b_("{name}, {n} of 5", lang, name=name, n=lv) if lv else name


def level_definition(level, lang: str) -> str:
    lv = int(level) if level == level and level is not None else 0
    return b_(LEVEL_MEANINGS[lv], lang) if lv in LEVEL_MEANINGS else b_(
        "No score: none of the indicators has data here in the window.", lang)


def advice(level, lang: str) -> list[tuple[str, str]]:
    """[(audience, advice)] for a traveller, an investor and a security team."""
    lv = int(level) if level == level and level is not None else 0
    who = (b_("Travellers", lang), b_("Investors", lang), b_("Security teams", lang))
    return [(w, b_(a, lang)) for w, a in zip(who, LEVEL_ADVICE[lv])]


def kind(region_type: str, lang: str) -> str:
    return b_(KIND.get(region_type, region_type), lang)


def month(d, lang: str) -> str:
    """"July 2026" ("julio de 2026")."""
    d = d if isinstance(d, (dt.date, dt.datetime)) else dt.date.fromisoformat(str(d)[:10])
    return b_("{month} {year}", lang, month=b_(MONTHS[d.month - 1], lang), year=d.year)


def day(d, lang: str) -> str:
    """"31 July 2026" ("31 de julio de 2026")."""
    d = d if isinstance(d, (dt.date, dt.datetime)) else dt.date.fromisoformat(str(d)[:10])
    return b_("{day} {month} {year}", lang, day=d.day, month=b_(MONTHS[d.month - 1], lang), year=d.year)


def number(v, digits: int = 2, lang: str = "en") -> str:
    """A figure with thousands separators (Mexico writes 1,234.5 as English does); a dash when missing."""
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "–"
    return f"{v:,.{digits}f}"


def unit(text: str, region_type: str, lang: str) -> str:
    """An indicator's unit as a region of this type reads it, translated."""
    u = text
    if region_type == "state":
        u = u.split(" (")[0]
    elif "(corridors: per 100 km)" in u:
        u = u.split(" per 100k")[0] + " per 100 km a year"
    return b_(u, lang)


def ordinal(n: int, lang: str) -> str:
    if lang == "es":
        return f"{n}.º"
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def driver(d, region_type: str, lang: str) -> str:
    """One :class:`scoring.index.explain.Driver` in words: "Intentional homicide: 58.3 files per
    100k per year, 3rd highest of 32 (+1.20 points)"."""
    val = "–" if not math.isfinite(d.value) else (f"{d.value:,.0f}" if abs(d.value) >= 100 else
                                                  f"{d.value:.1f}" if abs(d.value) >= 10 else f"{d.value:.2f}")
    text = f"{b_(d.name, lang)}: {val} {unit(d.unit, region_type, lang)}"
    if d.rank:
        text += b_(", {ordinal} highest of {n}", lang, ordinal=ordinal(d.rank, lang), n=d.of)
    return text + b_(" (+{points} points)", lang, points=f"{d.points:.2f}")


def method_line(profile, lang: str) -> str:
    return b_("normalisation: {norm}; aggregation: {agg}", lang,
              norm=b_(METHOD_NAMES.get(profile.normalisation, profile.normalisation), lang),
              agg=b_(METHOD_NAMES.get(profile.aggregation, profile.aggregation), lang))


def profile_name(profile, lang: str) -> str:
    return b_(PROFILE_NAMES.get(profile.name, profile.name), lang)


def weights_line(profile, reg, lang: str) -> str:
    """"Lethal violence 35%, Organised-crime activity 25%, ..." (pillar weights)."""
    total = sum(profile.pillar_weights.get(p.id, 0.0) for p in reg.pillars) or 1.0
    return ", ".join(f"{b_(p.name, lang)} {profile.pillar_weights.get(p.id, 0.0) / total:.0%}" for p in reg.pillars)


def vintage_line(items, lang: str) -> str:
    """Each source and its latest month: "official crime statistics (SESNSP): July 2026; ..."."""
    return "; ".join(f"{b_(f.label, lang)}: {month(f.through, lang)}" for f in items)


def generated_line(now: dt.datetime, lang: str) -> str:
    return b_("{date}, {time} UTC", lang, date=day(now.date(), lang), time=now.strftime("%H:%M"))


def summary(name: str, level, score, rank, n: int, kind_plural: str, drivers, lang: str) -> str:
    """"Michoacán is at High, 4 of 5 (5.8 of 10). It ranks 7 of 32 states. The main driver is people missing."."""
    if score is None or not math.isfinite(score):
        return b_("{name}: no score, too little data for this period.", lang, name=name)
    lead = b_(drivers[0].name, lang).lower() if drivers else b_("no single indicator", lang)
    text = b_("{name} is at {level} ({score} of 10).", lang, name=name, level=level_label(level, lang),
              score=f"{score:.1f}")
    if rank is not None and rank == rank:
        text += " " + b_("It ranks {rank} of {n} {kinds}.", lang, rank=int(rank), n=n, kinds=kind_plural)
    return text + " " + b_("The main driver is {driver}.", lang, driver=lead)
