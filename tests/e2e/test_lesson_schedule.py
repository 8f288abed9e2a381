"""Scheduled lessons end to end (issue 13) with the real stack: the person writes and accepts the
consent through the webhook; the enrolment of someone who took lesson 1 and chose "daily at 09:00" is
written in the database; the stack's real worker (its cron job each minute) sends the next lessons to
the fake Twilio API, or the "su lección está lista" template outside the WhatsApp window.

The worker judges the contact hours on the real clock, so the test restarts it with
CONTACT_HOURS_OFFSET_S (dev/test only) that makes "now" a Tuesday–Thursday at 10:00 in Bogotá whatever
the hour the suite runs, and restores it afterwards. A day passing is the rows' times moved one day
back, never a sleep. The learner answers through the webhook, and the gateway's turn
(bot/lessons/turn.py) settles the quiz and plans the next moment: a wrong answer (the retry), then
the right one; on WhatsApp the template's "Sí, envíela" brings the lesson.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from bot.contact_hours import ContactHours
from bot.db.lesson_models import LessonEnrolment, LessonResult
from bot.db.models import Contact, Conversation, utcnow
from bot.gsm7 import fold_to_gsm7
from bot.lessons.content import load_courses
from bot.lessons.delivery import lesson_replies
from bot.lessons.words import load_lesson_words
from bot.rendering import render_turn
from tests.e2e.conftest import ROOT, Stack, new_phone
from tests.e2e.repayments import HOURS, consented, read
from tests.lessons_answers import right_index, right_number, wrong_number
from webhooks.dev.simulator import DEFAULT_PROFILE

pytestmark = pytest.mark.e2e
CONSENT_TURNS = 3
COURSE = load_courses(ROOT / "data").course("cuentas_claras")
WORDS = load_lesson_words(ROOT / "data" / "lesson_words.yml")
READY_SID = "HX6f708192a3b4c5d6e7f8091a2b3c4d5e"  # leccion_lista, data/whatsapp_templates.yml
NINE = 9 * 60
WORKER_WAIT_S = 150  # the cron job runs each minute (second 45), then the outbox drains


def judged_offset() -> timedelta:
    """From now to the next Tuesday, Wednesday or Thursday at 10:00 (Bogotá) whose next day is open
    too (no holiday): the moment the worker judges "now" to be."""
    today = datetime.now(HOURS.zone).date()
    for days in range(1, 30):
        day = today + timedelta(days=days)
        if day.weekday() in (1, 2, 3) and HOURS.hours_on(day) and HOURS.hours_on(day + timedelta(days=1)):
            return datetime.combine(day, time(10), HOURS.zone) - utcnow()
    raise AssertionError("no open weekday in the next 30 days")


@pytest.fixture
def shifted(live: Stack) -> Iterator[ContactHours]:
    """The stack's worker judging now as a weekday at 10:00; the contact hours as it judges them."""
    offset = judged_offset()
    live.env["CONTACT_HOURS_OFFSET_S"] = str(offset.total_seconds())
    live.restart_worker()
    try:
        yield HOURS.shifted(offset)
    finally:
        live.env.pop("CONTACT_HOURS_OFFSET_S", None)
        live.restart_worker()


async def enrol(live: Stack, phone: str, *, due: datetime) -> int:
    """The learner took lesson 1 (asked for, answered right) and chose a lesson a day at 09:00."""

    async def work(session: Any) -> int:
        contact = await session.scalar(select(Contact).where(Contact.phone_e164 == phone))
        conversation = await session.scalar(select(Conversation).where(Conversation.contact_id == contact.id))
        earlier = utcnow() - timedelta(days=1)
        enrolment = LessonEnrolment(
            contact_id=contact.id, conversation_id=conversation.id, course_id=COURSE.id, status="active",
            rhythm="daily", send_minute=NINE, next_lesson=1, current_lesson=COURSE.lessons[0].id,
            awaiting="none", next_due_at=due, last_sent_at=earlier, last_answer_at=earlier, enrolled_at=earlier,
        )  # fmt: skip
        session.add(enrolment)
        await session.flush()
        session.add(
            LessonResult(
                enrolment_id=enrolment.id, lesson_id=COURSE.lessons[0].id, scheduled=False, sent_at=earlier,
                answered_at=earlier, first_choice=right_index(COURSE.lessons[0].id), right_on_try=1, tries=1,
            )
        )  # fmt: skip
        await session.commit()
        return int(enrolment.id)

    enrolment_id: int = await read(live, work)
    return enrolment_id


async def state(live: Stack, enrolment_id: int) -> tuple[LessonEnrolment, list[LessonResult]]:
    async def work(session: Any) -> tuple[LessonEnrolment, list[LessonResult]]:
        enrolment = await session.get(LessonEnrolment, enrolment_id)
        results = await session.scalars(
            select(LessonResult).where(LessonResult.enrolment_id == enrolment_id).order_by(LessonResult.id)
        )
        return enrolment, list(results.all())

    found: tuple[LessonEnrolment, list[LessonResult]] = await read(live, work)
    return found


async def let_a_day_pass(live: Stack, enrolment_id: int) -> datetime:
    """A day passes: every time of the enrolment and of its current lesson one day earlier. Returns the
    moment the gateway's turn planned for the next lesson (before the move)."""
    day = timedelta(days=1)

    async def work(session: Any) -> datetime:
        enrolment = await session.get(LessonEnrolment, enrolment_id)
        result = await session.scalar(
            select(LessonResult).where(
                LessonResult.enrolment_id == enrolment_id, LessonResult.lesson_id == enrolment.current_lesson
            )
        )
        planned: datetime = enrolment.next_due_at
        result.answered_at, result.sent_at = result.answered_at - day, result.sent_at - day
        enrolment.last_answer_at, enrolment.last_sent_at = (
            enrolment.last_answer_at - day,
            enrolment.last_sent_at - day,
        )
        enrolment.next_due_at = planned - day
        await session.commit()
        return planned

    planned: datetime = await read(live, work)
    return planned


