"""Counts in digits and words, both languages, 'at least' kept as a lower bound."""

from __future__ import annotations

import pytest

from scoring.extract.folding import fold_keep
from scoring.extract.numbers import find_counts, words_to_int


def counts(text: str) -> list[tuple[str, int, bool]]:
    return [(c.kind, c.value, c.lower_bound) for c in find_counts(fold_keep(text))]


@pytest.mark.parametrize("text, expected", [
    ("Hombres armados asesinaron a seis personas en un bar.", [("fatalities", 6, False)]),
    ("Twelve people were killed and 3 wounded.", [("fatalities", 12, False), ("injured", 3, False)]),
    ("El ataque dejó al menos 8 muertos y dos heridos.", [("fatalities", 8, True), ("injured", 2, False)]),
    ("gunmen killed at least twenty-seven people", [("fatalities", 27, True)]),
    ("veintisiete personas perdieron la vida", [("fatalities", 27, False)]),
    ("the massacre of 27 people at a rehab clinic", [("fatalities", 27, False)]),
    ("dejó tres detenidos y dos muertos", [("fatalities", 2, False)]),   # arrests are not deaths
    ("hirieron a cuatro agentes", [("injured", 4, False)]),
    ("The mayor was shot dead on Sunday.", [("fatalities", 1, False)]),
])
def test_counts(text, expected):
    assert counts(text) == expected


def test_a_car_bomb_is_not_one_death():
    assert counts("A car bomb exploded near the refinery; no one was hurt.") == []


@pytest.mark.parametrize("words, n", [("treinta y dos", 32), ("twenty-seven", 27), ("una docena", 12),
                                      ("1,200", 1200), ("seis", 6), ("Twelve".lower(), 12), ("pan", None)])
def test_words_to_int(words, n):
    assert words_to_int(words) == n
