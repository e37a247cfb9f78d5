"""Scoring extracted events against labelled ones: which candidate is which real event, and
per field (event found, date right within its precision, state, municipality, type,
fatalities) precision and recall.

Matching: a candidate and a labelled event can be the same event when their dates overlap and
they agree on the state or the type, or when they agree on both state and type; pairs are taken
best first (date, state, municipality, type agreeing), one to one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from scoring.extract.candidates import date_range, dates_overlap

FIELDS = ("event", "date", "state", "municipality", "type", "fatalities")


@dataclass
class Gold:
    article: str
    key: str
    date: dt.date
    date_precision: str
    state_code: str
    municipality_code: str
    event_type: str
    fatalities: int | None


@dataclass
class Pred:
    article: str
    date: dt.date | None
    date_precision: str
    state_code: str
    municipality_code: str
    event_type: str
    fatalities: int | None
    text: str = ""          # the sentences it rests on (for the type classifier)


@dataclass
class Tally:
    correct: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FIELDS, 0))
    predicted: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FIELDS, 0))
    labelled: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FIELDS, 0))
    pairs: list[tuple[Gold, Pred]] = field(default_factory=list)
    missed: list[Gold] = field(default_factory=list)
    spurious: list[Pred] = field(default_factory=list)

    def pr(self, f: str) -> tuple[float, float]:
        p = self.correct[f] / self.predicted[f] if self.predicted[f] else float("nan")
        r = self.correct[f] / self.labelled[f] if self.labelled[f] else float("nan")
        return p, r


def date_right(p: Pred, g: Gold) -> bool:
    """The candidate's date lies within the labelled one's precision (a coarser date is wrong)."""
    if p.date is None:
        return False
    p0, p1 = date_range(p.date, p.date_precision or "day")
    g0, g1 = date_range(g.date, g.date_precision)
    return g0 <= p0 and p1 <= g1


def _score(p: Pred, g: Gold) -> int:
    overlap = p.date is not None and dates_overlap(p.date, p.date_precision, g.date, g.date_precision)
    state = p.state_code == g.state_code
    typ = p.event_type == g.event_type
    if not ((overlap and (state or typ)) or (state and typ)):
        return 0
    muni = bool(g.municipality_code) and p.municipality_code == g.municipality_code
    return 4 * overlap + 3 * state + 2 * muni + 2 * typ + date_right(p, g)


def match(gold: list[Gold], preds: list[Pred]) -> list[tuple[Gold, Pred]]:
    scored = sorted(((_score(p, g), i, j) for i, g in enumerate(gold) for j, p in enumerate(preds)
                     if g.article == p.article), reverse=True)
    used_g, used_p, out = set(), set(), []
    for s, i, j in scored:
        if s and i not in used_g and j not in used_p:
            used_g.add(i)
            used_p.add(j)
            out.append((gold[i], preds[j]))
    return out


def tally(gold: list[Gold], preds: list[Pred]) -> Tally:
    t = Tally()
    t.pairs = match(gold, preds)
    got_g = {id(g) for g, _ in t.pairs}
    got_p = {id(p) for _, p in t.pairs}
    t.missed = [g for g in gold if id(g) not in got_g]
    t.spurious = [p for p in preds if id(p) not in got_p]
    t.labelled["event"], t.predicted["event"], t.correct["event"] = len(gold), len(preds), len(t.pairs)
    for g in gold:
        t.labelled["date"] += 1
        t.labelled["state"] += 1
        t.labelled["type"] += 1
        t.labelled["municipality"] += bool(g.municipality_code)
        t.labelled["fatalities"] += g.fatalities is not None
    for p in preds:
        t.predicted["date"] += p.date is not None
        t.predicted["state"] += bool(p.state_code)
        t.predicted["type"] += bool(p.event_type)
        t.predicted["municipality"] += bool(p.municipality_code)
        t.predicted["fatalities"] += p.fatalities is not None
    for g, p in t.pairs:
        t.correct["date"] += date_right(p, g)
        t.correct["state"] += p.state_code == g.state_code
        t.correct["type"] += p.event_type == g.event_type
        t.correct["municipality"] += bool(g.municipality_code) and p.municipality_code == g.municipality_code
        t.correct["fatalities"] += g.fatalities is not None and p.fatalities == g.fatalities
    return t
