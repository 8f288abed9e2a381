"""When a consultant will write: office hours from data/, Colombian holidays, honest wording."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from bot.gsm7 import fold_to_gsm7, is_gsm7
from bot.handoff.hours import OfficeHours, fill_when, handoff_reply, load_failure_replies, load_office_hours

HOURS = load_office_hours(Path(__file__).resolve().parents[2] / "data" / "office_hours.yml")
BOGOTA = ZoneInfo("America/Bogota")
SOON = "en unos 20 minutos"  # while open, the queue says when (bot/handoff/wait.py)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=BOGOTA)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        ("2026-11-23 10:00", None),  # Monday morning: open
        ("2026-11-23 07:59", "hoy desde las 8:00 a. m."),
        ("2026-11-23 18:00", "mañana desde las 8:00 a. m."),  # closing time is closed
        ("2026-11-27 19:30", "mañana desde las 8:00 a. m."),  # Friday night → Saturday
        ("2026-11-28 11:59", None),  # Saturday morning: open
        ("2026-11-28 12:30", "el lunes desde las 8:00 a. m."),  # Saturday afternoon → Monday
        ("2026-11-29 09:00", "mañana desde las 8:00 a. m."),  # Sunday → Monday
        ("2026-12-07 20:00", "el miércoles desde las 8:00 a. m."),  # 8 Dec (Inmaculada) is a holiday
        ("2026-12-24 19:00", "el sábado desde las 8:00 a. m."),  # Christmas Day is closed
    ],
)
def test_when_a_consultant_writes(now: str, expected: str | None) -> None:
    reply = handoff_reply(HOURS, at(now), wait=SOON)
    if expected is None:
        assert reply == HOURS.replies.open.format(when=SOON)
    else:
        assert expected in reply and SOON not in reply
        assert reply == HOURS.replies.closed.format(when=expected).replace("a. m..", "a. m.")
        assert "Puede dejarnos su mensaje ahora." in reply  # outside hours: they may write now
    assert ".." not in reply
    sms = fold_to_gsm7(reply)
    assert is_gsm7(sms) and len(sms) <= 160, sms


def test_utc_input_is_read_in_bogota_time() -> None:
    # 2026-11-23 13:30 UTC is 08:30 in Bogotá (UTC−5): open
    reply = handoff_reply(HOURS, datetime.fromisoformat("2026-11-23T13:30:00+00:00"), wait=SOON)
    assert reply == HOURS.replies.open.format(when=SOON)


@pytest.mark.parametrize(
    ("template", "when", "expected"),
    [
        ("Le escribirá {when}.", "mañana desde las 8:00 a. m.", "Le escribirá mañana desde las 8:00 a. m."),
        ("Le escribirá {when}.", "en unos 20 minutos", "Le escribirá en unos 20 minutos."),
        (
            "Le escribirá {when} por aquí.",
            "hoy antes de las 6:00 p. m.",
            "Le escribirá hoy antes de las 6:00 p. m. por aquí.",
        ),
    ],
)
def test_a_time_that_ends_the_sentence_gets_one_period(template: str, when: str, expected: str) -> None:
    assert fill_when(template, when) == expected


@pytest.mark.parametrize(
    "data",
    [
        {
            "opening_hours": {"monday": ["18:00", "08:00"]},
            "replies": {"open": "a {when}", "closed": "b {when}"},
        },
        {"opening_hours": {"monday": ["08:00", "18:00"]}, "replies": {"open": "a", "closed": "sin cuándo"}},
        {
            "opening_hours": {"monday": ["08:00", "18:00"]},
            "replies": {"open": "sin cuándo", "closed": "b {when}"},
        },
        {
            "opening_hours": {"lunes": ["08:00", "18:00"]},
            "replies": {"open": "a {when}", "closed": "b {when}"},
        },
        {
            "timezone": "Mars/Olympus",
            "opening_hours": {"monday": ["08:00", "18:00"]},
            "replies": {"open": "a {when}", "closed": "b {when}"},
        },
    ],
)
def test_invalid_office_hours_are_refused(data: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        OfficeHours.model_validate(data)


FAILURES = load_failure_replies(Path(__file__).resolve().parents[2] / "data" / "failures.yml")


@pytest.mark.parametrize(
    "now", ["2026-11-23 10:00", "2026-11-23 07:59", "2026-12-07 20:00", "2026-11-28 12:30"]
)
def test_the_apology_after_a_failed_message_is_one_gsm7_sms_that_promises_a_consultant(now: str) -> None:
    reply = handoff_reply(HOURS, at(now), wait="hoy antes de las 6:00 p. m.", replies=FAILURES.apology)
    sms = fold_to_gsm7(reply)
    assert is_gsm7(sms) and len(sms) <= 160, sms
    assert "problema técnico" in reply and "asesor" in reply
    assert ".." not in reply
