"""Scheduled lessons through the real dispatcher, a real database (SQLite and PostgreSQL), Redis, the
outbox and the fake Twilio API on loopback, with a controlled clock. A due lesson goes once (also with
two dispatchers at once); nothing when it is not due, its quiz is unanswered, the hours are closed or
the person opted out; a closed WhatsApp window gets the template; three days without an answer get one
nudge and pause the course."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.db.lesson_models import LessonEnrolment, LessonResult
from bot.db.models import Conversation
from bot.gsm7 import fold_to_gsm7
from bot.lessons.dispatch import dispatch_due, enqueue_due
from bot.lessons.jobs import SCHEDULING, scheduled_lesson_job, scheduled_lessons_job
from bot.lessons.nudge import send_nudges
from bot.lessons.schedule_content import LessonScheduling, load_lesson_scheduling
from bot.menus import resolve_choice
from bot.runtime import build_runtime
from bot.worker import run_conversation_job
from tests.integration.reminders_setup import Live, borrower, live_app
from tests.lessons_answers import right_index
from tests.unit.test_contact_hours import bogota

COURSE = "cuentas_claras"
NINE = 9 * 60
DUE = bogota("2026-12-01 09:00")  # a Tuesday


@pytest.fixture
async def live(database_url: str, redis_db: int, tmp_path: Path) -> AsyncIterator[Live]:
    async with live_app(database_url, redis_db, tmp_path) as found:
        found.clock.now = DUE
        yield found


@pytest.fixture
def scheduling(live: Live) -> LessonScheduling:
    return load_lesson_scheduling(live.runtime.settings.data_dir, live.runtime.templates)


async def learner(
    live: Live,
    *,
    channel: str = "sms",
    due: datetime | None = DUE,
    awaiting: str = "none",
    last_inbound: datetime | None = None,
    opted_out: bool = False,
    owner: str = "bot",
    phone: str = "+573104567890",
) -> int:
    """A learner who enrolled on Monday, answered lesson 1 and chose "daily at 09:00": the
    enrolment's id. ``awaiting="quiz"``: lesson 2 went (scheduled) on ``due`` and is unanswered."""
    monday = bogota("2026-11-30 10:00")
    conversation_id = await borrower(
        live.runtime, channel=channel, last_inbound=last_inbound or monday, opted_out=opted_out, owner=owner,
        phone=phone,
    )  # fmt: skip
    async with live.runtime.sessions() as session, session.begin():
        conversation = await session.get(Conversation, conversation_id)
        assert conversation is not None
        enrolment = LessonEnrolment(
            contact_id=conversation.contact_id, conversation_id=conversation_id, course_id=COURSE,
            status="active", rhythm="daily", send_minute=NINE, next_lesson=1, current_lesson="separar_la_plata",
            awaiting="none", next_due_at=due, last_sent_at=monday, last_answer_at=monday, enrolled_at=monday,
        )  # fmt: skip
        session.add(enrolment)
        await session.flush()
        session.add(
            LessonResult(
                enrolment_id=enrolment.id, lesson_id="separar_la_plata", scheduled=False, sent_at=monday,
                answered_at=monday, first_choice=right_index("separar_la_plata"), right_on_try=1, tries=1,
            )
        )  # fmt: skip
        if awaiting == "quiz":
            enrolment.next_lesson, enrolment.current_lesson, enrolment.awaiting = (
                2,
                "su_propio_sueldo",
                "quiz",
            )
            enrolment.next_due_at, enrolment.last_sent_at = None, due
            session.add(
                LessonResult(
                    enrolment_id=enrolment.id, lesson_id="su_propio_sueldo", scheduled=True, sent_at=due
                )
            )
        return enrolment.id


def numbered_choices(count: int) -> str:
    """ "1, 2 o 3" as the numbered menu ends (bot/menus.py)."""
    numbers = [str(n) for n in range(1, count + 1)]
    return f"{', '.join(numbers[:-1])} o {numbers[-1]}"


async def enrolment(live: Live, enrolment_id: int) -> LessonEnrolment:
    async with live.runtime.sessions() as session:
        found = await session.get(LessonEnrolment, enrolment_id)
        assert found is not None
        return found


async def results(live: Live) -> list[LessonResult]:
    async with live.runtime.sessions() as session:
        return list((await session.scalars(select(LessonResult).order_by(LessonResult.id))).all())


