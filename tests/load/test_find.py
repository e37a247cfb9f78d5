"""Finding a place by what a person types: accents, case, English names and misspellings."""

from __future__ import annotations

import json

import pytest

from scoring import cli
from scoring.load.names import PlaceFinder

FINDER = PlaceFinder()


@pytest.mark.parametrize("typed, kind, code, municipality", [
    ("Cancun", "locality", "23005", "Benito Juárez"),
    ("cancún", "locality", "23005", "Benito Juárez"),
    ("Playa del Carmen", "locality", "23008", "Solidaridad"),
    ("cabo san lucas", "locality", "03008", "Los Cabos"),
    ("Tulum", "municipality", "23009", ""),
    ("Puerto Vallarta", "municipality", "14067", ""),
    ("San Miguel de Allende", "municipality", "11003", ""),
    ("Mazatlan", "municipality", "25012", ""),
    ("TIJUANA", "municipality", "02004", ""),
    ("Guadalajra", "municipality", "14039", ""),          # misspelt
    ("Acapulko", "municipality", "12001", ""),            # misspelt, and only the first word of the name
])
def test_places_travellers_ask_about_are_found_first(typed, kind, code, municipality):
    best = FINDER.find(typed)[0]
    assert (best.kind, best.code, best.municipality) == (kind, code, municipality)


@pytest.mark.parametrize("typed, code", [("Mexico City", "09"), ("CDMX", "09"), ("NL", "19"), ("michoacan", "16"),
                                         ("State of Mexico", "15")])
def test_states_by_any_known_name(typed, code):
    best = FINDER.find(typed)[0]
    assert (best.kind, best.code) == ("state", code)


def test_corridors_by_the_towns_they_join_in_any_order():
    found = FINDER.find("Puerto Vallarta Tepic")
    assert any(f.kind == "corridor" and f.code == "guadalajara-puerto-vallarta" for f in found)
    assert FINDER.find("Riviera Maya")[0].code == "cancun-playa-tulum"


def test_nothing_found_is_an_empty_list_and_junk_is_not_a_match():
    assert FINDER.find("") == [] and FINDER.find("   ") == []
    assert FINDER.find("zzzzqqqq") == []


def test_the_command_prints_json_best_first(capsys):
    assert cli.main(["find", "Cancun", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out[0]["kind"] == "locality" and out[0]["state_name"] == "Quintana Roo"
    assert {"kind", "code", "name", "state_code", "state_name", "municipality", "match", "score"} <= set(out[0])
    assert cli.main(["find", "zzzzqqqq"]) == 0
    assert "no place matches" in capsys.readouterr().out
