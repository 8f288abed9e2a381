"""The daily lesson's moment over the contact hours (data/contact_hours.yml: Mon–Fri 07:00–19:00,
Sat 08:00–15:00, never Sundays or holidays). Times are Bogotá wall-clock times."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.lessons.schedule import next_lesson_at
from tests.unit.test_contact_hours import HOURS, bogota


def minute(text: str) -> int:
    hour, minutes = text.split(":")
    return int(hour) * 60 + int(minutes)


@pytest.mark.parametrize(
    ("label", "moment", "after", "expected"),
    [
        ("a weekday: the next day at the moment", "09:00", "2026-12-01 10:30", "2026-12-02 09:00"),
        ("answered before the moment: still the NEXT day", "09:00", "2026-12-02 07:00", "2026-12-03 09:00"),
        ("answered late at night: the next day", "09:00", "2026-12-02 23:50", "2026-12-03 09:00"),
        ("Friday evening: Saturday at the moment", "10:00", "2026-12-04 18:30", "2026-12-05 10:00"),
        ("evening moment on Friday: Saturday is open at 14:00", "14:00", "2026-12-04 18:30", "2026-12-05 14:00"),
        ("Saturday closes at 15:00: a 16:00 moment goes on Monday", "16:00", "2026-12-04 16:00",
         "2026-12-07 16:00"),
        ("the last minute of Saturday's hours", "14:59", "2026-12-04 16:00", "2026-12-05 14:59"),
        ("15:00 is closed on Saturday", "15:00", "2026-12-04 16:00", "2026-12-07 15:00"),
        ("Saturday's lesson: Sunday is skipped", "09:00", "2026-12-05 09:00", "2026-12-07 09:00"),
        ("07:30 is before Saturday's opening: Monday", "07:30", "2026-12-04 08:00", "2026-12-07 07:30"),
        ("a holiday (Tuesday 8 December): the next day", "09:00", "2026-12-07 09:00", "2026-12-09 09:00"),
        ("a Monday holiday after the weekend (16 November)", "18:00", "2026-11-13 18:00",
         "2026-11-17 18:00"),
        ("Christmas Eve to the 26th", "10:00", "2026-12-24 10:00", "2026-12-26 10:00"),
        ("a moment no day allows (20:00): the next opening after it", "20:00", "2026-12-01 20:00",
         "2026-12-03 07:00"),
        ("midnight: the next opening", "00:00", "2026-12-01 09:00", "2026-12-02 07:00"),
    ],
)  # fmt: skip
def test_next_lesson_at(label: str, moment: str, after: str, expected: str) -> None:
    got = next_lesson_at(minute(moment), after=bogota(after), hours=HOURS)
    assert got == bogota(expected), label
    assert HOURS.is_open(got), label  # always a moment the contact hours allow


def test_one_lesson_a_day_whatever_the_time_of_the_answer() -> None:
    """Answered a minute after the lesson or a minute before midnight: never the same local day."""
    for after in ("2026-12-01 09:01", "2026-12-01 23:59", "2026-12-01 00:00"):
        got = next_lesson_at(minute("09:00"), after=bogota(after), hours=HOURS)
        assert got.date() > bogota(after).date()


def test_the_development_offset_moves_the_day_as_the_contact_hours_judge_it() -> None:
    """With an offset of +6 h (dev/test: a process started at night judged as daytime), Wednesday
    22:00 real time is judged Thursday 04:00: the next lesson is on Friday's judged moment."""
    shifted = HOURS.shifted(timedelta(hours=6))
    got = next_lesson_at(minute("09:00"), after=bogota("2026-12-02 22:00"), hours=shifted)
    assert got == bogota("2026-12-04 03:00")  # judged as Friday 09:00
    assert shifted.is_open(got)


@pytest.mark.parametrize("bad", [-1, 1440, 5000])
def test_a_minute_outside_the_day_is_refused(bad: int) -> None:
    with pytest.raises(ValueError, match="within a day"):
        next_lesson_at(bad, after=bogota("2026-12-01 09:00"), hours=HOURS)