async def drain(live: Live, scheduling: LessonScheduling) -> list[str]:
    """Run every queued job as the worker would (lesson jobs, conversation drains)."""
    runtime = live.runtime
    ctx = {**live.ctx, SCHEDULING: scheduling}
    ran = []
    for job in await runtime.redis.queued_jobs(queue_name=runtime.settings.queue_name):
        await runtime.redis.delete(f"arq:job:{job.job_id}")
        await runtime.redis.zrem(runtime.settings.queue_name, job.job_id or "")
        if job.function == "scheduled_lesson":
            await scheduled_lesson_job(ctx, *job.args)
        else:
            await run_conversation_job(ctx, *job.args)
        ran.append(str(job.function))
    return ran


async def test_a_due_lesson_goes_once_through_the_outbox(live: Live, scheduling: LessonScheduling) -> None:
    enrolment_id = await learner(live)
    [outcome] = await dispatch_due(live.runtime, scheduling)
    assert (outcome.result, outcome.lesson_id, outcome.channel) == ("sent", "su_propio_sueldo", "sms")
    await drain(live, scheduling)
    sent = await live.at_twilio()
    lesson = scheduling.courses.course(COURSE).lessons[1]
    text = " ".join(" ".join(message["body"] for message in sent).split())
    for piece in [*lesson.messages, lesson.quiz.question, *(option.title for option in lesson.quiz.options)]:
        assert " ".join(fold_to_gsm7(piece).split()) in text  # every message, folded, in order below
    assert text.endswith(f"Responda {numbered_choices(len(lesson.quiz.options))}.")
    assert text.index(" ".join(fold_to_gsm7(lesson.messages[-1]).split())) < text.index("1. ")
    assert all(message["num_segments"] in ("1", "2") for message in sent)  # the SMS budget
    assert all(message["validity_period_s"] for message in sent)  # proactive: dropped after the hours
    rows = await live.outbound()
    assert [row.purpose for row in rows] == ["lesson"] * len(sent) and len(sent) >= 2
    assert [row.twilio_sid for row in rows] == [message["sid"] for message in sent]  # in order
    state = await enrolment(live, enrolment_id)
    assert (state.awaiting, state.current_lesson, state.next_lesson, state.next_due_at) == (
        "quiz", "su_propio_sueldo", 2, None,
    )  # fmt: skip
    assert state.last_sent_at == DUE
    [_, second] = await results(live)
    assert (second.lesson_id, second.scheduled, second.sent_at) == ("su_propio_sueldo", True, DUE)
    assert await dispatch_due(live.runtime, scheduling) == []
    live.clock.now = DUE + timedelta(days=1)  # tomorrow: still waiting for the quiz, nothing goes
    assert await dispatch_due(live.runtime, scheduling) == []
    await drain(live, scheduling)
    assert len(await live.at_twilio()) == len(sent)


async def test_the_quiz_menu_is_remembered_so_a_typed_number_answers_it(
    live: Live, scheduling: LessonScheduling
) -> None:
    await learner(live)
    [outcome] = await dispatch_due(live.runtime, scheduling)
    assert outcome.conversation_id is not None
    choice = await resolve_choice(live.runtime.redis, outcome.conversation_id, "2")
    assert choice == '/lesson_answer{"lesson":"su_propio_sueldo","option":2}'


async def test_two_dispatchers_at_once_send_one_lesson(live: Live, scheduling: LessonScheduling) -> None:
    await learner(live)
    other = await build_runtime(live.runtime.settings)
    other.clock = lambda: live.clock.now
    try:
        first, second = await asyncio.gather(
            dispatch_due(live.runtime, scheduling, drain=False), dispatch_due(other, scheduling, drain=False)
        )
    finally:
        await other.close()
    outcomes = sorted(outcome.result for outcome in [*first, *second])
    assert outcomes.count("sent") == 1 and set(outcomes) <= {"sent", "gone", "busy"}
    assert [row.lesson_id for row in await results(live)] == ["separar_la_plata", "su_propio_sueldo"]
    rows = await live.outbound()
    assert rows and {row.purpose for row in rows} == {"lesson"}


async def test_the_cron_job_enqueues_one_job_and_the_worker_sends_it(
    live: Live, scheduling: LessonScheduling
) -> None:
    await learner(live)
    ctx = {**live.ctx, SCHEDULING: scheduling}
    assert await scheduled_lessons_job(ctx) == 1
    assert await enqueue_due(live.runtime) == 1  # the waiting job keeps its id: not twice
    ran = await drain(live, scheduling)
    assert ran[0] == "scheduled_lesson" and len([name for name in ran if name == "scheduled_lesson"]) == 1
    await drain(live, scheduling)  # the conversation's drain the job enqueued
    assert len(await live.at_twilio()) >= 2
    assert await enqueue_due(live.runtime) == 0


