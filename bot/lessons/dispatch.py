"""Send the due daily lessons: each lesson at most once, only while the contact hours are open, without
Rasa (the gateway owns lessons), through the outbox.

The worker's cron job (:func:`enqueue_due`, each minute while the contact hours are open) enqueues one
arq job per enrolment whose lesson is due (status active, rhythm daily, awaiting none: the previous
quiz settled, ``next_due_at`` ≤ now), spread at the senders' send rate (bot/send_rate.py) as the
repayment reminders are; the job runs :func:`deliver`. For one enrolment:

1. re-check everything at send time (bot/lessons/dispatch_checks.py): opted out or no consent →
   skipped until tomorrow's moment; a consultant's conversation, a scheduled lesson already sent
   today → tomorrow's moment;
2. under the conversation's Redis lock (the one a turn holds: the person's own answer and the lesson
   never interleave), in ONE transaction: the conditional UPDATE due → awaiting (bot/db/
   lesson_schedule.py ``claim_due``: two workers, one lesson) and the outbox rows:
   - SMS, or WhatsApp inside the 24 h window: the lesson (``lesson_replies``) rendered for the channel,
     one proactive row (purpose "lesson") per part, in order, and ``mark_lesson_sent(scheduled=True)``;
   - WhatsApp outside the window: the business-initiated template ``leccion_lista`` ("su lección de
     … está lista. ¿Se la enviamos?", purpose "lesson_ready") and awaiting "ready": the lesson follows
     the person's answer (bot/lessons/turn.py);
3. remember the quiz's menu (a typed "2" answers it), and enqueue the conversation's drain: the outbox
   sends the rows through ``may_send`` (contact hours, window, opt-out) at the sender's rate.

A worker that dies between 2 and 3 leaves stored rows: the recovery sweep sends them.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime

from redis.asyncio.lock import Lock
from redis.exceptions import LockError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import lesson_schedule as queries
from bot.db import messages
from bot.handoff.window import window_state
from bot.lessons.content import Course, Lesson
from bot.lessons.delivery import lesson_replies, mark_lesson_sent
from bot.lessons.dispatch_checks import Skip, Wait, send_check
from bot.lessons.schedule_content import LessonScheduling, ready_message
from bot.logs import get_logger
from bot.menus import remember_menu
from bot.queue import conversation_lock_key, enqueue_drain, enqueue_scheduled_lesson, ring_doorbell
from bot.rasa_client import Button
from bot.rendering import render_turn
from bot.runtime import Runtime

log = get_logger(__name__)

LESSON_PURPOSE = "lesson"  # Message.purpose: proactive (contact hours, send rate, ValidityPeriod)
READY_PURPOSE = "lesson_ready"  # the "su lección está lista" template outside the WhatsApp window
BATCH = 2_000  # due lessons enqueued per cron run
BUSY_MARGIN_S = 0.5


class LessonBusy(Exception):
    """The conversation's lock is held (a turn is running): try again when it is released."""

    def __init__(self, retry_in_s: float) -> None:
        super().__init__(f"conversation busy for {retry_in_s:.1f} s")
        self.retry_in_s = retry_in_s


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one due lesson: sent (the lesson's rows are stored) | ready (the WhatsApp
    template instead) | moved | skipped (``until``: its next moment) | gone (not due any more, taken
    by another worker) | busy (inline runs only: the conversation's lock was held)."""

    enrolment_id: int
    result: str
    reason: str | None = None
    until: datetime | None = None
    lesson_id: str | None = None
    conversation_id: int | None = None
    channel: str | None = None


async def enqueue_due(runtime: Runtime) -> int:
    """The cron job: one arq job per due lesson, while the contact hours are open, the jobs' starts
    spread at the senders' total send rate (a lesson is several rows; the outbox paces them too)."""
    now = runtime.clock()
    if not runtime.contact_hours.is_open(now):
        return 0
    async with runtime.sessions() as session:
        due = await queries.due_enrolment_ids(session, now=now, limit=BATCH)
    pace_s = 1 / runtime.send_rate.total_per_s
    for index, enrolment_id in enumerate(due):
        await enqueue_scheduled_lesson(runtime.redis, enrolment_id=enrolment_id, defer_s=index * pace_s)
    if due:
        await ring_doorbell(runtime.redis)
        log.info("scheduled lessons enqueued", count=len(due))
    return len(due)


async def dispatch_due(
    runtime: Runtime, scheduling: LessonScheduling, *, drain: bool = True
) -> list[Outcome]:
    """Deliver every due lesson in this process, one after the other (tests, the demo); a held
    conversation is left for the next run."""
    now = runtime.clock()
    if not runtime.contact_hours.is_open(now):
        return []
    async with runtime.sessions() as session:
        due = await queries.due_enrolment_ids(session, now=now, limit=BATCH)
    outcomes = []
    for enrolment_id in due:
        try:
            outcomes.append(await deliver(runtime, scheduling, enrolment_id, drain=drain))
        except LessonBusy as exc:
            outcomes.append(Outcome(enrolment_id, "busy", str(exc)))
    return outcomes


async def deliver(
    runtime: Runtime, scheduling: LessonScheduling, enrolment_id: int, *, drain: bool = True
) -> Outcome:
    """Check, then store the lesson (or the template) and its state change: one enrolment."""
    now = runtime.clock()
    if not runtime.contact_hours.is_open(now):
        return Outcome(enrolment_id, "gone", "outside contact hours")  # the cron job enqueues it again
    async with runtime.sessions() as session, session.begin():
        row = await queries.enrolment_row(session, enrolment_id=enrolment_id)
        if row is None or not _is_due(row, now):
            return Outcome(enrolment_id, "gone")
        decision = await send_check(session, row, hours=runtime.contact_hours, now=now)
        if decision is not None:
            return await _record(session, row, decision, now)
        conversation_id = row.conversation.id
    key = conversation_lock_key(conversation_id)
    lock = Lock(runtime.redis, key, timeout=runtime.settings.turn_job_timeout_s, blocking=False)
    if not await lock.acquire():
        raise LessonBusy(max(await runtime.redis.pttl(key), 0) / 1000 + BUSY_MARGIN_S)
    try:
        outcome, menu = await _store_locked(runtime, scheduling, enrolment_id, now)
    finally:
        with contextlib.suppress(LockError):
            await lock.release()
    if outcome.result == "sent":
        await remember_menu(runtime.redis, conversation_id, menu)
    if outcome.result in ("sent", "ready") and drain:
        await enqueue_drain(runtime.redis, conversation_id=conversation_id, reason=f"lesson-{enrolment_id}")
    return outcome


async def _store_locked(
    runtime: Runtime, scheduling: LessonScheduling, enrolment_id: int, now: datetime
) -> tuple[Outcome, tuple[Button, ...]]:
    async with runtime.sessions() as session, session.begin():
        row = await queries.enrolment_row(session, enrolment_id=enrolment_id)
        if row is None or not _is_due(row, now):
            return Outcome(enrolment_id, "gone"), ()  # the person's turn or another worker moved it
        enrolment, conversation, contact = row.enrolment, row.conversation, row.contact
        found = _next_lesson(scheduling, row)
        if found is None:
            until = None
            await queries.move_due(
                session, enrolment_id=enrolment_id, expected=_due_at(row), until=until, now=now
            )
            log.warning("scheduled lesson not in the courses", enrolment_id=enrolment_id)
            return Outcome(enrolment_id, "skipped", "lesson not in the course files"), ()
        course, lesson = found
        channel = conversation.channel
        if not window_state(contact, channel, now).open:  # WhatsApp only: SMS has no window
            return await _store_ready(runtime, scheduling, session, row, course, now), ()
        claimed = await queries.claim_due(
            session,
            enrolment_id=enrolment_id,
            next_lesson=enrolment.next_lesson,
            awaiting=queries.QUIZ,
            now=now,
        )
        if not claimed:
            return Outcome(enrolment_id, "gone"), ()
        rendered = render_turn(
            lesson_replies(lesson),
            channel,
            sms_segment_budget=runtime.settings.sms_segment_budget,
            templates=runtime.templates,
        )
        rows = [
            await messages.add_proactive(
                session,
                conversation_id=conversation.id,
                channel=channel,
                body=part.body,
                purpose=LESSON_PURPOSE,
                content_sid=part.content_sid,
                content_variables=part.content_variables,
                created_at=now,
            )
            for part in rendered.parts
        ]
        await session.refresh(enrolment)
        mark_lesson_sent(session, enrolment, course, lesson, at=now, scheduled=True)
    log.info(
        "scheduled lesson queued",
        enrolment_id=enrolment_id,
        lesson=lesson.id,
        conversation_id=conversation.id,
        channel=channel,
        rows=len(rows),
    )
    outcome = Outcome(
        enrolment_id, "sent", lesson_id=lesson.id, conversation_id=conversation.id, channel=channel
    )
    return outcome, rendered.menu


async def _store_ready(
    runtime: Runtime,
    scheduling: LessonScheduling,
    session: AsyncSession,
    row: queries.EnrolmentRow,
    course: Course,
    now: datetime,
) -> Outcome:
    """Outside the WhatsApp window: the template asks; awaiting "ready" (the lesson follows the answer)."""
    enrolment, conversation = row.enrolment, row.conversation
    claimed = await queries.claim_due(
        session, enrolment_id=enrolment.id, next_lesson=enrolment.next_lesson, awaiting=queries.READY, now=now
    )
    if not claimed:
        return Outcome(enrolment.id, "gone")
    message = ready_message(
        scheduling.schedule,
        runtime.templates,
        course_title=course.title,
        profile_name=row.contact.profile_name,
    )
    stored = await messages.add_proactive(
        session,
        conversation_id=conversation.id,
        channel=conversation.channel,
        body=message.body,
        purpose=READY_PURPOSE,
        content_sid=message.content_sid,
        content_variables=message.content_variables,
        created_at=now,
    )
    await session.refresh(enrolment)
    enrolment.last_sent_at = now  # the nudge counts its days from the question
    enrolment.nudged_at = None
    log.info("lesson ready template queued", enrolment_id=enrolment.id, outbound_id=stored.id)
    return Outcome(enrolment.id, "ready", conversation_id=conversation.id, channel=conversation.channel)


def _is_due(row: queries.EnrolmentRow, now: datetime) -> bool:
    enrolment = row.enrolment
    return (
        enrolment.status == queries.ACTIVE
        and enrolment.rhythm == queries.DAILY
        and enrolment.awaiting == queries.NONE
        and enrolment.next_due_at is not None
        and enrolment.next_due_at <= now
    )


def _due_at(row: queries.EnrolmentRow) -> datetime:
    assert row.enrolment.next_due_at is not None  # checked by _is_due
    return row.enrolment.next_due_at


def _next_lesson(scheduling: LessonScheduling, row: queries.EnrolmentRow) -> tuple[Course, Lesson] | None:
    """The course and the lesson at ``next_lesson``; None when the files no longer have them."""
    enrolment = row.enrolment
    try:
        course = scheduling.courses.course(enrolment.course_id)
    except StopIteration:
        return None
    if not 0 <= enrolment.next_lesson < len(course.lessons):
        return None
    return course, course.lessons[enrolment.next_lesson]


async def _record(
    session: AsyncSession, row: queries.EnrolmentRow, decision: Skip | Wait, now: datetime
) -> Outcome:
    enrolment_id = row.enrolment.id
    moved = await queries.move_due(
        session, enrolment_id=enrolment_id, expected=_due_at(row), until=decision.until, now=now
    )
    if not moved:
        return Outcome(enrolment_id, "gone")
    result = "skipped" if isinstance(decision, Skip) else "moved"
    log.info(
        "scheduled lesson " + result, enrolment_id=enrolment_id, reason=decision.reason, until=decision.until
    )
    return Outcome(enrolment_id, result, decision.reason, until=decision.until)
