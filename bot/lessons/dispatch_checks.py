"""What stops or delays a due scheduled lesson, decided again at the moment it would go.

Lessons are not collection contacts: they do not count toward the repayment reminders' per-kind day
and week limits (bot/reminders/checks.py). Their own limits:

- opted out, or no accepted consent → the lesson does not go (``Skip``): the enrolment stays as it is,
  only its next moment moves to tomorrow's, so the scheduler does not look at it every minute; after an
  opt-in it simply goes on;
- a consultant holds the conversation → tomorrow's moment (``Wait``): a lesson in the middle of a talk
  with a person would be noise;
- a scheduled lesson already went to this person today (any course, local day as the contact hours
  judge it) → tomorrow's moment: never more than one scheduled lesson a day.

The contact hours, the WhatsApp window and the send rate are checked by the dispatcher and the outbox
(the shared modules: bot/contact_hours.py, bot/send_policy.py, bot/send_rate.py). Reasons carry no
personal data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.contact_hours import ContactHours
from bot.db import lesson_schedule as queries
from bot.db.consents import has_accepted_consent
from bot.db.lesson_models import LessonEnrolment
from bot.lessons.schedule import next_lesson_at

CONSULTANT = "consultant"


@dataclass(frozen=True, slots=True)
class Skip:
    """The lesson does not go now; the enrolment's next moment becomes ``until`` (tomorrow's)."""

    reason: str
    until: datetime


@dataclass(frozen=True, slots=True)
class Wait:
    """The lesson goes later: ``next_due_at`` moves to ``until``."""

    reason: str
    until: datetime


async def send_check(
    session: AsyncSession, row: queries.EnrolmentRow, *, hours: ContactHours, now: datetime
) -> Skip | Wait | None:
    """``None``: the lesson may go now (contact hours and window aside)."""
    tomorrow = tomorrows_moment(row.enrolment, hours=hours, now=now)
    if row.contact.opted_out:
        return Skip("opted out", tomorrow)
    if not await has_accepted_consent(session, contact_id=row.contact.id):
        return Skip("no accepted consent", tomorrow)
    if row.conversation.owner == CONSULTANT:
        return Wait("a consultant holds the conversation", tomorrow)
    today = await queries.scheduled_lessons_since(
        session, contact_id=row.contact.id, since=hours.day_start(now)
    )
    if today >= 1:
        return Wait("one scheduled lesson a day", tomorrow)
    return None


def tomorrows_moment(enrolment: LessonEnrolment, *, hours: ContactHours, now: datetime) -> datetime:
    """The person's moment on the next day it may go (the due time's minute if none was stored)."""
    minute = enrolment.send_minute
    if minute is None:
        due = (enrolment.next_due_at or now).astimezone(hours.zone)
        minute = due.hour * 60 + due.minute
    return next_lesson_at(minute, after=now, hours=hours)