@pytest.mark.parametrize(
    ("label", "setup", "now"),
    [
        ("not due yet", {"due": DUE + timedelta(hours=1)}, DUE),
        ("no moment", {"due": None}, DUE),
        ("its quiz is unanswered", {"awaiting": "quiz"}, DUE + timedelta(days=1)),
        ("outside the contact hours (Tuesday 19:00)", {"due": DUE}, bogota("2026-12-01 19:00")),
        ("Sunday", {"due": DUE}, bogota("2026-12-06 10:00")),
    ],
)
async def test_nothing_goes(
    live: Live, scheduling: LessonScheduling, label: str, setup: dict[str, object], now: datetime
) -> None:
    enrolment_id = await learner(live, **setup)  # type: ignore[arg-type]
    before = await enrolment(live, enrolment_id)
    live.clock.now = now
    assert await enqueue_due(live.runtime) == 0, label
    assert await dispatch_due(live.runtime, scheduling) == [], label
    await drain(live, scheduling)
    assert await live.at_twilio() == [] and await live.outbound() == [], label
    after = await enrolment(live, enrolment_id)
    assert (after.awaiting, after.next_due_at, after.next_lesson) == (
        before.awaiting, before.next_due_at, before.next_lesson,
    )  # fmt: skip


async def test_an_opted_out_learner_gets_nothing_and_keeps_the_course(
    live: Live, scheduling: LessonScheduling
) -> None:
    enrolment_id = await learner(live, opted_out=True)
    [outcome] = await dispatch_due(live.runtime, scheduling)
    assert (outcome.result, outcome.reason) == ("skipped", "opted out")
    await drain(live, scheduling)
    assert await live.at_twilio() == [] and await live.outbound() == []
    state = await enrolment(live, enrolment_id)
    assert (state.status, state.awaiting, state.next_lesson) == ("active", "none", 1)
    assert state.next_due_at == bogota("2026-12-02 09:00")  # looked at again tomorrow, not each minute
    assert await dispatch_due(live.runtime, scheduling) == []


async def test_a_consultants_conversation_moves_the_lesson_to_tomorrows_moment(
    live: Live, scheduling: LessonScheduling
) -> None:
    enrolment_id = await learner(live, owner="consultant")
    [outcome] = await dispatch_due(live.runtime, scheduling)
    assert (outcome.result, outcome.until) == ("moved", bogota("2026-12-02 09:00"))
    assert (await enrolment(live, enrolment_id)).next_due_at == bogota("2026-12-02 09:00")
    assert await live.outbound() == []


async def test_never_two_scheduled_lessons_in_one_local_day(live: Live, scheduling: LessonScheduling) -> None:
    """A lesson went at 09:00; the person answered at once and, by a moment set to 10:00 the same
    day (e.g. a consultant corrected it), the next one is due again: it waits until tomorrow."""
    enrolment_id = await learner(live)
    [first] = await dispatch_due(live.runtime, scheduling)
    assert first.result == "sent"
    async with live.runtime.sessions() as session, session.begin():
        state = await session.get(LessonEnrolment, enrolment_id)
        assert state is not None
        state.awaiting, state.next_due_at = "none", bogota("2026-12-01 10:00")
    live.clock.now = bogota("2026-12-01 10:00")
    [second] = await dispatch_due(live.runtime, scheduling)
    assert (second.result, second.reason, second.until) == (
        "moved", "one scheduled lesson a day", bogota("2026-12-02 09:00"),
    )  # fmt: skip
    live.clock.now = bogota("2026-12-02 09:00")
    [third] = await dispatch_due(live.runtime, scheduling)
    assert (third.result, third.lesson_id) == ("sent", "cuaderno_diario")


