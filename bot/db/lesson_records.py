"""What the console and the person's data rights read from (or erase in) the learners' tables:
a person's enrolments with their results, an enrolment by its completion code, and erasure.

A completion code is compared without case, spaces or dashes ("cl 7k3m9p" finds "CL-7K3M9P"), in SQL
on both databases, so the stored format can change without this module.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.lesson_models import LessonEnrolment, LessonResult
from bot.db.models import Contact

_NOT_CODE = re.compile(r"[^0-9A-Z]")
CODE_MAX = 32  # longer input is not a code


@dataclass(frozen=True, slots=True)
class EnrolmentRecord:
    enrolment: LessonEnrolment
    results: list[LessonResult]  # in the order the lessons were sent

    @property
    def settled(self) -> int:
        """Lessons whose quiz is settled: answered right, or wrong twice."""
        return sum(1 for result in self.results if result.right_on_try is not None or result.tries >= 2)


def code_key(text: str) -> str:
    """ "cl-7k3m 9p" → "CL7K3M9P": what two spellings of one code have in common."""
    return _NOT_CODE.sub("", text.upper())


async def enrolments_of_contact(session: AsyncSession, *, contact_id: int) -> list[EnrolmentRecord]:
    """The person's enrolments, newest first, each with its results."""
    enrolments = (
        await session.scalars(
            select(LessonEnrolment)
            .where(LessonEnrolment.contact_id == contact_id)
            .order_by(LessonEnrolment.enrolled_at.desc(), LessonEnrolment.id.desc())
        )
    ).all()
    return [await _with_results(session, enrolment) for enrolment in enrolments]


async def finished_by_code(session: AsyncSession, *, code: str) -> tuple[EnrolmentRecord, Contact] | None:
    """The finished enrolment whose completion code is ``code`` (spelt loosely), with its learner."""
    key = code_key(code)
    if not key or len(code) > CODE_MAX:
        return None
    stored = func.upper(func.replace(func.replace(LessonEnrolment.completion_code, "-", ""), " ", ""))
    row = (
        await session.execute(
            select(LessonEnrolment, Contact)
            .join(Contact, Contact.id == LessonEnrolment.contact_id)
            .where(stored == key, LessonEnrolment.status == "finished")
            .limit(1)
        )
    ).first()
    if row is None:
        return None
    enrolment, contact = row
    return await _with_results(session, enrolment), contact


async def delete_for_contact(session: AsyncSession, *, contact_id: int) -> int:
    """Erase the person's enrolments and their results; the number of enrolments erased."""
    enrolments = select(LessonEnrolment.id).where(LessonEnrolment.contact_id == contact_id)
    await session.execute(delete(LessonResult).where(LessonResult.enrolment_id.in_(enrolments)))
    result = await session.execute(delete(LessonEnrolment).where(LessonEnrolment.contact_id == contact_id))
    return int(getattr(result, "rowcount", 0) or 0)


async def _with_results(session: AsyncSession, enrolment: LessonEnrolment) -> EnrolmentRecord:
    results = (
        await session.scalars(
            select(LessonResult)
            .where(LessonResult.enrolment_id == enrolment.id)
            .order_by(LessonResult.sent_at, LessonResult.id)
        )
    ).all()
    return EnrolmentRecord(enrolment=enrolment, results=list(results))
