"""A course end to end on both channels (issue 13): the real model, action server, worker, web and
database. "quiero aprender" → the courses → "2" (Cuentas claras) → the lessons' authorisation → the first
lesson → a wrong answer by its letter (the retry, never the answer) → the right one in words → the rhythm
question → "en la tarde" → the confirmation; "siguiente" → lesson 2; "como voy" → progress; then
"siguiente" and right answers by number to the end: the completion code in the reply and in the
database. The answers' places come from data/lessons/ (tests/lessons_answers.py).
Scheduled delivery is the scheduler's e2e (bot/lessons/dispatch.py)."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.db.lesson_models import LessonEnrolment
from bot.db.models import Contact
from bot.gsm7 import fold_to_gsm7, sms_size
from bot.lessons.words import load_lessons
from bot.text import fold_accents
from tests.e2e.conftest import Stack, new_phone
from tests.e2e.test_payments_dialogue import run_sql
from tests.lessons_answers import right_number, right_title, wrong_letter

pytestmark = pytest.mark.e2e
LESSONS = load_lessons(Path(__file__).resolve().parents[2] / "data")
WORDS, COURSE = LESSONS.words, LESSONS.courses.course("cuentas_claras")


async def reply_to(live: Stack, phone: str, text: str, channel: str) -> list[str]:
    before = len(await live.outbound(phone, channel=channel))
    assert (await live.send(phone, text, channel=channel)).status_code == 200
    await live.wait_outbound(phone, before + 1, channel=channel)
    await asyncio.sleep(1.0)  # a lesson is several messages: let the last ones arrive
    return [str(m["body"]) for m in (await live.outbound(phone, channel=channel))[before:]]


def said_as(channel: str, text: str) -> str:
    return fold_to_gsm7(text) if channel == "sms" else text


@pytest.mark.parametrize("channel", ["sms", "whatsapp"])
async def test_a_course_from_quiero_aprender_to_the_completion_code(live: Stack, channel: str) -> None:
    phone = new_phone()

    async def say(text: str) -> str:
        parts = await reply_to(live, phone, text, channel)
        if channel == "sms":
            assert all(sms_size(part).encoding == "GSM-7" for part in parts), parts
        return "\n".join(parts)

    said = await say("quiero aprender")
    assert said_as(channel, WORDS.courses_intro) in said
    assert all(said_as(channel, course.title) in said for course in LESSONS.courses)

    said = await say("2")
    assert said_as(channel, "necesita su autorización") in said
    said = await say("acepto")
    first = COURSE.lessons[0]
    assert said_as(channel, "¡Le damos la bienvenida al curso Cuentas claras!") in said
    for text in [*first.messages, first.quiz.question]:
        assert said_as(channel, text) in said

    said = await say(wrong_letter(first.id))
    assert said_as(channel, WORDS.retry) in said and said_as(channel, first.quiz.question) in said
    assert said_as(channel, first.quiz.feedback_wrong) not in said
    said = await say(fold_accents(right_title(first.id)).lower())  # the right one, in words
    assert said_as(channel, first.quiz.feedback_right) in said
    assert said_as(channel, WORDS.rhythm_question) in said

    said = await say("en la tarde")
    assert said_as(channel, "Listo: una lección al día hacia las 2:00 p. m.") in said

    said = await say("siguiente")
    assert said_as(channel, COURSE.lessons[1].messages[0]) in said
    said = await say("como voy")
    assert said_as(channel, "Va en la lección 2 de 5 de Cuentas claras. Acertó 1 de 1 preguntas.") in said

    for position, lesson in enumerate(COURSE.lessons[1:], start=1):
        if position > 1:
            said = await say("siguiente")
            assert said_as(channel, lesson.quiz.question) in said
        said = await say(str(right_number(lesson.id)))
        assert said_as(channel, lesson.quiz.feedback_right) in said
    code = re.search(r"CL-[0-9A-Z]{6}", said)
    assert code is not None, said

    async def stored(session):  # type: ignore[no-untyped-def]
        return await session.scalar(
            select(LessonEnrolment.completion_code)
            .join(Contact, Contact.id == LessonEnrolment.contact_id)
            .where(Contact.phone_e164 == phone, LessonEnrolment.status == "finished")
        )

    assert await run_sql(live.database_url, stored) == code[0]
