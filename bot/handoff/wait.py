"""How long a person waits for a consultant, in words that stay true.

While the office is open: the median time-to-claim of the branch's recent tickets (a default before
there are any) for each ticket ahead in the branch's queue and this one, bounded below, rounded up to
5 minutes, and said as "en unos 20 minutos"; a longer wait that still ends before closing time is
"hoy antes de las 6:00 p. m."; one that would not is "hoy o mañana desde las 8:00 a. m.". When the
office is closed, the reply says when it opens (``bot.handoff.hours.handoff_reply``).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.handoff.hours import OfficeHours, clock, describe_when
from bot.handoff.rules import WaitRules

ROUND_TO_MINUTES = 5


@dataclass(frozen=True, slots=True)
class ExpectedWait:
    """``open_now``: the office is open; ``minutes``: the estimate then; ``when``: the words."""

    open_now: bool
    minutes: int | None
    when: str


def expected_wait(
    *,
    hours: OfficeHours,
    rules: WaitRules,
    now: datetime,
    ahead: int,
    recent_claims: Sequence[timedelta],
) -> ExpectedWait:
    """The wait of a ticket with ``ahead`` tickets before it in its branch's queue."""
    local = now.astimezone(hours.zone)
    opening = hours.next_opening(now)
    if opening is not None:
        return ExpectedWait(False, None, describe_when(opening, local))
    minutes = estimate_minutes(rules, ahead=ahead, recent_claims=recent_claims)
    closing = hours.closing_today(now)
    assert closing is not None  # open now, so open today
    words = rules.words
    if local + timedelta(minutes=minutes) > closing:
        following = hours.next_opening(closing)
        assert following is not None  # closed at closing time
        return ExpectedWait(True, minutes, words.today_or_next.format(when=describe_when(following, local)))
    if minutes > rules.max_minutes:
        return ExpectedWait(True, minutes, words.before_closing.format(time=clock(closing)))
    return ExpectedWait(True, minutes, words.minutes.format(minutes=minutes))


def estimate_minutes(rules: WaitRules, *, ahead: int, recent_claims: Sequence[timedelta]) -> int:
    """(tickets ahead + 1) × the median time-to-claim, at least ``min_minutes``, rounded up to 5."""
    if recent_claims:
        each = statistics.median(claim.total_seconds() for claim in recent_claims) / 60
    else:
        each = float(rules.default_claim_minutes)
    minutes = max(float(rules.min_minutes), each * (max(ahead, 0) + 1))
    return int(math.ceil(minutes / ROUND_TO_MINUTES) * ROUND_TO_MINUTES)
