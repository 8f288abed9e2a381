"""No answer to a scheduled lesson for ``nudge_after_days`` (3, data/lesson_schedule.yml): ONE gentle
message, and the course pauses at that moment.

An enrolment qualifies when it is active, daily, never nudged for this lesson, and waits since its
``last_sent_at`` for the quiz of a lesson the scheduler sent (``LessonResult.scheduled``: a lesson the
person asked for with "siguiente" or at enrolment is theirs to answer when they like) or for the answer
to the "su lección está lista" template. In ONE transaction, under the conversation's lock (the
person's answer and the nudge never cross): the conditional UPDATE active → paused (pause_reason
no_answer, ``nudged_at`` now; ``awaiting`` stays, so an answer to the quiz resumes the course) and the
nudge's outbox row (purpose "lesson_nudge"). ``mark_lesson_sent`` clears ``nudged_at`` for the next
lesson; a paused course gets no scheduled lesson, so there is never a second nudge.

The pause always happens; the message only when it may go: not to a person who opted out, has no
accepted consent, or is talking with a consultant, and on WhatsApp only inside the 24 h window (no
template: a nudge is not worth a business-initiated conversation; the course just pauses, and says so
when the person comes back). Only while the contact hours are open, like every proactive message.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from redis.asyncio.lock import Lock
from redis.exceptions import LockError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import lesson_schedule as queries
from bot.db import messages
from bot.db.consents import has_accepted_consent
from bot.handoff.window import window_state
from bot.lessons.dispatch_checks import CONSULTANT
from bot.lessons.schedule_content import LessonScheduling
from bot.logs import get_logger
from bot.queue import conversation_lock_key, enqueue_drain
from bot.runtime import Runtime

log = get_logger(__name__)

NUDGE_PURPOSE = "lesson_nudge"
BATCH = 500


@dataclass(frozen=True, slots=True)
class NudgeOutcome:
    """``nudged`` (message stored, paused) | ``paused`` (paused without a message: ``reason``) |
    ``gone`` (answered or nudged meanwhile) | ``busy`` (the conversation's lock was held: next run)."""

    enrolment_id: int
    result: str
    reason: str | None = None


async def send_nudges(runtime: Runtime, scheduling: LessonScheduling) -> list[NudgeOutcome]:
    now = runtime.clock()
    if not runtime.contact_hours.is_open(now):
        return []
    sent_before = now - timedelta(days=scheduling.schedule.nudge_after_days)
    async with runtime.sessions() as session:
        ids = await queries.unanswered_enrolment_ids(session, sent_before=sent_before, limit=BATCH)
    return [
        await nudge_one(runtime, scheduling, enrolment_id, sent_before=sent_before, now=now)
        for enrolment_id in ids
    ]


async def nudge_one(
    runtime: Runtime, scheduling: LessonScheduling, enrolment_id: int, *, sent_before: datetime, now: datetime
) -> NudgeOutcome:
    async with runtime.sessions() as session:
        row = await queries.enrolment_row(session, enrolment_id=enrolment_id)
    if row is None:
        return NudgeOutcome(enrolment_id, "gone")
    conversation_id = row.conversation.id
    lock = Lock(
        runtime.redis,
        conversation_lock_key(conversation_id),
        timeout=runtime.settings.turn_job_timeout_s,
        blocking=False,
    )
    if not await lock.acquire():
        return NudgeOutcome(enrolment_id, "busy")
    try:
        outcome = await _pause_and_nudge(runtime, scheduling, enrolment_id, sent_before=sent_before, now=now)
    finally:
        with contextlib.suppress(LockError):
            await lock.release()
    if outcome.result == "nudged":
        await enqueue_drain(
            runtime.redis, conversation_id=conversation_id, reason=f"lesson-nudge-{enrolment_id}"
        )
    return outcome


async def _pause_and_nudge(
    runtime: Runtime, scheduling: LessonScheduling, enrolment_id: int, *, sent_before: datetime, now: datetime
) -> NudgeOutcome:
    async with runtime.sessions() as session, session.begin():
        row = await queries.enrolment_row(session, enrolment_id=enrolment_id)
        if row is None:
            return NudgeOutcome(enrolment_id, "gone")
        enrolment, conversation, contact = row.enrolment, row.conversation, row.contact
        paused = await queries.pause_unanswered(
            session, enrolment_id=enrolment_id, awaiting=enrolment.awaiting, sent_before=sent_before, now=now
        )
        if not paused:
            return NudgeOutcome(enrolment_id, "gone")
        silent = await _why_silent(session, row, now)
        if silent is not None:
            log.info("lesson course paused without a nudge", enrolment_id=enrolment_id, reason=silent)
            return NudgeOutcome(enrolment_id, "paused", silent)
        try:
            title = scheduling.courses.course(enrolment.course_id).title
        except StopIteration:
            title = enrolment.course_id.replace("_", " ")
        text = scheduling.schedule.nudge_text(
            awaiting=enrolment.awaiting, course_title=title, channel=conversation.channel
        )
        stored = await messages.add_proactive(
            session,
            conversation_id=conversation.id,
            channel=conversation.channel,
            body=text,
            purpose=NUDGE_PURPOSE,
            content_sid=None,
            content_variables=None,
            created_at=now,
        )
    log.info(
        "lesson nudge queued; course paused",
        enrolment_id=enrolment_id,
        outbound_id=stored.id,
        contact_id=contact.id,
    )
    return NudgeOutcome(enrolment_id, "nudged")


async def _why_silent(session: AsyncSession, row: queries.EnrolmentRow, now: datetime) -> str | None:
    """Why the nudge's message may not go (the course pauses anyway), or ``None``."""
    if row.contact.opted_out:
        return "opted out"
    if not await has_accepted_consent(session, contact_id=row.contact.id):
        return "no accepted consent"
    if row.conversation.owner == CONSULTANT:
        return "a consultant holds the conversation"
    if not window_state(row.contact, row.conversation.channel, now).open:
        return "WhatsApp window closed"
    return None
