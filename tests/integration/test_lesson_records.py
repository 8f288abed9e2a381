"""The learners' rows on SQLite and PostgreSQL: a completion code found however it is typed (only a
finished course's), "¿qué datos tienen de mí?" lists the courses, and erasure leaves no lesson row of
the person (another person's stay)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from bot.db import conversations
from bot.db.lesson_models import LessonEnrolment, LessonResult
from bot.db.lesson_records import code_key, enrolments_of_contact, finished_by_code
from bot.db.models import utcnow
from bot.my_data.gather import held_data
from bot.my_data.listing import whatsapp_listing
from bot.privacy import erase_personal_data
from bot.runtime import Runtime

CODE = "CL-7K3M9P"


async def learner(
    runtime: Runtime, phone: str, *, course_id: str = "cuentas_claras", code: str | None = CODE
) -> int:
    """A person who finished ``course_id`` (5 lessons: 3 right first time, 1 on the retry, 1 not) and
    is halfway through costos_y_precios; the contact's id."""
    now = utcnow()
    async with runtime.sessions() as session, session.begin():
        contact_id = await conversations.upsert_contact(
            session, phone_e164=phone, seen_at=now, channel="sms", profile_name="Dora"
        )
        conversation_id = await conversations.upsert_conversation(
            session, contact_id=contact_id, channel="sms", seen_at=now
        )
        finished = LessonEnrolment(contact_id=contact_id, conversation_id=conversation_id, course_id=course_id,
                                   status="finished", completion_code=code, next_lesson=5,
                                   enrolled_at=now - timedelta(days=9), finished_at=now - timedelta(days=1))  # fmt: skip
        going = LessonEnrolment(contact_id=contact_id, conversation_id=conversation_id,
                                course_id="costos_y_precios", status="active", next_lesson=2,
                                enrolled_at=now)  # fmt: skip
        session.add_all([finished, going])
        await session.flush()
        course = runtime.lessons.courses.course(course_id)
        for n, (lesson, (right, tries)) in enumerate(
            zip(course.lessons, [(1, 1), (1, 1), (2, 2), (None, 2), (1, 1)], strict=True)
        ):
            session.add(LessonResult(enrolment_id=finished.id, lesson_id=lesson.id, right_on_try=right,
                                     tries=tries, sent_at=now - timedelta(days=9 - n)))  # fmt: skip
        first = runtime.lessons.courses.course("costos_y_precios").lessons
        session.add(LessonResult(enrolment_id=going.id, lesson_id=first[0].id, right_on_try=1, tries=1))
        session.add(LessonResult(enrolment_id=going.id, lesson_id=first[1].id, tries=0))  # not answered yet
    return contact_id


async def test_a_completion_code_is_found_however_it_is_typed(runtime: Runtime) -> None:
    contact_id = await learner(runtime, "+573001110000")
    await learner(runtime, "+573002220000", code=None)  # finished without a code: never matched
    async with runtime.sessions() as session:
        for typed in ("CL-7K3M9P", "cl-7k3m9p", " cl 7k3m 9p ", "CL7K3M9P", "cl--7k3m9p"):
            found = await finished_by_code(session, code=typed)
            assert found is not None, typed
            record, contact = found
            assert (contact.id, record.enrolment.course_id) == (contact_id, "cuentas_claras")
            assert [r.right_on_try for r in record.results] == [1, 1, 2, None, 1]  # in the order sent
        for unknown in ("CL-7K3M9Q", "", "---", "CL-7K3M9P" + "X" * 40):
            assert await finished_by_code(session, code=unknown) is None, unknown
    assert code_key("cl-7k3m 9p") == "CL7K3M9P"


async def test_an_unfinished_course_code_is_not_found(runtime: Runtime) -> None:
    contact_id = await learner(runtime, "+573001110000")
    async with runtime.sessions() as session, session.begin():
        enrolment = await session.scalar(
            select(LessonEnrolment).where(LessonEnrolment.completion_code == CODE)
        )
        assert enrolment is not None
        enrolment.status = "active"
    async with runtime.sessions() as session:
        assert await finished_by_code(session, code=CODE) is None
        assert len(await enrolments_of_contact(session, contact_id=contact_id)) == 2


async def test_my_data_lists_the_courses(runtime: Runtime) -> None:
    contact_id = await learner(runtime, "+573001110000")
    async with runtime.sessions() as session:
        held = await held_data(
            session, contact_id=contact_id, rasa_answers=[], courses=runtime.lessons.courses
        )
    assert held is not None
    text = whatsapp_listing(held, runtime.consent.my_data, runtime.prequal, contact=runtime.consent.contact)
    assert (
        "Cursos: curso Costos y precios (en curso, 1 de 5 lecciones); "
        "curso Cuentas claras (terminado, 5 de 5 lecciones)" in text
    )


async def test_erasure_leaves_no_lesson_row_of_the_person(runtime: Runtime, tmp_path: Path) -> None:
    contact_id = await learner(runtime, "+573001110000")
    other = await learner(runtime, "+573002220000", code="CL-OTRA22")
    async with runtime.sessions() as session, session.begin():
        await erase_personal_data(session, contact_id=contact_id, media_dir=tmp_path)
    async with runtime.sessions() as session:
        assert await enrolments_of_contact(session, contact_id=contact_id) == []
        results = await session.scalar(select(func.count()).select_from(LessonResult))
        assert await finished_by_code(session, code=CODE) is None  # the code no longer verifies
        kept = await enrolments_of_contact(session, contact_id=other)
        held = await held_data(
            session, contact_id=contact_id, rasa_answers=[], courses=runtime.lessons.courses
        )
    assert results == 7 and len(kept) == 2  # the other person's 5 + 2 results and enrolments stay
    assert held is not None and held.courses == ()
