"""The console's micro-lessons: the "Cursos" panel of a conversation (each enrolment of the person:
course, status, lesson reached, quiz results, dates, completion code) and what "Verificar código"
shows for a completion code (the course, the learner's masked number and profile name, when they
finished, each quiz's result). Course titles come from the runtime's courses (data/lessons/)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.lesson_models import LessonResult
from bot.db.lesson_records import EnrolmentRecord, enrolments_of_contact, finished_by_code
from bot.db.models import Contact
from bot.lessons.content import Courses
from webhooks.console.wording import LESSON_RESULT_WORDS, LESSON_STATUS_WORDS, PAUSE_WORDS

SHOWN_DIGITS = 4  # of the learner's phone number


@dataclass(frozen=True, slots=True)
class QuizTally:
    first_try: int
    second_try: int
    missed: int  # wrong twice
    waiting: int  # sent, not settled yet


@dataclass(frozen=True, slots=True)
class CourseRow:
    course_id: str
    title: str
    status: str
    status_words: str
    reached: int  # lessons sent so far
    total: int
    quiz: QuizTally
    enrolled_at: datetime
    last_sent_at: datetime | None
    finished_at: datetime | None
    completion_code: str | None


@dataclass(frozen=True, slots=True)
class LessonLine:
    title: str
    result: str  # first_try | second_try | missed | waiting
    result_words: str


@dataclass(frozen=True, slots=True)
class Verified:
    course: CourseRow
    phone: str  # "terminado en 4567": never the whole number
    profile_name: str | None
    lessons: list[LessonLine]


def result_kind(result: LessonResult) -> str:
    if result.right_on_try == 1:
        return "first_try"
    if result.right_on_try is not None:
        return "second_try"
    return "missed" if result.tries >= 2 else "waiting"


def course_row(record: EnrolmentRecord, courses: Courses) -> CourseRow:
    enrolment = record.enrolment
    known = {course.id: course for course in courses}
    course = known.get(enrolment.course_id)
    kinds = [result_kind(result) for result in record.results]
    words = LESSON_STATUS_WORDS.get(enrolment.status, enrolment.status)
    if enrolment.status == "paused" and enrolment.pause_reason in PAUSE_WORDS:
        words = f"{words} ({PAUSE_WORDS[enrolment.pause_reason]})"
    return CourseRow(
        course_id=enrolment.course_id,
        title=course.title if course else enrolment.course_id,
        status=enrolment.status,
        status_words=words,
        reached=len(record.results),
        total=len(course.lessons) if course else len(record.results),
        quiz=QuizTally(*(kinds.count(kind) for kind in ("first_try", "second_try", "missed", "waiting"))),
        enrolled_at=enrolment.enrolled_at,
        last_sent_at=enrolment.last_sent_at,
        finished_at=enrolment.finished_at,
        completion_code=enrolment.completion_code,
    )


async def lessons_panel(session: AsyncSession, *, contact_id: int, courses: Courses) -> list[CourseRow]:
    """The person's courses, newest first; empty when they never enrolled."""
    return [
        course_row(record, courses) for record in await enrolments_of_contact(session, contact_id=contact_id)
    ]


def masked_phone(contact: Contact) -> str:
    return f"terminado en {contact.phone_e164[-SHOWN_DIGITS:]}"


async def verify_code(session: AsyncSession, *, code: str, courses: Courses) -> Verified | None:
    """The finished course a completion code belongs to, or ``None`` (unknown, or not finished)."""
    found = await finished_by_code(session, code=code)
    if found is None:
        return None
    record, contact = found
    titles = {lesson.id: lesson.title for course in courses for lesson in course.lessons}
    lessons = [
        LessonLine(
            title=titles.get(result.lesson_id, result.lesson_id),
            result=result_kind(result),
            result_words=LESSON_RESULT_WORDS[result_kind(result)],
        )
        for result in record.results
    ]
    return Verified(
        course=course_row(record, courses),
        phone=masked_phone(contact),
        profile_name=contact.profile_name,
        lessons=lessons,
    )
