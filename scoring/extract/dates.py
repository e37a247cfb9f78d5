"""Dates in an article: the publication date, and every date expression resolved against it
with the precision it really has (day, week, month, year). A day is never invented: "in June"
is June at month precision, "last week" is the Monday of that week at week precision.

Expressions are found and resolved here, with month and weekday names of both languages.
``dateparser`` reads the publication date (page metadata and "published" lines come in every
format); it is not used for the expressions in the body because, measured on 1.5.0, it returns
nothing for "el pasado domingo", "la noche de ayer", "el domingo", "hace tres días" and "late
last month", and a date without precision for the others.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass

from scoring.extract.folding import fold_keep

MONTHS = {
    "enero": 1, "febrero": 2, "marzo": 3, "abril": 4, "mayo": 5, "junio": 6, "julio": 7, "agosto": 8,
    "septiembre": 9, "setiembre": 9, "octubre": 10, "noviembre": 11, "diciembre": 12,
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7, "august": 8,
    "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9, "oct": 10,
    "nov": 11, "dec": 12, "ene": 1, "abr": 4, "ago": 8, "dic": 12,
}
WEEKDAYS = {"lunes": 0, "martes": 1, "miercoles": 2, "jueves": 3, "viernes": 4, "sabado": 5, "domingo": 6,
            "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6}
NUMBER_WORDS = {"un": 1, "una": 1, "uno": 1, "a": 1, "an": 1, "one": 1, "dos": 2, "two": 2, "tres": 3, "three": 3,
                "cuatro": 4, "four": 4, "cinco": 5, "five": 5, "seis": 6, "six": 6, "siete": 7, "seven": 7,
                "ocho": 8, "eight": 8, "nueve": 9, "nine": 9, "diez": 10, "ten": 10}

_MON = "|".join(sorted(MONTHS, key=len, reverse=True))
_LONG_MON = "|".join(sorted((m for m in MONTHS if len(m) > 4 or m in ("mayo", "june", "july", "may")),
                            key=len, reverse=True))
_WD = "|".join(WEEKDAYS)
_NUMW = "|".join(sorted(NUMBER_WORDS, key=len, reverse=True))
PRECISIONS = ("day", "week", "month", "year")


@dataclass(frozen=True)
class DateMention:
    """A date expression: its span in the text, the date it means, its precision and how."""

    start: int
    end: int
    date: dt.date
    precision: str          # day | week | month | year
    note: str               # the phrase and how it was read
    past_only: bool = True  # False for a date after publication (a future event: not reported)


def _monday(d: dt.date) -> dt.date:
    return d - dt.timedelta(days=d.weekday())


def _month_start(d: dt.date) -> dt.date:
    return d.replace(day=1)


def _prev_month(d: dt.date) -> dt.date:
    return (d.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def _last_weekday(pub: dt.date, wd: int, strictly_before: bool) -> dt.date:
    back = (pub.weekday() - wd) % 7
    if back == 0 and strictly_before:
        back = 7
    return pub - dt.timedelta(days=back)


def _year_for(month: int, day: int | None, pub: dt.date) -> int:
    """The year of a date written without one: the publication's, or the year before when that
    would put it more than a week after publication (news reports what has happened)."""
    try:
        d = dt.date(pub.year, month, day or 1)
    except ValueError:
        return pub.year
    return pub.year - 1 if d > pub + dt.timedelta(days=7) else pub.year


# Patterns on the folded text, most specific first; a span taken by one is not read again.
_ABSOLUTE = [
    ("dmy", rf"\b(\d{{1,2}})(?:º|o)?\s+de\s+({_MON})\.?\s+(?:de|del)\s+(\d{{4}})\b"),
    ("mdy", rf"\b({_MON})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b"),
    ("dmy", rf"\b(\d{{1,2}})\s+({_MON})\.?,?\s+(\d{{4}})\b"),
    ("iso", r"\b(\d{4})-(\d{2})-(\d{2})\b"),
    ("dm", rf"\b(\d{{1,2}})(?:º|o)?\s+de\s+({_MON})\b\.?"),
    ("md", rf"\b({_MON})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?![\d,]*\s*\d{{4}})(?!\s*(?:%|percent|por ciento))"),
    ("dm", rf"\b(\d{{1,2}})\s+({_LONG_MON})\b"),
    ("my", rf"\b({_LONG_MON})\s+(?:de\s+|del\s+)?(\d{{4}})\b"),
    ("m", rf"\b(?:en|de|durante|desde|a finales de|a principios de|a mediados de|in|during|since|early|late|mid-?|"
          rf"until|by|last)\s+({_LONG_MON})\b"),
    ("y", r"\b(?:en|in|durante|during)\s+((?:19|20)\d{2})\b"),
]
_RELATIVE = [
    # (pattern, kind, days back or None)
    (r"\b(?:el|la)?\s*(?:dia de\s+)?anteayer\b|\bantier\b|\bthe day before yesterday\b", "day", 2),
    (r"\b(?:la noche de ayer|la tarde de ayer|la manana de ayer|la madrugada de ayer|ayer por la (?:noche|tarde|manana)|"
     r"ayer|anoche|yesterday|last night)\b", "day", 1),
    (r"\b(?:hoy|esta manana|esta madrugada|esta tarde|esta noche|today|this morning|tonight|this afternoon|"
     r"early today)\b", "day", 0),
    (rf"\bhace\s+(\d{{1,2}}|{_NUMW})\s+dias\b|\b(\d{{1,2}}|{_NUMW})\s+days\s+ago\b", "days_ago", None),
    (r"\b(?:la semana pasada|la semana anterior|last week|the previous week|earlier last week|hace una semana|"
     r"a week ago)\b", "last_week", None),
    (r"\b(?:el pasado fin de semana|el fin de semana pasado|el fin de semana|este fin de semana|last weekend|"
     r"over the weekend|this weekend|at the weekend|on the weekend)\b", "weekend", None),
    (r"\b(?:esta semana|this week|earlier this week|en la semana|en los ultimos dias|in recent days)\b", "this_week", None),
    (r"\b(?:(?:a )?(?:finales|fines|principios|mediados) del mes pasado|el mes pasado|el mes anterior|"
     r"(?:late |early |earlier |mid-?)?last month|the previous month)\b", "last_month", None),
    (r"\b(?:este mes|en lo que va del mes|(?:earlier |late |early )?this month)\b", "this_month", None),
    (r"\b(?:el ano pasado|el ano anterior|last year)\b", "last_year", None),
    (r"\b(?:este ano|en este ano|(?:earlier |so far )?this year)\b", "this_year", None),
]
# a weekday in a sentence about a plan is the coming one, not the last
_FUTURE = re.compile(r"\b(?:will|visits|is set to|are set to|is scheduled|are scheduled|plans to|is due to|is to|"
                     r"visitara|estara|realizara|iniciara|llegara|se reunira|viajara|acudira)\b")
_WEEKDAY = re.compile(
    rf"\b(?:(?:el|la noche del|la madrugada del|la tarde del|la manana del|el pasado|este|esta|on|last|this past|"
    rf"early|late|this)\s+)?(?:(pasado)\s+)?({_WD})(?:\s+(pasado|anterior|por la (?:noche|tarde|manana)|"
    rf"night|morning|afternoon|evening))?\b")


def find_dates(text: str, published: dt.date, lang: str | None = None) -> list[DateMention]:
    """Every date expression of ``text`` resolved against ``published``, in text order."""
    folded = fold_keep(text)
    taken: list[tuple[int, int]] = []
    out: list[DateMention] = []

    def free(s, e):
        return all(e <= a or s >= b for a, b in taken)

    def add(s, e, d, precision, how):
        taken.append((s, e))
        if precision == "week":
            d = _monday(d)
        elif precision == "month":
            d = _month_start(d)
        elif precision == "year":
            d = d.replace(month=1, day=1)
        phrase = " ".join(text[s:e].split())
        out.append(DateMention(s, e, d, precision, f"'{phrase}' {how}", past_only=d <= published + dt.timedelta(days=1)))

    for kind, pat in _ABSOLUTE:
        for m in re.finditer(pat, folded):
            if not free(m.start(), m.end()):
                continue
            d, prec = _absolute(kind, m, published)
            if d is not None:
                add(m.start(), m.end(), d, prec, f"({prec})")
    for pat, kind, back in _RELATIVE:
        for m in re.finditer(pat, folded):
            if not free(m.start(), m.end()):
                continue
            d, prec, how = _relative(kind, back, m, published)
            if d is not None:
                add(m.start(), m.end(), d, prec, how)
    absolute_days = sorted((x for x in out if x.precision == "day" and x.note.endswith("(day)")), key=lambda x: x.start)
    for m in _WEEKDAY.finditer(folded):
        if not free(m.start(), m.end()):
            continue
        if any(0 <= a.start - m.end() <= 3 or 0 <= m.start() - a.end <= 2 for a in absolute_days):
            continue        # "Friday, June 26, 2020", "el domingo 12 de marzo": the full date says it
        wd = WEEKDAYS[m.group(2)]
        lead = folded[m.start():m.start(2)]
        strictly = bool(m.group(1)) or "pasado" in lead or "last" in lead or (m.group(3) or "").startswith(("pasado", "anterior"))
        # a full date earlier in the paragraph with this weekday is the day meant ("..., Thursday, Oct. 17,
        # 2019. ... raged in the city Thursday")
        anchor = next((a for a in reversed(absolute_days) if a.end <= m.start() and "\n\n" not in text[a.end:m.start()]
                       and a.date.weekday() == wd), None)
        if anchor is not None and not strictly:
            add(m.start(), m.end(), anchor.date, "day", f"= {anchor.date.isoformat()}, the {m.group(2)} of the full date "
                f"written before it in the paragraph")
            continue
        d = _last_weekday(published, wd, strictly)
        add(m.start(), m.end(), d, "day", f"= {d:%A} {d.isoformat()}, the last {m.group(2)} "
            f"{'before' if strictly else 'on or before'} publication ({published.isoformat()})")
        if not strictly and _FUTURE.search(folded[max(0, m.start() - 40):m.end() + 40]):
            out[-1] = dataclasses.replace(out[-1], past_only=False, note=out[-1].note + "; a plan (future tense)")
    return sorted(out, key=lambda x: x.start)


def _absolute(kind: str, m: re.Match, pub: dt.date) -> tuple[dt.date | None, str]:
    g = m.groups()
    try:
        if kind == "iso":
            return dt.date(int(g[0]), int(g[1]), int(g[2])), "day"
        if kind == "dmy":
            return dt.date(int(g[2]), MONTHS[g[1]], int(g[0])), "day"
        if kind == "mdy":
            return dt.date(int(g[2]), MONTHS[g[0]], int(g[1])), "day"
        if kind == "dm":
            mon, day = MONTHS[g[1]], int(g[0])
            return dt.date(_year_for(mon, day, pub), mon, day), "day"
        if kind == "md":
            mon, day = MONTHS[g[0]], int(g[1])
            if g[0] in ("mar", "may") and not m.group(0)[:1].isalpha():
                return None, ""
            return dt.date(_year_for(mon, day, pub), mon, day), "day"
        if kind == "my":
            return dt.date(int(g[1]), MONTHS[g[0]], 1), "month"
        if kind == "m":
            mon = MONTHS[g[0]]
            return dt.date(_year_for(mon, None, pub) if dt.date(pub.year, mon, 1) <= pub else pub.year - 1, mon, 1), \
                "month"
        if kind == "y":
            y = int(g[0])
            return (dt.date(y, 1, 1), "year") if 1990 <= y <= pub.year else (None, "")
    except (ValueError, KeyError):
        return None, ""
    return None, ""


def _count(word: str) -> int | None:
    return int(word) if word.isdigit() else NUMBER_WORDS.get(word)


def _relative(kind: str, back, m: re.Match, pub: dt.date):
    if kind == "day":
        d = pub - dt.timedelta(days=back)
        return d, "day", f"= {d.isoformat()} ({back} day(s) before publication)" if back else "= the publication day"
    if kind == "days_ago":
        n = _count(m.group(1) or m.group(2))
        if not n:
            return None, "", ""
        d = pub - dt.timedelta(days=n)
        return d, "day", f"= {d.isoformat()} ({n} days before publication)"
    if kind == "last_week":
        d = _monday(pub) - dt.timedelta(days=7)
        return d, "week", f"= the week of {d.isoformat()} (the week before publication)"
    if kind == "weekend":
        # the last Saturday-Sunday that has begun by publication; a week-precision date is its Monday
        sat = _last_weekday(pub, 5, strictly_before=False)
        return _monday(sat), "week", f"= the weekend of {sat.isoformat()} (week precision)"
    if kind == "this_week":
        return _monday(pub), "week", f"= the week of {_monday(pub).isoformat()} (publication week)"
    if kind == "last_month":
        d = _prev_month(pub)
        return d, "month", f"= {d:%B %Y} (the month before publication)"
    if kind == "this_month":
        return _month_start(pub), "month", f"= {pub:%B %Y} (publication month)"
    if kind == "last_year":
        return dt.date(pub.year - 1, 1, 1), "year", f"= {pub.year - 1}"
    if kind == "this_year":
        return dt.date(pub.year, 1, 1), "year", f"= {pub.year} (publication year)"
    return None, "", ""


# --- the publication date ----------------------------------------------------------------------

_PUBLISHED = re.compile(
    r"(?im)^\W{0,3}(?:published|publicado|publicada|fecha de publicacion|posted|updated|actualizado|fecha)"
    r"\s*(?:on|el|:)?\s*:?\s*(.{6,60})$")
_DATELINE = re.compile(
    rf"(?im)^[^\n]{{0,80}}?\b(\d{{1,2}}\s+de\s+(?:{_MON})\.?(?:\s+(?:de|del)\s+\d{{4}})?|(?:{_MON})\.?\s+\d{{1,2}},?\s+\d{{4}}|"
    rf"\d{{4}}-\d{{2}}-\d{{2}})\s*(?:\.?-|—|–|\(|$)")


def publication_date(text: str, hint: str = "", lang: str | None = None) -> tuple[dt.date | None, str]:
    """(date, how it was found) from page metadata, a "published" line or a dateline in the first
    lines; (None, reason) when the text does not say (the caller then asks for it)."""
    import dateparser

    if hint:
        d = dateparser.parse(hint, settings={"PREFER_DATES_FROM": "past"})
        if d:
            return d.date(), f"page metadata ({hint})"
    head = text[:1500]
    folded = fold_keep(head)
    for rx, what in ((_PUBLISHED, "a 'published' line"), (_DATELINE, "the dateline")):
        m = rx.search(folded)
        if not m:
            continue
        raw = head[m.start(1):m.end(1)].strip(" .-—–(")
        d = dateparser.parse(raw, languages=["es", "en"], settings={"PREFER_DATES_FROM": "past",
                                                                     "REQUIRE_PARTS": ["day", "month", "year"]})
        if d:
            return d.date(), f"{what} ('{raw}')"
    return None, "no publication date in the text (give it with --published YYYY-MM-DD)"
