"""The indicator registry (scoring/registry.py): the shipped file is complete; bad ones are refused
with a message naming the indicator and the field."""

from __future__ import annotations

import copy
import csv

import pytest
from support.scoring_synth import SMALL_REGISTRY_DOC

from scoring import paths
from scoring.db import schema
from scoring.errors import OptionError
from scoring.index.registry import load_registry, parse_registry

REG = load_registry()


# --- meta-tests on the shipped registry --------------------------------------------------------

def test_registry_has_pillars_and_indicators():
    assert len(REG.pillars) >= 3
    assert len(REG.indicators) >= 10
    assert len(set(REG.ids)) == len(REG.ids)


@pytest.mark.parametrize("ind", REG.indicators, ids=lambda i: i.id)
def test_every_indicator_is_documented(ind):
    assert ind.name and ind.description.endswith(".")
    assert ind.unit
    assert ind.pillar in REG.pillar_ids
    assert ind.direction in (1, -1)
    assert ind.weight > 0
    if ind.layer == "official":
        assert ind.dataset in schema.STAT_DATASETS and ind.series
    else:
        assert ind.event_types and set(ind.event_types) <= set(schema.EVENT_TYPES)


def test_official_series_exist_in_the_crime_map():
    with open(paths.REFERENCE / "sesnsp_crime_map.csv", encoding="utf-8") as f:
        known = {r["series"] for r in csv.DictReader(f)}
    used = {s for i in REG.indicators for s in i.series}
    assert used <= known


def test_every_pillar_has_indicators():
    assert {i.pillar for i in REG.indicators} == set(REG.pillar_ids)


def test_registry_lookup():
    assert REG.get("homicide_rate").pillar == "lethal"
    assert REG.pillar_of()["extortion_rate"] == "organised"


# --- bad registries ----------------------------------------------------------------------------

def _doc():
    return copy.deepcopy(SMALL_REGISTRY_DOC)


def _ind(doc, iid):
    return next(d for d in doc["indicators"] if d["id"] == iid)


def _bad(mutate):
    doc = _doc()
    mutate(doc)
    return doc


BAD = {
    "duplicate_id": (lambda d: d["indicators"].append(copy.deepcopy(_ind(d, "o_theft"))),
                     "indicator 'o_theft'", "duplicate id"),
    "direction_zero": (lambda d: _ind(d, "o_homicide").update(direction=0),
                       "indicator 'o_homicide'", "'direction' must be 1 or -1, got 0"),
    "direction_two": (lambda d: _ind(d, "e_deaths").update(direction=2),
                      "indicator 'e_deaths'", "'direction' must be 1 or -1"),
    "unknown_pillar": (lambda d: _ind(d, "o_theft").update(pillar="money"),
                       "indicator 'o_theft'", "'pillar' must be one of .* got 'money'"),
    "unknown_event_type": (lambda d: _ind(d, "e_deaths").update(event_types=["killing", "duel"]),
                           "indicator 'e_deaths'", "'event_types'.*unknown event type.*duel"),
    "no_event_types": (lambda d: _ind(d, "e_police").update(event_types=[]),
                       "indicator 'e_police'", "'event_types'"),
    "missing_field": (lambda d: _ind(d, "e_police").pop("unit"),
                      "indicator 'e_police'", "missing the required field 'unit'"),
    "missing_weight": (lambda d: _ind(d, "o_homicide").pop("weight"),
                       "indicator 'o_homicide'", "missing the required field 'weight'"),
    "negative_weight": (lambda d: _ind(d, "o_homicide").update(weight=-1),
                        "indicator 'o_homicide'", "'weight' must be a finite number >= 0"),
    "nan_weight": (lambda d: _ind(d, "o_homicide").update(weight=float("nan")),
                   "indicator 'o_homicide'", "'weight' must be a finite number"),
    "bad_layer": (lambda d: _ind(d, "o_theft").update(layer="rumour"),
                  "indicator 'o_theft'", "'layer' must be one of"),
    "bad_measure": (lambda d: _ind(d, "e_deaths").update(measure="rate"),
                    "indicator 'e_deaths'", "'measure' must be one of"),
    "bad_transform": (lambda d: _ind(d, "o_theft").update(transform="sqrt"),
                      "indicator 'o_theft'", "'transform' must be one of"),
    "bad_cap": (lambda d: _ind(d, "o_theft").update(cap=0.3),
                "indicator 'o_theft'", "'cap' must be a quantile"),
    "bad_dataset": (lambda d: _ind(d, "o_theft").update(dataset="news"),
                    "indicator 'o_theft'", "'dataset' must be one of"),
    "no_series": (lambda d: _ind(d, "o_theft").update(series=[]),
                  "indicator 'o_theft'", "'series'"),
    "bad_min_fatalities": (lambda d: _ind(d, "e_deaths").update(min_fatalities="five"),
                           "indicator 'e_deaths'", "'min_fatalities' must be"),
    "negative_min_fatalities": (lambda d: _ind(d, "e_deaths").update(min_fatalities=-1),
                                "indicator 'e_deaths'", "'min_fatalities' must be"),
    "no_id": (lambda d: _ind(d, "e_deaths").pop("id"), "indicator #2", "has no 'id'"),
    "pillar_without_indicators": (lambda d: d["pillars"].update(empty={"name": "E", "description": "Nothing."}),
                                  "synthetic.yml", r"pillar\(s\) \['empty'\] have no indicators"),
    "pillar_without_name": (lambda d: d["pillars"]["harm"].pop("name"),
                            "synthetic.yml", "pillar 'harm' needs a 'name'"),
    "no_indicators": (lambda d: d.update(indicators=[]), "synthetic.yml", "declares no indicators"),
    "no_pillars_key": (lambda d: d.pop("pillars"), "synthetic.yml", "top-level keys"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_registry_names_indicator_and_field(case):
    mutate, who, what = BAD[case]
    with pytest.raises(OptionError, match=what) as exc:
        parse_registry(_bad(mutate), "synthetic.yml")
    assert who in str(exc.value)
    assert str(exc.value).startswith("synthetic.yml")


def test_unknown_series_is_refused_when_the_crime_map_is_given():
    with pytest.raises(OptionError, match="indicator 'o_theft'.*'series'.*unknown series.*'piracy'"):
        parse_registry(_bad(lambda d: _ind(d, "o_theft").update(series=["piracy"])), "synthetic.yml",
                       known_series={"homicide", "cargo_theft"})


def test_small_registry_parses():
    reg = parse_registry(_doc(), "synthetic.yml")
    assert reg.ids == ["o_homicide", "e_deaths", "o_theft", "e_police"]
    assert reg.get("e_police").direction == -1
    assert reg.get("e_deaths").measure == "fatalities"
