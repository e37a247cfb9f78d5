"""The indicator registry (``scoring/config/indicators.yml``), validated on load.

Every message names the indicator and the field at fault, in one wording:
"indicator 'x': 'direction' must be 1 or -1, got 0".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from scoring import paths
from scoring.db import schema
from scoring.errors import OptionError

LAYERS = ("official", "events")
# rate: a yearly rate per 100,000 from monthly counts; momentum: the log ratio of this window's
# rate to the window before; stock: the latest count of a stock (people missing) per 100,000.
MEASURES = {"official": ("rate", "momentum", "stock"), "events": ("count", "fatalities", "distinct_actors", "momentum")}
TRANSFORMS = ("none", "log")
DATASETS = schema.STAT_DATASETS


@dataclass(frozen=True)
class Pillar:
    id: str
    name: str
    description: str


@dataclass(frozen=True)
class Indicator:
    id: str
    name: str
    description: str
    pillar: str
    layer: str
    unit: str
    transform: str
    direction: int
    weight: float
    measure: str
    dataset: str | None = None
    series: tuple[str, ...] = ()
    event_types: tuple[str, ...] = ()
    min_fatalities: int = 0
    cap: float | None = None
    # events: the systematic sources that observe this kind of event (None = every one). Only
    # their coverage makes a region's zero a real zero; reports always add where they name.
    origins: tuple[str, ...] | None = None
    # official: scaled by the death-certificate factor when the under-count option is on
    undercount: bool = False


@dataclass(frozen=True)
class Registry:
    pillars: tuple[Pillar, ...]
    indicators: tuple[Indicator, ...]
    source: str = ""
    by_id: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def ids(self) -> list[str]:
        return [i.id for i in self.indicators]

    @property
    def pillar_ids(self) -> list[str]:
        return [p.id for p in self.pillars]

    def get(self, indicator_id: str) -> Indicator:
        return self.by_id[indicator_id]

    def pillar_of(self) -> dict[str, str]:
        return {i.id: i.pillar for i in self.indicators}


def _fail(where: str, msg: str):
    raise OptionError(f"{where}: {msg}")


def parse_registry(doc: dict, source: str = "indicators.yml", *, known_series: set[str] | None = None) -> Registry:
    if not isinstance(doc, dict) or "pillars" not in doc or "indicators" not in doc:
        _fail(source, "needs the top-level keys 'pillars' and 'indicators'")
    pillars = []
    for pid, p in (doc["pillars"] or {}).items():
        if not isinstance(p, dict) or not p.get("name") or not p.get("description"):
            _fail(source, f"pillar {pid!r} needs a 'name' and a 'description'")
        pillars.append(Pillar(str(pid), p["name"], p["description"]))
    pids = {p.id for p in pillars}
    inds, seen = [], set()
    for n, d in enumerate(doc["indicators"] or [], start=1):
        where = f"{source}: indicator #{n}"
        if not isinstance(d, dict):
            _fail(where, "is not a mapping")
        iid = d.get("id")
        if not iid:
            _fail(where, "has no 'id'")
        where = f"{source}: indicator {iid!r}"
        if iid in seen:
            _fail(where, "is declared twice (duplicate id)")
        seen.add(iid)
        for key in ("name", "description", "pillar", "layer", "unit", "transform", "direction", "weight"):
            if key not in d or d[key] in (None, ""):
                _fail(where, f"is missing the required field '{key}'")
        if d["pillar"] not in pids:
            _fail(where, f"'pillar' must be one of {sorted(pids)}, got {d['pillar']!r}")
        if d["layer"] not in LAYERS:
            _fail(where, f"'layer' must be one of {list(LAYERS)}, got {d['layer']!r}")
        measure = d.get("measure", "rate" if d["layer"] == "official" else "count")
        if measure not in MEASURES[d["layer"]]:
            _fail(where, f"'measure' must be one of {list(MEASURES[d['layer']])} for layer {d['layer']}, got {measure!r}")
        if d["transform"] not in TRANSFORMS:
            _fail(where, f"'transform' must be one of {list(TRANSFORMS)}, got {d['transform']!r}")
        if d["direction"] not in (1, -1):
            _fail(where, f"'direction' must be 1 or -1, got {d['direction']!r}")
        w = d["weight"]
        if not isinstance(w, (int, float)) or isinstance(w, bool) or not (w >= 0) or w == float("inf"):
            _fail(where, f"'weight' must be a finite number >= 0, got {w!r}")
        cap = d.get("cap")
        if cap is not None and not (isinstance(cap, (int, float)) and 0.5 < cap <= 1):
            _fail(where, f"'cap' must be a quantile in (0.5, 1], got {cap!r}")
        mf = d.get("min_fatalities", 0)
        if isinstance(mf, bool) or not isinstance(mf, int) or mf < 0:
            _fail(where, f"'min_fatalities' must be a whole number >= 0, got {mf!r}")
        series, etypes = tuple(d.get("series") or ()), tuple(d.get("event_types") or ())
        if d["layer"] == "official":
            if d.get("dataset") not in DATASETS:
                _fail(where, f"'dataset' must be one of {list(DATASETS)}, got {d.get('dataset')!r}")
            if not series:
                _fail(where, "an official indicator needs a non-empty 'series' list")
            if known_series is not None:
                bad = [s for s in series if s not in known_series]
                if bad:
                    _fail(where, f"'series' has unknown series {bad}; see data/reference/sesnsp_crime_map.csv")
        else:
            if not etypes:
                _fail(where, "an events indicator needs a non-empty 'event_types' list")
            bad = [t for t in etypes if t not in schema.EVENT_TYPES]
            if bad:
                _fail(where, f"'event_types' has unknown event type(s) {bad}; known: {sorted(schema.EVENT_TYPES)}")
            origins = d.get("origins")
            if origins is not None and (not isinstance(origins, list) or not all(isinstance(o, str) for o in origins)):
                _fail(where, f"'origins' must be a list of event origins, got {origins!r}")
        inds.append(Indicator(
            id=iid, name=d["name"], description=d["description"], pillar=d["pillar"], layer=d["layer"],
            unit=d["unit"], transform=d["transform"], direction=int(d["direction"]), weight=float(w),
            measure=measure, dataset=d.get("dataset"), series=series, event_types=etypes,
            min_fatalities=int(mf), cap=cap,
            origins=tuple(d["origins"]) if d.get("origins") is not None else None,
            undercount=bool(d.get("undercount", False)),
        ))
    if not inds:
        _fail(source, "declares no indicators")
    used = {i.pillar for i in inds}
    empty = [p.id for p in pillars if p.id not in used]
    if empty:
        _fail(source, f"pillar(s) {empty} have no indicators")
    reg = Registry(tuple(pillars), tuple(inds), source)
    reg.by_id.update({i.id: i for i in inds})
    return reg


@lru_cache(maxsize=2)
def load_registry(path: str | None = None) -> Registry:
    p = Path(path) if path else paths.CONFIG / "indicators.yml"
    try:
        doc = yaml.safe_load(p.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise OptionError(f"{p}: cannot be read as YAML ({exc})") from None
    import csv

    with open(paths.REFERENCE / "sesnsp_crime_map.csv", encoding="utf-8") as f:
        known = {r["series"] for r in csv.DictReader(f)}
    return parse_registry(doc, p.name, known_series=known)
