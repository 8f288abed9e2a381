"""The one question an offer asks the learners' tables: does this person already take (or did they
finish) this course? Then the course is not offered again (bot/lessons/offers.py)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.lesson_models import LessonEnrolment

NOT_OFFERED_AGAIN = ("active", "finished")


async def has_course(session: AsyncSession, *, contact_id: int, course_id: str) -> bool:
    """True when the person's enrolment in the course is active or finished (paused or left: the
    course may be offered again)."""
    status = await session.scalar(
        select(LessonEnrolment.status).where(
            LessonEnrolment.contact_id == contact_id, LessonEnrolment.course_id == course_id
        )
    )
    return status in NOT_OFFERED_AGAIN
