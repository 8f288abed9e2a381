"""What stops or delays a due repayment reminder, decided again at the moment it would go.

Order: the instalment (paid or canceled → canceled; its step superseded → skipped; paused after "ya
pagué" → waits until the pause ends), then the person (no contact with the loan's phone, opted out,
no accepted consent for the reminders purpose, no conversation → skipped; the channel: the one a
reminder already used this ISO week, else the latest the person wrote on), then the conversation (a
consultant holds it → waits until the next day's opening: the consultant is talking with the person
and a reminder from the bot in the middle would be noise), then the per-person limits of Ley 2300
(``data/contact_hours.yml``: one a day, ``max_per_week_per_kind`` a week → waits until the next
allowed opening). Reasons carry no personal data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.contact_hours import ContactHours
from bot.db import proactive
from bot.db import repayment_reminders as queries
from bot.db.models import Contact, Conversation
from bot.reminders.planning import SUPERSEDED, Planner

REMINDER_PURPOSE = "repayment_reminder"  # Message.purpose: proactive (contact hours, ValidityPeriod)
CONSULTANT = "consultant"


@dataclass(frozen=True, slots=True)
class Stop:
    """The reminder does not go: ``status`` skipped | canceled, final."""

    status: str
    reason: str


@dataclass(frozen=True, slots=True)
class Wait:
    """The reminder goes later: ``planned_at`` moves to ``until``."""

    until: datetime
    reason: str


@dataclass(frozen=True, slots=True)
class Go:
    contact: Contact
    conversation: Conversation


def instalment_check(row: queries.ReminderRow, planner: Planner, now: datetime) -> Stop | Wait | None:
    instalment = row.instalment
    if instalment.status == "paid" or instalment.amount_paid >= instalment.amount_due:
        return Stop("canceled", "paid")
    if instalment.status != "pending":
        return Stop("canceled", f"instalment {instalment.status}"[:80])
    if planner.superseded(instalment.due_on, row.reminder.step, now):
        return Stop("skipped", SUPERSEDED)
    paused = instalment.reminders_paused_until
    if paused is not None and paused > now:
        return Wait(planner.hours.next_open(paused), "paused after a payment claim")
    return None


async def person_check(
    session: AsyncSession, row: queries.ReminderRow, *, hours: ContactHours, purpose: str, now: datetime
) -> Stop | Wait | Go:
    contact = await queries.contact_by_phone(session, phone_e164=row.loan.phone_e164)
    if contact is None:
        return Stop("skipped", "no contact with the loan's phone")
    if contact.opted_out:
        return Stop("skipped", "opted out")
    if purpose not in await queries.consented_purposes(session, contact_id=contact.id):
        return Stop("skipped", "no consent for reminders")
    conversation = await _channel_of_the_week(session, contact, hours=hours, now=now)
    if conversation is None:
        return Stop("skipped", "no conversation")
    if conversation.owner == CONSULTANT:
        return Wait(next_day_opening(hours, now), "a consultant holds the conversation")
    return Go(contact, conversation)


async def _channel_of_the_week(
    session: AsyncSession, contact: Contact, *, hours: ContactHours, now: datetime
) -> Conversation | None:
    """Ley 2300 de 2023 (art. 3): not through several channels in the same week. The conversation a
    repayment reminder already used this ISO week, else the one with the person's latest message."""
    used = await proactive.conversation_used_since(
        session, contact_id=contact.id, purpose=REMINDER_PURPOSE, since=hours.week_start(now)
    )
    if used is not None:
        conversation = await session.get(Conversation, used)
        if conversation is not None:
            return conversation
    return await queries.latest_conversation(session, contact_id=contact.id)


async def limits_check(
    session: AsyncSession, contact: Contact, *, hours: ContactHours, now: datetime
) -> Wait | None:
    """One repayment reminder per person per Bogotá day, ``max_per_week_per_kind`` per ISO week.
    Counted over every conversation of the person, sent or on its way."""
    today = await proactive.sent_to_contact_since(
        session, contact_id=contact.id, purpose=REMINDER_PURPOSE, since=hours.day_start(now)
    )
    if today >= hours.max_per_day_per_kind:
        return Wait(next_day_opening(hours, now), "one reminder a day")
    week_start = hours.week_start(now)
    this_week = await proactive.sent_to_contact_since(
        session, contact_id=contact.id, purpose=REMINDER_PURPOSE, since=week_start
    )
    if this_week >= hours.max_per_week_per_kind:
        return Wait(hours.next_open(week_start + timedelta(days=7)), "weekly limit")
    return None


def next_day_opening(hours: ContactHours, now: datetime) -> datetime:
    return hours.next_open(hours.day_start(now) + timedelta(days=1))
