"""A time that ends a sentence ends it once: "8:00 a. m.", never "8:00 a. m.." (issue 10).

Every wait the person can be told (a week of moments, an empty and a long queue) is put into every
reply that says it: the hand-off replies (data/office_hours.yml) and the failure apology
(data/failures.yml), while the office is open and while it is closed.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.handoff.hours import handoff_reply, load_failure_replies, load_office_hours
from bot.handoff.rules import load_handoff_rules
from bot.handoff.wait import expected_wait

DATA = Path(__file__).resolve().parents[3] / "data"
HOURS = load_office_hours(DATA / "office_hours.yml")
WAIT = load_handoff_rules(DATA).data.expected_wait
REPLIES = {"handoff": HOURS.replies, "apology": load_failure_replies(DATA / "failures.yml").apology}
MONDAY = datetime(2026, 11, 23, tzinfo=ZoneInfo("America/Bogota"))
MOMENTS = [MONDAY + timedelta(minutes=30 * step) for step in range(7 * 48)]


@pytest.mark.parametrize("replies", sorted(REPLIES))
@pytest.mark.parametrize("ahead", [0, 6])
def test_no_reply_ends_a_time_with_two_periods(replies: str, ahead: int) -> None:
    said = set()
    for now in MOMENTS:
        wait = expected_wait(
            hours=HOURS, rules=WAIT, now=now, ahead=ahead, recent_claims=[timedelta(minutes=20)]
        )
        said.add(handoff_reply(HOURS, now, wait=wait.when, replies=REPLIES[replies]))
    doubled = sorted(text for text in said if ".." in text or ". ." in text)
    assert doubled == []
    assert any("a. m." in text for text in said)  # the times are really in there