async def test_a_closed_whatsapp_window_sends_the_template_and_waits_for_the_answer(
    live: Live, scheduling: LessonScheduling
) -> None:
    enrolment_id = await learner(live, channel="whatsapp", last_inbound=bogota("2026-11-29 10:00"))
    [outcome] = await dispatch_due(live.runtime, scheduling)
    assert (outcome.result, outcome.channel) == ("ready", "whatsapp")
    await drain(live, scheduling)
    [sent] = await live.at_twilio(channel="whatsapp")
    assert sent["body"] == "Hola Ana, su lección de Cuentas claras está lista. ¿Se la enviamos?"
    [row] = await live.outbound()
    assert (row.purpose, row.twilio_sid) == ("lesson_ready", sent["sid"])
    assert row.content_sid == sent["content_sid"] == "HX6f708192a3b4c5d6e7f8091a2b3c4d5e"
    assert sent["content_buttons"] == [{"title": "Sí, envíela", "payload": "/lesson_ready"}]
    state = await enrolment(live, enrolment_id)
    assert (state.awaiting, state.next_lesson, state.next_due_at, state.last_sent_at) == (
        "ready",
        1,
        None,
        DUE,
    )
    assert len(await results(live)) == 1  # the lesson itself is not sent yet
    assert await dispatch_due(live.runtime, scheduling) == []


async def test_an_open_whatsapp_window_gets_the_lesson_itself(
    live: Live, scheduling: LessonScheduling
) -> None:
    await learner(live, channel="whatsapp", last_inbound=bogota("2026-11-30 18:00"))
    [outcome] = await dispatch_due(live.runtime, scheduling)
    assert outcome.result == "sent"
    await drain(live, scheduling)
    sent = await live.at_twilio(channel="whatsapp")
    lesson = scheduling.courses.course(COURSE).lessons[1]
    assert lesson.messages[0] in "\n\n".join(message["body"] for message in sent)  # not folded


async def test_three_days_without_an_answer_one_nudge_and_the_course_pauses(
    live: Live, scheduling: LessonScheduling
) -> None:
    enrolment_id = await learner(live, awaiting="quiz")
    live.clock.now = DUE + timedelta(days=2, hours=23)
    assert await send_nudges(live.runtime, scheduling) == []  # not yet
    live.clock.now = bogota("2026-12-04 09:00")  # three days later
    [outcome] = await send_nudges(live.runtime, scheduling)
    assert outcome.result == "nudged"
    await drain(live, scheduling)
    [sent] = await live.at_twilio()
    assert sent["body"] == (
        "Hola, su leccion de Cuentas claras sigue esperando su respuesta. Pausamos el curso por ahora. "
        "Para seguir, responda la pregunta o escriba SEGUIR."
    )
    state = await enrolment(live, enrolment_id)
    assert (state.status, state.pause_reason, state.nudged_at, state.awaiting) == (
        "paused", "no_answer", bogota("2026-12-04 09:00"), "quiz",
    )  # fmt: skip
    live.clock.now = bogota("2026-12-08 09:00")
    assert await send_nudges(live.runtime, scheduling) == []  # never a second nudge
    assert await dispatch_due(live.runtime, scheduling) == []  # nor a lesson while paused
    await drain(live, scheduling)
    assert len(await live.at_twilio()) == 1


async def test_no_nudge_for_a_lesson_the_person_asked_for(live: Live, scheduling: LessonScheduling) -> None:
    enrolment_id = await learner(live, awaiting="quiz")
    async with live.runtime.sessions() as session, session.begin():
        result = await session.scalar(
            select(LessonResult).where(LessonResult.lesson_id == "su_propio_sueldo")
        )
        assert result is not None
        result.scheduled = False  # "siguiente": theirs to answer when they like
    live.clock.now = bogota("2026-12-07 09:00")
    assert await send_nudges(live.runtime, scheduling) == []
    assert (await enrolment(live, enrolment_id)).status == "active"


async def test_outside_the_window_the_course_pauses_without_a_message(
    live: Live, scheduling: LessonScheduling
) -> None:
    enrolment_id = await learner(live, channel="whatsapp", last_inbound=bogota("2026-11-29 10:00"))
    await dispatch_due(live.runtime, scheduling)  # the template; awaiting ready
    await drain(live, scheduling)
    live.clock.now = bogota("2026-12-04 10:00")
    [outcome] = await send_nudges(live.runtime, scheduling)
    assert (outcome.result, outcome.reason) == ("paused", "WhatsApp window closed")
    state = await enrolment(live, enrolment_id)
    assert (state.status, state.pause_reason, state.awaiting) == ("paused", "no_answer", "ready")
    async with live.runtime.sessions() as session:
        count = await session.scalar(select(func.count()).select_from(LessonEnrolment))
    assert count == 1
    assert len(await live.at_twilio(channel="whatsapp")) == 1  # only the template, days ago
