"""Candidate events and their evidence: what :mod:`scoring.extract.events` proposes for one
article, how candidates about one real-world event are merged, and the days a date of some
precision covers."""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field

from scoring.extract.dates import PRECISIONS
from scoring.extract.text import Article
from scoring.load import names

# types that say more than 'killing' about the same act: a merge keeps them
SPECIFIC = {"targeted_killing": 3, "attack_on_security_forces": 3, "armed_clash": 2, "explosive_attack": 2,
            "body_discovery": 2, "blockade_arson": 1, "kidnapping": 2, "killing": 1}

# specific acts: a sentence may report two of them ("bloquearon avenidas tras un enfrentamiento")
STRONG = ("body_discovery", "explosive_attack", "blockade_arson", "kidnapping", "disappearance", "armed_clash",
          "protest")
# acts that take no death toll from the sentences after them
NONVIOLENT = ("seizure", "arrest_or_operation", "extortion", "protest", "other")


@dataclass
class Evidence:
    start: int
    end: int
    text: str
    confidence: float
    note: str = ""

    def as_dict(self) -> dict:
        return {"start": self.start, "end": self.end, "text": self.text, "confidence": round(self.confidence, 2),
                "note": self.note}


@dataclass
class Candidate:
    """One candidate event: its fields, and for each field the evidence it came from."""

    date: dt.date | None = None
    date_precision: str = ""
    state_code: str = ""
    municipality_code: str = ""
    municipality: str = ""
    locality: str = ""
    event_type: str = ""
    fatalities: int | None = None
    fatalities_lower_bound: bool = False
    injured: int | None = None
    injured_lower_bound: bool = False
    actors: list[str] = field(default_factory=list)
    target: str = ""
    evidence: dict[str, Evidence] = field(default_factory=dict)
    spans: list[tuple[int, int]] = field(default_factory=list)      # sentences it rests on
    caption: bool = False            # found in a photo caption: merged with the act it shows
    notes: list[str] = field(default_factory=list)
    duplicate_of: list[str] = field(default_factory=list)

    @property
    def confidence(self) -> str:
        s = self.score
        return "high" if s >= 0.75 else "medium" if s >= 0.55 else "low"

    @property
    def score(self) -> float:
        keys = ("date", "state", "event_type")
        return sum(self.evidence[k].confidence if k in self.evidence else 0.0 for k in keys) / len(keys)

    def as_dict(self, state_names: dict[str, str]) -> dict:
        return {
            "date": self.date.isoformat() if self.date else None, "date_precision": self.date_precision or None,
            "state": state_names.get(self.state_code), "state_code": self.state_code or None,
            "municipality": self.municipality or None, "municipality_code": self.municipality_code or None,
            "locality": self.locality or None, "event_type": self.event_type,
            "fatalities": self.fatalities, "fatalities_lower_bound": self.fatalities_lower_bound,
            "injured": self.injured, "injured_lower_bound": self.injured_lower_bound,
            "actors": list(self.actors), "target": self.target or None,
            "evidence": {k: v.as_dict() for k, v in self.evidence.items()},
            "confidence": self.confidence, "confidence_score": round(self.score, 2),
            "notes": "; ".join(self.notes), "duplicate_of": list(self.duplicate_of),
        }


@dataclass
class Extraction:
    """What :func:`extract` found in one article."""

    article: Article
    language: str
    published: dt.date
    published_basis: str
    candidates: list[Candidate]
    skipped: list[tuple[int, int, str]]             # (start, end, why a sentence is not an event)
    reason: str = ""                                 # why there are no candidates, when there are none
    seconds: float = 0.0

    def as_dicts(self) -> list[dict]:
        st = state_names()
        return [c.as_dict(st) for c in self.candidates]


def state_names() -> dict[str, str]:
    with (names.REFERENCE / "states.csv").open(encoding="utf-8", newline="") as f:
        return {r["state_code"]: r["name_official"] for r in csv.DictReader(f)}


def dedupe(cands: list[Candidate]) -> list[Candidate]:
    """Candidates about one real-world event merged: the most precise date, the first of each other
    field, the most specific type, every actor and sentence."""
    out: list[Candidate] = []
    for c in cands:
        twin = next((o for o in out if same_event(o, c)), None)
        if twin is None:
            out.append(c)
            continue
        rank = {p: i for i, p in enumerate(PRECISIONS)}
        if c.date and (twin.date is None or rank[c.date_precision] < rank[twin.date_precision]
                       or twin.evidence["date"].confidence < c.evidence["date"].confidence):
            twin.date, twin.date_precision = c.date, c.date_precision
            twin.evidence["date"] = c.evidence["date"]
            twin.notes = [n for n in twin.notes if not n.startswith("date assumed")]
        for k, v in c.evidence.items():
            twin.evidence.setdefault(k, v)
        if twin.fatalities is None:
            twin.fatalities, twin.fatalities_lower_bound = c.fatalities, c.fatalities_lower_bound
        if twin.injured is None:
            twin.injured, twin.injured_lower_bound = c.injured, c.injured_lower_bound
        if not twin.municipality_code and c.municipality_code:
            twin.municipality_code, twin.municipality, twin.locality = c.municipality_code, c.municipality, c.locality
        if SPECIFIC.get(c.event_type, 0) > SPECIFIC.get(twin.event_type, 0):
            twin.event_type = c.event_type
        twin.actors += [a for a in c.actors if a not in twin.actors]
        twin.caption = twin.caption and c.caption
        twin.spans += c.spans
    return out


def sibling(cur: Candidate, etype: str, tev: Evidence, target: str, s: int, e: int) -> Candidate:
    """Another act of the same moment and place ("blockades after a clash"): a candidate of its
    own that shares the date and place of the one before."""
    c = Candidate(date=cur.date, date_precision=cur.date_precision, state_code=cur.state_code,
                  municipality_code=cur.municipality_code, municipality=cur.municipality, locality=cur.locality,
                  event_type=etype, target=target)
    c.evidence = {k: v for k, v in cur.evidence.items() if k in ("date", "state", "municipality")}
    c.evidence["event_type"] = tev
    c.spans.append((s, e))
    c.notes.append("date and place of the act reported just before")
    return c


def same_event(a: Candidate, b: Candidate) -> bool:
    if a.state_code != b.state_code:
        return False
    if a.municipality_code and b.municipality_code and a.municipality_code != b.municipality_code:
        return False
    if a.date and b.date and not dates_overlap(a.date, a.date_precision, b.date, b.date_precision):
        return False
    if a.event_type == b.event_type or (a.caption or b.caption) and not {a.event_type, b.event_type} & set(NONVIOLENT):
        return True
    strong = {a.event_type, b.event_type} & set(STRONG)
    return not (len(strong) == 2) and {a.event_type, b.event_type} <= set(SPECIFIC)


def date_range(d: dt.date, precision: str) -> tuple[dt.date, dt.date]:
    """The days a date of that precision covers."""
    if precision == "week":
        return d, d + dt.timedelta(days=6)
    if precision == "month":
        nxt = (d.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        return d, nxt - dt.timedelta(days=1)
    if precision == "year":
        return d, d.replace(month=12, day=31)
    return d, d


def dates_overlap(a: dt.date, pa: str, b: dt.date, pb: str) -> bool:
    a0, a1 = date_range(a, pa or "day")
    b0, b1 = date_range(b, pb or "day")
    return a0 <= b1 and b0 <= a1
