"""Candidate events: one per real event, background figures and undated past acts left out,
languages detected, types and actors from the lexicon."""

from __future__ import annotations

import datetime as dt

import pytest

from scoring.errors import FormatError
from scoring.extract.events import NeedsDate, extract

PUB = dt.date(2024, 6, 20)


def test_two_sentences_about_one_massacre_make_one_event():
    ex = extract("Hombres armados asesinaron a seis personas el domingo en un bar de Celaya, Guanajuato. "
                 "El ataque en Celaya fue atribuido al Cártel de Santa Rosa de Lima, según la fiscalía estatal.",
                 published=PUB)
    assert len(ex.candidates) == 1
    c = ex.candidates[0]
    assert (c.event_type, c.fatalities, c.date, c.municipality_code) == ("killing", 6, dt.date(2024, 6, 16), "11007")
    assert "Cártel de Santa Rosa de Lima" in c.actors


def test_background_statistics_are_not_events():
    ex = extract("Mexico records more than 30,000 murders a year, and officials say most are linked to organised "
                 "crime in states such as Guanajuato, Michoacán and Guerrero, according to official figures.",
                 published=PUB, lang="en")
    assert ex.candidates == [] and ex.reason


def test_a_past_act_named_as_background_is_not_an_event():
    ex = extract("La violencia en Culiacán, Sinaloa, aumentó tras la captura de un líder criminal en julio, "
                 "dijeron analistas consultados por este diario sobre la situación del estado.", published=PUB,
                 lang="es")
    assert ex.candidates == []


def test_english_article_with_words_for_numbers_and_a_lower_bound():
    ex = extract("At least eight state police officers were killed last Tuesday when gunmen ambushed their convoy "
                 "near Aguililla, in the state of Michoacán, officials said. The CJNG was blamed.", published=PUB)
    assert ex.language == "en"
    c = ex.candidates[0]
    assert (c.event_type, c.fatalities, c.fatalities_lower_bound, c.state_code) == (
        "attack_on_security_forces", 8, True, "16")
    assert c.date == dt.date(2024, 6, 18) and "Cártel Jalisco Nueva Generación (CJNG)" in c.actors


def test_a_mayor_killed_is_a_targeted_killing():
    ex = extract("The mayor of Chilpancingo, in Guerrero, was shot dead on Sunday by armed men, state authorities "
                 "said, less than a week after he took office.", published=dt.date(2024, 10, 8))
    c = ex.candidates[0]
    assert (c.event_type, c.fatalities, c.municipality_code, c.date) == (
        "targeted_killing", 1, "12029", dt.date(2024, 10, 6))


def test_every_field_has_its_evidence_span():
    text = "El domingo, en Pánuco, Zacatecas, se registró un enfrentamiento que dejó al menos dos muertos."
    ex = extract(text + " La Guardia Nacional y el Ejército llegaron horas después al lugar de los hechos.",
                 published=PUB, lang="es")
    ev = ex.candidates[0].evidence
    assert text[ev["date"].start:ev["date"].end] == "El domingo"
    assert text[ev["fatalities"].start:ev["fatalities"].end] == "al menos dos muertos"
    assert "Pánuco" in ev["municipality"].text
    assert all(0 <= v.confidence <= 1 for v in ev.values())


def test_another_language_is_refused_with_a_reason():
    with pytest.raises(FormatError, match="French"):
        extract("Des hommes armés ont tué six personnes dans un bar de la ville dimanche soir, selon les autorités "
                "locales qui ont ouvert une enquête sur cette attaque.", published=PUB)


def test_a_missing_publication_date_is_asked_for():
    with pytest.raises(NeedsDate, match="--published"):
        extract("Hombres armados asesinaron a seis personas el domingo en un bar de Celaya, Guanajuato, informaron "
                "las autoridades del estado.")


def test_a_date_of_saying_is_not_the_date_of_the_act():
    ex = extract("At least eight police officers were killed late last month when gunmen ambushed their convoy near "
                 "Aguililla, Michoacán, security officials said on Monday.", published=dt.date(2024, 11, 4))
    c = ex.candidates[0]
    assert (c.date, c.date_precision) == (dt.date(2024, 10, 1), "month")


def test_a_negated_act_is_not_an_act():
    ex = extract("Marines seized a ton of methamphetamine in Cosalá, Sinaloa, on Tuesday, the Navy said. No arrests "
                 "were made during the operation, officials said.", published=dt.date(2025, 2, 27))
    assert [c.event_type for c in ex.candidates] == ["seizure"]


def test_an_act_dated_by_the_one_before():
    ex = extract("Gunmen shot dead two taxi drivers in Acapulco, Guerrero, on Tuesday morning, prosecutors said. "
                 "Hours later, dozens of taxi drivers blocked the coastal boulevard to demand protection.",
                 published=dt.date(2025, 1, 22))
    assert [(c.event_type, c.date, c.municipality_code, c.fatalities) for c in ex.candidates] == [
        ("killing", dt.date(2025, 1, 21), "12001", 2), ("protest", dt.date(2025, 1, 21), "12001", None)]


def test_two_acts_in_one_sentence_are_two_candidates():
    ex = extract("Sujetos armados incendiaron vehículos y bloquearon avenidas de Culiacán, Sinaloa, el pasado jueves, "
                 "tras un enfrentamiento entre facciones, informaron las autoridades estatales.",
                 published=dt.date(2024, 9, 14), lang="es")
    assert sorted(c.event_type for c in ex.candidates) == ["armed_clash", "blockade_arson"]


def test_a_photo_caption_merges_with_the_act_it_shows():
    ex = extract("Cartels defy the state\n\nThe siege shocked the country.\n\n"
                 "Burning vehicles send smoke over Culiacan, Mexico, Thursday, Oct. 17, 2019. Gunmen fought "
                 "troops across the city Thursday. (Photo/Someone)\n\nLast October, hundreds of gunmen laid siege to "
                 "the city of Culiacan, in Sinaloa.", published=dt.date(2020, 7, 13), lang="en")
    assert [(c.event_type, c.date, c.municipality_code) for c in ex.candidates] == [
        ("armed_clash", dt.date(2019, 10, 17), "25006")]


def test_the_dateline_state_decides_between_same_named_places_but_is_not_the_place():
    ex = extract("DURANGO, Dgo., 18 de marzo de 2025.- Dos agentes murieron anoche en una emboscada en la comunidad "
                 "de El Salto, en el municipio de Pueblo Nuevo, confirmó el gobierno estatal.", lang="es")
    c = ex.candidates[0]
    assert (c.state_code, c.municipality_code, c.locality) == ("10", "10023", "El Salto")
