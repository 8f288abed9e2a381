"""The scheduler's queries over lesson_enrolments / lesson_results (bot/lessons/dispatch.py, nudge.py).

Each state change the scheduler makes is a conditional UPDATE that names the state it expects: when
two workers (or a worker and the person's own turn) reach the same enrolment at once, one UPDATE
matches and the other changes nothing, so a lesson, a template or a nudge goes at most once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.lesson_models import LessonEnrolment, LessonResult
from bot.db.models import Contact, Conversation

ACTIVE = "active"
DAILY = "daily"
NONE = "none"
QUIZ = "quiz"
READY = "ready"
NO_ANSWER = "no_answer"


@dataclass(frozen=True, slots=True)
class EnrolmentRow:
    enrolment: LessonEnrolment
    conversation: Conversation
    contact: Contact


def _due(now: datetime) -> ColumnElement[bool]:
    """Sent by the scheduler now: active, daily, the previous quiz settled, its moment come."""
    return and_(
        LessonEnrolment.status == ACTIVE,
        LessonEnrolment.rhythm == DAILY,
        LessonEnrolment.awaiting == NONE,
        LessonEnrolment.next_due_at.is_not(None),
        LessonEnrolment.next_due_at <= now,
    )


async def due_enrolment_ids(session: AsyncSession, *, now: datetime, limit: int) -> list[int]:
    """Enrolments whose next daily lesson is due, the longest waiting first."""
    rows = await session.scalars(
        select(LessonEnrolment.id)
        .where(_due(now))
        .order_by(LessonEnrolment.next_due_at, LessonEnrolment.id)
        .limit(limit)
    )
    return list(rows.all())


async def enrolment_row(session: AsyncSession, *, enrolment_id: int) -> EnrolmentRow | None:
    """The enrolment with the conversation its lessons go to and the person."""
    row = (
        await session.execute(
            select(LessonEnrolment, Conversation, Contact)
            .join(Conversation, Conversation.id == LessonEnrolment.conversation_id)
            .join(Contact, Contact.id == LessonEnrolment.contact_id)
            .where(LessonEnrolment.id == enrolment_id)
            .execution_options(populate_existing=True)
        )
    ).one_or_none()
    return None if row is None else EnrolmentRow(*row)


async def claim_due(
    session: AsyncSession, *, enrolment_id: int, next_lesson: int, awaiting: str, now: datetime
) -> bool:
    """due → ``awaiting`` (quiz: the lesson goes; ready: the WhatsApp template goes), only if the
    enrolment is still due for the same lesson. False: another worker or the person's turn moved it."""
    result = await session.execute(
        update(LessonEnrolment)
        .where(LessonEnrolment.id == enrolment_id, LessonEnrolment.next_lesson == next_lesson, _due(now))
        .values(awaiting=awaiting, next_due_at=None, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


async def move_due(
    session: AsyncSession, *, enrolment_id: int, expected: datetime, until: datetime | None, now: datetime
) -> bool:
    """A due lesson waits until ``until`` (a consultant's conversation, one already went today…);
    ``None``: the scheduler stops (its lesson is no longer in the course files)."""
    result = await session.execute(
        update(LessonEnrolment)
        .where(LessonEnrolment.id == enrolment_id, LessonEnrolment.next_due_at == expected, _due(now))
        .values(next_due_at=until, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


async def scheduled_lessons_since(session: AsyncSession, *, contact_id: int, since: datetime) -> int:
    """Scheduled lessons sent to the person (any course) since ``since``: one a local day at most."""
    count = await session.scalar(
        select(func.count(LessonResult.id))
        .join(LessonEnrolment, LessonEnrolment.id == LessonResult.enrolment_id)
        .where(
            LessonEnrolment.contact_id == contact_id,
            LessonResult.scheduled.is_(True),
            LessonResult.sent_at >= since,
        )
    )
    return int(count or 0)


def _unanswered(sent_before: datetime) -> ColumnElement[bool]:
    """Waiting for an answer to a scheduled lesson (or to the "lista" template) since ``sent_before``
    or earlier, and never nudged for it."""
    scheduled_lesson = exists().where(
        LessonResult.enrolment_id == LessonEnrolment.id,
        LessonResult.lesson_id == LessonEnrolment.current_lesson,
        LessonResult.scheduled.is_(True),
        LessonResult.answered_at.is_(None),
    )
    return and_(
        LessonEnrolment.status == ACTIVE,
        LessonEnrolment.rhythm == DAILY,
        LessonEnrolment.nudged_at.is_(None),
        LessonEnrolment.last_sent_at.is_not(None),
        LessonEnrolment.last_sent_at <= sent_before,
        or_(
            LessonEnrolment.awaiting == READY,
            and_(LessonEnrolment.awaiting == QUIZ, scheduled_lesson),
        ),
    )


async def unanswered_enrolment_ids(session: AsyncSession, *, sent_before: datetime, limit: int) -> list[int]:
    rows = await session.scalars(
        select(LessonEnrolment.id)
        .where(_unanswered(sent_before))
        .order_by(LessonEnrolment.last_sent_at, LessonEnrolment.id)
        .limit(limit)
    )
    return list(rows.all())


async def pause_unanswered(
    session: AsyncSession, *, enrolment_id: int, awaiting: str, sent_before: datetime, now: datetime
) -> bool:
    """Still unanswered → paused (no_answer), nudged now. ``awaiting`` stays: an answer to the quiz
    while paused resumes the course (bot/lessons/turn.py). False: answered or nudged meanwhile."""
    result = await session.execute(
        update(LessonEnrolment)
        .where(
            LessonEnrolment.id == enrolment_id,
            LessonEnrolment.awaiting == awaiting,
            _unanswered(sent_before),
        )
        .values(status="paused", pause_reason=NO_ANSWER, nudged_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))