async def answer(live: Stack, phone: str, text: str, seen: int, channel: str = "sms", **extra: str) -> str:
    """The person's message through the webhook; the gateway's reply (``seen`` messages before it)."""
    assert (await live.send(phone, text, channel=channel, **extra)).status_code == 200
    sent = await live.wait_outbound(phone, seen + 1, channel=channel)
    return "\n".join(str(message["body"]) for message in sent[seen:])


def sms_parts(lesson_index: int) -> list[str]:
    """Lesson ``lesson_index`` of the course as the person reads it by SMS (folded, within budget)."""
    rendered = render_turn(lesson_replies(COURSE.lessons[lesson_index]), "sms", sms_segment_budget=2)
    return [part.body for part in rendered.parts]


async def test_two_scheduled_lessons_by_sms_at_the_chosen_moment(live: Stack, shifted: ContactHours) -> None:
    phone = new_phone()
    await consented(live, phone, "sms")
    enrolment_id = await enrol(live, phone, due=utcnow() - timedelta(minutes=1))

    second = sms_parts(1)
    sent = await live.wait_outbound(phone, CONSENT_TURNS + len(second), timeout_s=WORKER_WAIT_S)
    assert [message["body"] for message in sent[CONSENT_TURNS:]] == second
    assert second[-1].endswith("Responda 1, 2 o 3.") or second[-1].endswith("Responda 1 o 2.")
    assert all(message["validity_period_s"] for message in sent[CONSENT_TURNS:])  # proactive
    enrolment, results = await state(live, enrolment_id)
    assert (enrolment.awaiting, enrolment.current_lesson, enrolment.next_lesson, enrolment.next_due_at) == (
        "quiz", COURSE.lessons[1].id, 2, None,
    )  # fmt: skip
    assert [(r.lesson_id, r.scheduled) for r in results] == [
        (COURSE.lessons[0].id, False),
        (COURSE.lessons[1].id, True),
    ]

    lesson_id, quiz, seen = COURSE.lessons[1].id, COURSE.lessons[1].quiz, CONSENT_TURNS + len(second)
    wrong = str(wrong_number(lesson_id))  # a wrong answer: the retry, never the answer
    said = await answer(live, phone, wrong, seen)
    assert said.startswith(fold_to_gsm7(WORDS.retry)) and fold_to_gsm7(quiz.feedback_wrong) not in said
    seen = len(await live.outbound(phone))
    said = await answer(live, phone, str(right_number(lesson_id)), seen)  # right: feedback, the next moment
    assert said.startswith(fold_to_gsm7(quiz.feedback_right)) and "SIGUIENTE" in said  # when the next comes
    seen = len(await live.outbound(phone))
    planned = await let_a_day_pass(live, enrolment_id)
    assert shifted.is_open(planned) and planned > utcnow() + timedelta(hours=12)  # tomorrow's moment

    third = sms_parts(2)
    sent = await live.wait_outbound(phone, seen + len(third), timeout_s=WORKER_WAIT_S)
    assert [message["body"] for message in sent[seen:]] == third
    enrolment, results = await state(live, enrolment_id)
    assert (enrolment.current_lesson, enrolment.next_lesson) == (COURSE.lessons[2].id, 3)
    assert [r.scheduled for r in results] == [False, True, True]


async def test_whatsapp_outside_the_window_gets_the_template(live: Stack, shifted: ContactHours) -> None:
    phone = new_phone()
    await consented(live, phone, "whatsapp")

    async def close_the_window(session: Any) -> None:
        written = utcnow() - timedelta(days=2)
        await session.execute(
            update(Contact)
            .where(Contact.phone_e164 == phone)
            .values(last_inbound_at=written, last_whatsapp_inbound_at=written)
        )
        await session.commit()

    await read(live, close_the_window)
    enrolment_id = await enrol(live, phone, due=utcnow() - timedelta(minutes=1))

    sent = await live.wait_outbound(phone, CONSENT_TURNS + 1, channel="whatsapp", timeout_s=WORKER_WAIT_S)
    [template] = sent[CONSENT_TURNS:]
    first_name = DEFAULT_PROFILE.split()[0]
    assert template["content_sid"] == READY_SID
    assert json.loads(template["content_variables"]) == {"1": first_name, "2": COURSE.title}
    assert template["body"] == f"Hola {first_name}, su lección de {COURSE.title} está lista. ¿Se la enviamos?"
    assert template["content_buttons"] == [{"title": "Sí, envíela", "payload": "/lesson_ready"}]
    enrolment, results = await state(live, enrolment_id)
    assert (enrolment.awaiting, enrolment.next_lesson, enrolment.next_due_at) == ("ready", 1, None)
    assert len(results) == 1  # the lesson follows the answer
    seen = CONSENT_TURNS + 1
    said = await answer(live, phone, "Sí, envíela", seen, channel="whatsapp", ButtonPayload="/lesson_ready")
    assert COURSE.lessons[1].messages[0] in said
    await live.wait_outbound(phone, seen + 1, channel="whatsapp")
    enrolment, results = await state(live, enrolment_id)
    assert (enrolment.awaiting, enrolment.current_lesson) == ("quiz", COURSE.lessons[1].id)
    assert [r.scheduled for r in results] == [False, True]
