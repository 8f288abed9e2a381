"""The rhythm a learner picks, read against the real contact hours (data/contact_hours.yml)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.contact_hours import CONTACT_HOURS_FILE, load_contact_hours
from bot.lessons.answers import HourOutside, Rhythm, rhythm_choice

DATA = Path(__file__).resolve().parents[3] / "data"
HOURS = load_contact_hours(DATA / CONTACT_HOURS_FILE)
ON_DEMAND = Rhythm("on_demand", None)


def daily(hour: int, minute: int = 0) -> Rhythm:
    return Rhythm("daily", hour * 60 + minute)


@pytest.mark.parametrize(
    ("reply", "rhythm"),
    [
        ("mañana", daily(9)), ("manana", daily(9)), ("en la mañana", daily(9)), ("por la mañana", daily(9)),
        ("Mañana.", daily(9)), ("tarde", daily(14)), ("en la tarde", daily(14)), ("por la tarde", daily(14)),
        ("noche", daily(18)), ("en la noche", daily(18)), ("por la noche", daily(18)),
        ("a las 7", daily(7)), ("7 am", daily(7)), ("7:30", daily(7, 30)), ("10 de la mañana", daily(10)),
        ("3 pm", daily(15)), ("3pm", daily(15)), ("3 de la tarde", daily(15)), ("15", daily(15)),
        ("15:00", daily(15)), ("a las 6 de la tarde", daily(18)), ("a las 3", daily(15)),
        ("a la una", daily(13)), ("a las 7 y media", daily(7, 30)), ("7a.m.", daily(7)),
        ("a las 8 am", daily(8)), ("6 y media de la tarde", daily(18, 30)),
        ("a las 9 de la noche", HourOutside(21 * 60)), ("5 am", HourOutside(5 * 60)),
        ("5 de la mañana", HourOutside(5 * 60)), ("a las 7pm", HourOutside(19 * 60)),
        ("a las 19", HourOutside(19 * 60)),
        ("cuando yo la pida", ON_DEMAND), ("cuando yo diga", ON_DEMAND), ("yo le escribo", ON_DEMAND),
        ("a demanda", ON_DEMAND), ("cuando quiera", ON_DEMAND),
        ("1", None), ("2", None), ("hola", None), ("", None), ("no se", None), ("cuanto debo", None),
    ],
)  # fmt: skip
def test_rhythm_choice(reply: str, rhythm: Rhythm | HourOutside | None) -> None:
    assert rhythm_choice(reply, HOURS) == rhythm


def test_an_hour_without_am_pm_takes_the_reading_the_contact_hours_allow() -> None:
    """03:00 is outside every opening, 15:00 inside: "a las 3" is 15:00; 08:00 is inside, 20:00 not."""
    assert rhythm_choice("a las 3", HOURS) == daily(15)
    assert rhythm_choice("a las 8", HOURS) == daily(8)
