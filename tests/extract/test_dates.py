"""Relative and absolute dates resolved from the publication date, at the precision they have."""

from __future__ import annotations

import datetime as dt

import pytest

from scoring.extract.dates import find_dates, publication_date

PUB = dt.date(2024, 3, 12)   # a Tuesday


def one(text: str, pub: dt.date = PUB):
    found = find_dates(text, pub)
    assert len(found) == 1, found
    return found[0].date, found[0].precision


@pytest.mark.parametrize("text, date, precision", [
    ("Ocurrió el pasado domingo en la noche.", dt.date(2024, 3, 10), "day"),
    ("La noche de ayer hubo disparos.", dt.date(2024, 3, 11), "day"),
    ("It happened last Tuesday.", dt.date(2024, 3, 5), "day"),           # 'last' on a Tuesday: a week back
    ("It happened on Tuesday.", dt.date(2024, 3, 12), "day"),            # no 'last': the same day
    ("Gunmen attacked late last month.", dt.date(2024, 2, 1), "month"),
    ("Ocurrió la semana pasada.", dt.date(2024, 3, 4), "week"),
    ("Banners appeared this week.", dt.date(2024, 3, 11), "week"),
    ("Hubo un ataque en junio.", dt.date(2023, 6, 1), "month"),           # June is after March: last year's
    ("El 3 de febrero se enfrentaron.", dt.date(2024, 2, 3), "day"),
    ("On Oct. 2 banners appeared.", dt.date(2023, 10, 2), "day"),
    ("El 12 de marzo de 2023 hubo un ataque.", dt.date(2023, 3, 12), "day"),
    ("Sucedió hace tres días.", dt.date(2024, 3, 9), "day"),
    ("A judge was murdered this year.", dt.date(2024, 1, 1), "year"),
])
def test_expressions_resolve_with_their_precision(text, date, precision):
    assert one(text) == (date, precision)


def test_a_month_alone_never_gets_an_invented_day():
    d, p = one("Balaceras en mayo de 2023 dejaron muertos.")
    assert (d, p) == (dt.date(2023, 5, 1), "month")


def test_a_date_after_publication_is_marked_as_not_past():
    found = find_dates("El presidente visitará la zona el 20 de marzo de 2024.", PUB)
    assert found and not found[0].past_only


def test_publication_date_from_a_spanish_dateline():
    d, how = publication_date("CULIACÁN, Sin., 12 de marzo de 2024.- Hombres armados atacaron un bar.")
    assert d == dt.date(2024, 3, 12) and "dateline" in how


def test_publication_date_from_a_published_line():
    d, _ = publication_date("Headline\nPublished: March 4, 2024 10:00\nText.")
    assert d == dt.date(2024, 3, 4)


def test_no_publication_date_says_so():
    d, why = publication_date("EL PASO, Texas (Border Report) — The president will visit three states.")
    assert d is None and "--published" in why


def test_the_weekend_is_a_week_precision_date():
    # published Thursday 2024-07-25: the weekend before is 20-21 July, the week of Monday 15 July
    assert one("Hubo enfrentamientos el pasado fin de semana.", dt.date(2024, 7, 25)) == (dt.date(2024, 7, 15), "week")


def test_a_weekday_next_to_a_full_date_takes_that_date():
    found = find_dates("Police work the scene in Mexico City, Friday, June 26, 2020. Gunmen attacked, the mayor said "
                       "Friday.", dt.date(2020, 7, 13))
    assert {f.date for f in found} == {dt.date(2020, 6, 26)}


def test_a_weekday_in_a_plan_is_not_past():
    found = find_dates("The president on Thursday will be in Jalisco.", dt.date(2020, 7, 13))
    assert len(found) == 1 and not found[0].past_only
