"""Learners' enrolments and quiz results (bot/db/lesson_models.py): the queries, keyword-only, each
taking the caller's session (the caller owns the transaction).

Invariant kept here: a contact has at most one ``active`` enrolment. ``enrol`` pauses the other
active one (``pause_reason`` "switched") before it activates the chosen course.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.lesson_models import LessonEnrolment, LessonResult

# No 0/O, 1/I/L, 5/S, 2/Z, 8/B: a code read aloud or copied from a basic phone cannot be misread.
CODE_ALPHABET: Final = "34679ACDEFGHJKMNPQRTUVWXY"
CODE_LENGTH: Final = 6
CODE_PREFIX: Final = "CL-"


@dataclass(frozen=True, slots=True)
class Progress:
    """Quiz results of one enrolment: lessons sent, quizzes answered, answered right."""

    sent: int
    answered: int
    right: int


async def active_enrolment(session: AsyncSession, *, contact_id: int) -> LessonEnrolment | None:
    return await session.scalar(
        select(LessonEnrolment).where(
            LessonEnrolment.contact_id == contact_id, LessonEnrolment.status == "active"
        )
    )


async def latest_enrolment(session: AsyncSession, *, contact_id: int) -> LessonEnrolment | None:
    """The active enrolment, else the one touched last (paused, finished or left), else ``None``."""
    return await session.scalar(
        select(LessonEnrolment)
        .where(LessonEnrolment.contact_id == contact_id)
        .order_by(
            case((LessonEnrolment.status == "active", 0), else_=1),
            LessonEnrolment.updated_at.desc(),
            LessonEnrolment.id.desc(),
        )
        .limit(1)
    )


async def enrolment_for(session: AsyncSession, *, contact_id: int, course_id: str) -> LessonEnrolment | None:
    return await session.scalar(
        select(LessonEnrolment).where(
            LessonEnrolment.contact_id == contact_id, LessonEnrolment.course_id == course_id
        )
    )


async def enrol(
    session: AsyncSession, *, contact_id: int, conversation_id: int, course_id: str, at: datetime
) -> tuple[LessonEnrolment, bool]:
    """The contact's enrolment in the course, active: (enrolment, created). Another active course is
    paused ("switched"); a course left or paused before is re-activated where it was (its rhythm kept).
    A finished course is returned as it is (the caller says so)."""
    current = await active_enrolment(session, contact_id=contact_id)
    if current is not None and current.course_id != course_id:
        current.status, current.pause_reason, current.updated_at = "paused", "switched", at
        await session.flush()
    enrolment = await enrolment_for(session, contact_id=contact_id, course_id=course_id)
    if enrolment is None:
        enrolment = LessonEnrolment(
            contact_id=contact_id,
            conversation_id=conversation_id,
            course_id=course_id,
            status="active",
            enrolled_at=at,
            updated_at=at,
        )
        session.add(enrolment)
        await session.flush()
        return enrolment, True
    if enrolment.status != "finished":
        enrolment.status, enrolment.pause_reason = "active", None
    enrolment.conversation_id, enrolment.updated_at = conversation_id, at
    await session.flush()
    return enrolment, False


async def result_for(session: AsyncSession, *, enrolment_id: int, lesson_id: str) -> LessonResult | None:
    return await session.scalar(
        select(LessonResult).where(
            LessonResult.enrolment_id == enrolment_id, LessonResult.lesson_id == lesson_id
        )
    )


def record_answer(result: LessonResult, *, choice: int, right: bool, at: datetime) -> None:
    """One answer to the lesson's quiz (0-based ``choice``): the first choice is kept, tries counted,
    the try that was right remembered."""
    result.tries += 1
    if result.first_choice is None:
        result.first_choice = choice
    if right and result.right_on_try is None:
        result.right_on_try = result.tries
    result.answered_at = at


async def progress(session: AsyncSession, *, enrolment_id: int) -> Progress:
    """Lessons sent; quizzes settled (right, or wrong twice); right on the first or second try."""
    settled = (LessonResult.right_on_try.is_not(None)) | (LessonResult.tries >= 2)
    row = (
        await session.execute(
            select(
                func.count(),
                func.count().filter(settled),
                func.count().filter(LessonResult.right_on_try.is_not(None)),
            ).where(LessonResult.enrolment_id == enrolment_id)
        )
    ).one()
    return Progress(sent=int(row[0]), answered=int(row[1]), right=int(row[2]))


def random_code() -> str:
    return CODE_PREFIX + "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


async def new_completion_code(session: AsyncSession, *, tries: int = 10) -> str:
    """A completion code no enrolment has (25^6 ≈ 244 million codes: a collision is rare, retried)."""
    for _ in range(tries):
        code = random_code()
        if await find_by_code(session, code=code) is None:
            return code
    raise RuntimeError("no free completion code after several tries")


async def find_by_code(session: AsyncSession, *, code: str) -> LessonEnrolment | None:
    """The finished enrolment a completion code belongs to (the console verifies it); spaces, case and
    a missing "CL-" are forgiven."""
    cleaned = "".join(code.split()).upper()
    if not cleaned.startswith(CODE_PREFIX):
        cleaned = CODE_PREFIX + cleaned.removeprefix("CL")
    return await session.scalar(select(LessonEnrolment).where(LessonEnrolment.completion_code == cleaned))
