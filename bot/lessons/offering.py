"""The gateway's side of the course offers (data/lesson_offers.yml, bot/lessons/offers.py): the offer
to append to a turn's replies, inside the caller's transaction, or nothing.

A course is offered only when the moment maps to one, and never to someone already taking or having
finished it (bot/db/lesson_offers.py). After "no puedo pagar", only to a borrower who was sent a
repayment reminder in the last ``reminded_within_days`` days: the issue's "after a reminder".
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import payments
from bot.db.lesson_offers import has_course
from bot.db.models import Contact
from bot.lessons.offers import deciding_rule
from bot.logs import get_logger
from bot.rasa_client import BotReply
from bot.runtime import Runtime

log = get_logger(__name__)


async def offer_after_prequal(
    runtime: Runtime, session: AsyncSession, *, contact_id: int, evaluation: Mapping[str, Any]
) -> list[BotReply]:
    """The course the deciding rule of a "not yet" suggests; nothing for a pre-qualified result."""
    rule_id = deciding_rule(evaluation)
    course_id = runtime.lesson_offers.course_after_prequal(rule_id)
    return await _offer(
        runtime, session, contact_id=contact_id, course_id=course_id, moment=f"prequal:{rule_id}"
    )


async def offer_after_cannot_pay(
    runtime: Runtime, session: AsyncSession, *, contact: Contact, now: datetime
) -> list[BotReply]:
    """The course for a borrower who says they cannot pay after a recent reminder."""
    rule = runtime.lesson_offers.after_cannot_pay
    if rule is None:
        return []
    since = now - timedelta(days=rule.reminded_within_days)
    if not await payments.reminded_since(session, phone_e164=contact.phone_e164, since=since):
        return []
    return await _offer(runtime, session, contact_id=contact.id, course_id=rule.course, moment="cannot_pay")


async def _offer(
    runtime: Runtime, session: AsyncSession, *, contact_id: int, course_id: str | None, moment: str
) -> list[BotReply]:
    if course_id is None or await has_course(session, contact_id=contact_id, course_id=course_id):
        return []
    log.info("course offered", contact_id=contact_id, course_id=course_id, moment=moment)
    return runtime.lesson_offers.replies(course_id)
