"""Places: the state in context decides between same-named places; streets, people and cartels
are not places; the dateline city is not the event's place."""

from __future__ import annotations

import datetime as dt

from scoring.extract.events import extract
from scoring.extract.folding import fold_keep
from scoring.extract.places import index

FILLER = " Las autoridades estatales abrieron una investigación y no reportaron detenidos por el momento."


def mentions(text):
    return [(m.text, m.kind) for m in index().mentions(text, fold_keep(text))]


def first(text: str, pub=dt.date(2024, 3, 12)):
    ex = extract(text + FILLER, published=pub, lang="es")
    assert ex.candidates, ex.reason
    return ex.candidates[0]


def test_panuco_in_zacatecas_by_the_state_written_with_it():
    c = first("El lunes, en Pánuco, Zacatecas, hombres armados asesinaron a dos personas.")
    assert (c.state_code, c.municipality_code) == ("32", "32037")


def test_panuco_in_veracruz_by_the_state_named_earlier():
    c = first("En el norte de Veracruz la violencia no cede. El lunes, en Pánuco, hombres armados asesinaron "
              "a dos personas.")
    assert (c.state_code, c.municipality_code) == ("30", "30123")


def test_matamoros_in_coahuila_and_in_tamaulipas():
    c = first("El lunes hombres armados asesinaron a dos personas en Matamoros, Coahuila.")
    assert c.municipality_code == "05017"
    c = first("El lunes hombres armados asesinaron a dos personas en Matamoros, Tamaulipas.")
    assert c.municipality_code == "28022"


def test_without_a_state_the_most_populous_place_wins():
    c = first("El lunes hombres armados asesinaron a dos personas en Matamoros.")
    assert c.municipality_code == "28022"


def test_a_street_named_zacatecas_is_not_the_state():
    assert ("Zacatecas", "state") not in mentions("Los atacaron sobre la calle Zacatecas, en Celaya.")
    assert ("Zacatecas", "state") not in mentions("They were shot on Zacatecas Street in Celaya.")


def test_a_surname_is_not_a_place():
    assert not [m for m in mentions("Omar García Harfuch habló con la prensa.") if m[0] == "García"]


def test_a_cartel_named_after_a_state_is_not_that_state():
    c = first("El domingo sicarios del Cártel de Sinaloa asesinaron a dos personas en Celaya, Guanajuato.")
    assert (c.state_code, c.municipality_code) == ("11", "11007")
    assert "Cártel de Sinaloa" in c.actors


def test_the_dateline_city_is_not_the_event_place():
    ex = extract("CULIACÁN, Sin., 12 de marzo de 2024.- Hombres armados asesinaron a tres personas el domingo en "
                 "Navolato, informaron las autoridades." + FILLER, lang="es")
    assert [c.municipality_code for c in ex.candidates] == ["25018"]


def test_the_country_is_not_the_state_of_mexico():
    assert mentions("México registra violencia; en el Estado de México hubo un ataque.") == [
        ("Estado de México", "state")]
