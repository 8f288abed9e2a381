"""What the person is told about the wait: from the queue and the office hours, in plain words."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.handoff.hours import load_office_hours
from bot.handoff.rules import load_handoff_rules
from bot.handoff.wait import estimate_minutes, expected_wait

DATA = Path(__file__).resolve().parents[3] / "data"
HOURS = load_office_hours(DATA / "office_hours.yml")  # Mon–Fri 8–18, Sat 8–12
WAIT = load_handoff_rules(DATA).data.expected_wait  # default 15 min, min 10, max 60
BOGOTA = ZoneInfo("America/Bogota")


def minutes(*values: float) -> list[timedelta]:
    return [timedelta(minutes=value) for value in values]


@pytest.mark.parametrize(
    ("now", "ahead", "claims", "open_now", "estimate", "when"),
    [
        # Monday 2026-11-23, open: no history → the default (15 min) for this ticket
        ("2026-11-23 10:00", 0, [], True, 15, "en unos 15 minutos"),
        # the median of recent claims (8, 12, 40 → 12), one ahead → 24 → rounded up to 25
        ("2026-11-23 10:00", 1, minutes(8, 12, 40), True, 25, "en unos 25 minutos"),
        # very fast claims never promise less than min_minutes
        ("2026-11-23 10:00", 0, minutes(1, 2), True, 10, "en unos 10 minutos"),
        # more than max_minutes but before closing: "hoy antes de las 6:00 p. m."
        ("2026-11-23 10:00", 5, minutes(20), True, 120, "hoy antes de las 6:00 p. m."),
        # would end after closing: today or at the next opening
        ("2026-11-23 17:30", 2, minutes(20), True, 60, "hoy o mañana desde las 8:00 a. m."),
        # Saturday closes at noon; the next opening is Monday
        ("2026-11-28 11:50", 0, [], True, 15, "hoy o el lunes desde las 8:00 a. m."),
        # closed: when the office opens, whatever the queue
        ("2026-11-23 19:00", 3, minutes(20), False, None, "mañana desde las 8:00 a. m."),
        ("2026-11-23 06:30", 0, [], False, None, "hoy desde las 8:00 a. m."),
        ("2026-12-07 20:00", 0, [], False, None, "el miércoles desde las 8:00 a. m."),  # 8 Dec: holiday
    ],
)
def test_expected_wait(
    now: str, ahead: int, claims: list[timedelta], open_now: bool, estimate: int | None, when: str
) -> None:
    moment = datetime.fromisoformat(now).replace(tzinfo=BOGOTA)
    wait = expected_wait(hours=HOURS, rules=WAIT, now=moment, ahead=ahead, recent_claims=claims)
    assert (wait.open_now, wait.minutes, wait.when) == (open_now, estimate, when)


@pytest.mark.parametrize(
    ("ahead", "claims", "expected"),
    [
        (0, [], 15),
        (2, [], 45),
        (0, minutes(11), 15),
        (0, minutes(10, 30), 20),
        (-1, [], 15),
        (3, minutes(0.5), 10),
    ],
)
def test_estimate_minutes(ahead: int, claims: list[timedelta], expected: int) -> None:
    assert estimate_minutes(WAIT, ahead=ahead, recent_claims=claims) == expected
