"""The rhythm a learner picks, read against the real contact hours (data/contact_hours.yml)."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from bot.contact_hours import CONTACT_HOURS_FILE, ContactHours, load_contact_hours
from bot.lessons.answers import HourOutside, Rhythm, rhythm_choice
from bot.lessons.rhythm import EVENING_MINUTE

DATA = Path(__file__).resolve().parents[3] / "data"
HOURS = load_contact_hours(DATA / CONTACT_HOURS_FILE)
ON_DEMAND = Rhythm("on_demand", None)


def daily(hour: int, minute: int = 0) -> Rhythm:
    return Rhythm("daily", hour * 60 + minute)


@pytest.mark.parametrize(
    ("reply", "rhythm"),
    [
        # a moment of the day
        ("mañana", daily(9)), ("manana", daily(9)), ("en la mañana", daily(9)), ("por la mañana", daily(9)),
        ("Mañana.", daily(9)), ("en las mañanas", daily(9)), ("por la mañana temprano", daily(9)),
        ("tarde", daily(14)), ("en la tarde", daily(14)), ("por la tarde", daily(14)),
        ("mejor en las tardes", daily(14)), ("noche", daily(18)), ("en la noche", daily(18)),
        ("por la noche", daily(18)), ("al mediodía", daily(12)), ("al medio dia", daily(12)),
        # an hour
        ("a las 7", daily(7)), ("7 am", daily(7)), ("7:30", daily(7, 30)), ("10 de la mañana", daily(10)),
        ("3 pm", daily(15)), ("3pm", daily(15)), ("3 de la tarde", daily(15)), ("15", daily(15)),
        ("15:00", daily(15)), ("15h", daily(15)), ("15 horas", daily(15)), ("a las 6 de la tarde", daily(18)),
        ("a la una", daily(13)), ("a las 7 y media", daily(7, 30)), ("7a.m.", daily(7)), ("a las 8 am", daily(8)),
        ("6 y media de la tarde", daily(18, 30)), ("6:30 pm", daily(18, 30)), ("18:30", daily(18, 30)),
        ("a las 2 y 15", daily(14, 15)), ("a las 7 menos cuarto", daily(6 + 12, 45)),
        ("8 menos 10 de la mañana", daily(7, 50)), ("las 3 y media", daily(15, 30)), ("a las ocho", daily(8)),
        ("ocho de la mañana", daily(8)), ("todos los dias a las 8", daily(8)), ("a eso de las 3", daily(15)),
        ("tipo 3 de la tarde", daily(15)), ("en la tarde a las 4", daily(16)), ("a las 4 en la tarde", daily(16)),
        ("mañana a las 10 de la mañana", daily(10)),
        # an hour without am/pm: the reading the contact hours allow
        ("a las 3", daily(15)), ("a las 6", daily(18)), ("a las 10", daily(10)), ("a las 11", daily(11)),
        ("a las 12", daily(12)), ("mañana a las 6", daily(18)),
        # an hour no opening allows
        ("a las 9 de la noche", HourOutside(21 * 60)), ("5 am", HourOutside(5 * 60)),
        ("5 de la mañana", HourOutside(5 * 60)), ("a las 7pm", HourOutside(19 * 60)),
        ("a las 19", HourOutside(19 * 60)), ("siete y media de la noche", HourOutside(19 * 60 + 30)),
        ("12 de la noche", HourOutside(0)), ("en la mañana a las 6", HourOutside(6 * 60)),
        # on demand
        ("cuando yo la pida", ON_DEMAND), ("cuando yo diga", ON_DEMAND), ("yo le escribo", ON_DEMAND),
        ("a demanda", ON_DEMAND), ("cuando quiera", ON_DEMAND), ("Cuando yo la pida", ON_DEMAND),
        ("cuando tenga tiempo", ON_DEMAND), ("yo la pido", ON_DEMAND), ("a mi ritmo", ON_DEMAND),
        # not an answer: menu numbers are the caller's; greetings; "más tarde" is "later"
        ("1", None), ("2", None), ("5", None), ("la 4", None), ("hola", None), ("", None), ("no se", None),
        ("cuanto debo", None), ("mas tarde", None), ("buenas tardes", None), ("buenas noches", None),
        ("pasado mañana", None), ("mañana o tarde", None), ("de 3 a 4", None), ("a las 24", None),
        ("despues del almuerzo", None), ("siguiente", None),
    ],
)  # fmt: skip
def test_rhythm_choice(reply: str, rhythm: Rhythm | HourOutside | None) -> None:
    assert rhythm_choice(reply, HOURS) == rhythm


def test_an_hour_without_am_pm_takes_the_reading_the_contact_hours_allow() -> None:
    """03:00 is outside every opening, 15:00 inside: "a las 3" is 15:00; 08:00 is inside, 20:00 not."""
    assert rhythm_choice("a las 3", HOURS) == daily(15)
    assert rhythm_choice("a las 8", HOURS) == daily(8)


def test_allowed_means_inside_the_opening_of_at_least_one_weekday() -> None:
    """Saturday closes at 15:00, weekdays at 19:00: 16:00 is allowed (weekdays), 19:00 on no day."""
    assert rhythm_choice("a las 4 de la tarde", HOURS) == daily(16)
    assert rhythm_choice("a las 7 de la noche", HOURS) == HourOutside(19 * 60)


def test_noche_is_the_last_hour_the_contact_hours_allow() -> None:
    closing = max(end for _, end in HOURS.opening_hours.values())
    assert closing == time(19)
    assert (closing.hour - 1) * 60 == EVENING_MINUTE
    assert rhythm_choice("noche", HOURS) == Rhythm("daily", EVENING_MINUTE)


def test_stricter_hours_change_which_reading_is_allowed() -> None:
    """With 08:00–18:00 every day, neither 07:00 nor 19:00 is allowed: the literal reading is refused."""
    strict = ContactHours.model_validate(
        {
            "timezone": "America/Bogota",
            "opening_hours": {day: ["08:00", "18:00"] for day in ("monday", "tuesday", "wednesday")},
        }
    )
    assert rhythm_choice("a las 7", strict) == HourOutside(7 * 60)
    assert rhythm_choice("a las 5", strict) == daily(17)
    assert rhythm_choice("noche", strict) == daily(17)  # the last full hour before 18:00
