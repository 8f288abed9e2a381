"""The learner's conversation through whole turns (issue 13): real database (SQLite and PostgreSQL),
real Redis, Rasa scripted with the command actions/lessons.py sends. Everything after "quiero
aprender" is answered by the gateway (bot/lessons/turn.py): Rasa must not hear it."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import select

from bot.db.lesson_models import LessonEnrolment, LessonResult
from bot.db.models import Consent
from bot.gsm7 import fold_to_gsm7, sms_size
from bot.lessons.delivery import answer_payload, enrol_payload
from bot.lessons.payloads import consent_payload, leave_payload, rhythm_payload
from bot.runtime import Runtime
from bot.text import fold_accents
from tests.integration.documents_setup import Dialogue, person, say
from tests.integration.fake_twilio_app import attach_fake_twilio
from tests.lessons_answers import (
    right_index,
    right_number,
    right_title,
    wrong_index,
    wrong_letter,
    wrong_number,
)

# Tuesday 1 December 2026, 10:00 in Bogotá.
NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)


def sms(text: str) -> str:
    return fold_to_gsm7(text)


async def enrolment_of(runtime: Runtime, course_id: str = "cuentas_claras") -> LessonEnrolment:
    async with runtime.sessions() as session:
        found = await session.scalar(select(LessonEnrolment).where(LessonEnrolment.course_id == course_id))
    assert found is not None
    return found


def typed_words(lesson_id: str) -> str:
    """The right option's words as a person types them: lower case, no accents."""
    return fold_accents(right_title(lesson_id)).lower()


async def results(runtime: Runtime) -> list[LessonResult]:
    async with runtime.sessions() as session:
        return list((await session.scalars(select(LessonResult).order_by(LessonResult.id))).all())


async def test_a_course_on_sms_from_the_list_to_the_completion_code(runtime: Runtime) -> None:
    runtime.clock = lambda: NOW
    fake, dialogue = attach_fake_twilio(runtime), Dialogue()
    words, course = runtime.lessons.words, runtime.lessons.courses.course("cuentas_claras")
    chat = await person(runtime, phone="+573001112233", channel="sms")

    said = await say(runtime, dialogue.command("lessons_menu"), fake, chat, body="quiero aprender")
    assert said.startswith(sms(words.courses_intro))
    assert "1. Costos y precios\n2. Cuentas claras\n3. Vender mas\nResponda 1, 2 o 3." in said

    said = await say(runtime, dialogue, fake, chat, body="2")  # the general consent does not cover courses
    assert "necesita su autorizacion" in said and "1. Acepto\n2. No acepto" in said
    said = await say(runtime, dialogue, fake, chat, body="si acepto")
    first = course.lessons[0]
    assert said.startswith("¡Le damos la bienvenida al curso Cuentas claras! Son 5 lecciones cortas.")
    for text in [*first.messages, first.quiz.question]:
        assert sms(text) in said
    assert all(sms_size(part).encoding == "GSM-7" for part in said.split("\n\n"))

    wrong = wrong_letter(first.id)  # a letter; wrong: the retry, the answer not revealed
    said = await say(runtime, dialogue, fake, chat, body=wrong)
    assert said.startswith(sms(words.retry)) and sms(first.quiz.question) in said
    assert sms(first.quiz.feedback_wrong) not in said and sms(first.quiz.feedback_right) not in said
    said = await say(runtime, dialogue, fake, chat, body=typed_words(first.id))  # right, by its words
    assert said.startswith(sms(first.quiz.feedback_right)) and sms(words.rhythm_question) in said
    assert "1. En la mañana\n2. En la tarde\n3. En la noche\n4. Cuando yo la pida" in said

    said = await say(runtime, dialogue, fake, chat, body="en la tarde")
    assert said.startswith("Listo: una leccion al dia hacia las 2:00 p. m.")
    assert "La proxima: mañana." in said
    enrolment = await enrolment_of(runtime)
    assert (enrolment.rhythm, enrolment.send_minute, enrolment.awaiting) == ("daily", 840, "none")
    assert enrolment.next_due_at == datetime(2026, 12, 2, 19, 0, tzinfo=UTC)  # Wednesday 14:00 Bogotá

    said = await say(runtime, dialogue, fake, chat, body="siguiente")
    assert sms(course.lessons[1].messages[0]) in said
    said = await say(runtime, dialogue, fake, chat, body="como voy")
    assert said.startswith("Va en la leccion 2 de 5 de Cuentas claras. Acerto 1 de 1 preguntas.")
    assert sms(course.lessons[1].quiz.question) in said  # the question owed comes with it

    for lesson in course.lessons[1:]:
        if lesson is not course.lessons[1]:
            said = await say(runtime, dialogue, fake, chat, body="siguiente")
            assert sms(lesson.quiz.question) in said
        said = await say(runtime, dialogue, fake, chat, body=str(right_number(lesson.id)))
        assert said.startswith(sms(lesson.quiz.feedback_right))
    code = re.search(r"CL-[0-9A-Z]{6}", said)
    assert code is not None and said.endswith(sms(words.finished.format(course=course.title, code=code[0])))
    enrolment = await enrolment_of(runtime)
    assert (enrolment.status, enrolment.completion_code) == ("finished", code[0])
    assert enrolment.finished_at is not None
    rows = await results(runtime)
    assert [row.lesson_id for row in rows] == [lesson.id for lesson in course.lessons]
    assert [(row.tries, row.first_choice, row.right_on_try) for row in rows] == [
        (2, wrong_index(first.id), 2)
    ] + [(1, right_index(lesson.id), 1) for lesson in course.lessons[1:]]
    assert len(dialogue.calls) == 1  # only "quiero aprender" reached Rasa
    async with runtime.sessions() as session:
        consent = await session.scalar(select(Consent).where(Consent.kind == "lessons"))
    assert consent is not None and consent.accepted and consent.channel == "sms"


async def test_whatsapp_buttons_two_wrong_answers_an_old_button_pause_resume_and_leave(
    runtime: Runtime,
) -> None:
    runtime.clock = lambda: NOW
    fake, dialogue = attach_fake_twilio(runtime), Dialogue()
    words, course = runtime.lessons.words, runtime.lessons.courses.course("costos_y_precios")
    chat = await person(runtime, phone="+573001112244", channel="whatsapp")
    await say(runtime, dialogue, fake, chat, button=enrol_payload(course.id))
    said = await say(runtime, dialogue, fake, chat, button=consent_payload(True))
    first = course.lessons[0]
    assert (
        said.startswith("¡Le damos la bienvenida al curso Costos y precios!") and first.quiz.question in said
    )
    wrong = wrong_number(first.id)
    said = await say(runtime, dialogue, fake, chat, button=answer_payload(first.id, wrong))
    assert said.startswith(words.retry)
    said = await say(runtime, dialogue, fake, chat, button=answer_payload(first.id, wrong))
    assert said.startswith(first.quiz.feedback_wrong) and words.rhythm_question in said  # it tells the answer
    said = await say(runtime, dialogue, fake, chat, button=rhythm_payload("cuando yo la pida"))
    assert said == words.rhythm_on_demand
    said = await say(runtime, dialogue, fake, chat, body="siguiente")
    second = course.lessons[1]
    assert second.messages[0] in said
    said = await say(runtime, dialogue, fake, chat, button=answer_payload(first.id, 1))  # an old button
    assert said.startswith(words.old_question) and second.quiz.question in said

    said = await say(runtime, dialogue, fake, chat, body="pausar")
    assert said == words.paused.format(course=course.title)
    assert (await enrolment_of(runtime, course.id)).pause_reason == "asked"
    said = await say(runtime, dialogue, fake, chat, body="seguir")
    assert said.startswith(words.resumed.format(course=course.title)) and second.quiz.question in said

    said = await say(runtime, dialogue, fake, chat, body="dejar el curso")
    assert said.startswith(words.leave_question.format(course=course.title)) and "1. Sí, dejarlo" in said
    said = await say(runtime, dialogue, fake, chat, body="no")  # the typed no picks "No, seguir"
    assert said.startswith(words.kept.format(course=course.title))
    await say(runtime, dialogue, fake, chat, body="dejar el curso")
    said = await say(runtime, dialogue, fake, chat, button=leave_payload(True))
    assert said == words.left.format(course=course.title)
    assert (await enrolment_of(runtime, course.id)).status == "left"
    said = await say(runtime, dialogue, fake, chat, body="siguiente")  # nothing to do: the courses
    assert said.startswith(words.not_enrolled)
    assert dialogue.calls == []


async def test_a_number_for_a_later_menu_is_that_menus_and_not_the_quiz(runtime: Runtime) -> None:
    runtime.clock = lambda: NOW
    fake, dialogue = attach_fake_twilio(runtime), Dialogue()
    chat = await person(runtime, phone="+573001112255", channel="sms")
    await say(runtime, dialogue, fake, chat, button=enrol_payload("cuentas_claras"))
    await say(runtime, dialogue, fake, chat, body="acepto")
    menu = {"text": "¿En qué le ayudo?", "buttons": [{"title": "Crédito", "payload": "/request_loan"},
            {"title": "Pagos", "payload": "/ask_payment_info"}]}  # fmt: skip
    await say(runtime, dialogue.then(menu).then(menu), fake, chat, body="menu")
    await say(runtime, dialogue, fake, chat, body="2")
    assert [call["message"] for call in dialogue.calls] == ["menu", "/ask_payment_info"]
    enrolment = await enrolment_of(runtime)
    assert (enrolment.awaiting, enrolment.quiz_tries) == ("quiz", 0)
    first = runtime.lessons.courses.course("cuentas_claras").lessons[0]
    said = await say(runtime, dialogue, fake, chat, body=typed_words(first.id))  # words still answer it
    assert said.startswith(sms(first.quiz.feedback_right))


async def test_a_question_without_buttons_asked_after_the_quiz_takes_the_typed_number(
    runtime: Runtime,
) -> None:
    runtime.clock = lambda: NOW
    fake, dialogue = attach_fake_twilio(runtime), Dialogue()
    first = runtime.lessons.courses.course("cuentas_claras").lessons[0]
    chat = await person(runtime, phone="+573001112288", channel="sms")
    await say(runtime, dialogue, fake, chat, button=enrol_payload("cuentas_claras"))
    await say(runtime, dialogue, fake, chat, body="acepto")
    await runtime.redis.delete(f"famibot:menu:{chat}")  # an hour later: the quiz's menu is forgotten
    wrong, right = str(wrong_number(first.id)), str(right_number(first.id))
    said = await say(runtime, dialogue, fake, chat, body=wrong)  # nothing asked since: the quiz's answer
    assert said.startswith(sms(runtime.lessons.words.retry))
    await say(runtime, dialogue.then({"text": "¿Cuántos años tiene?"}), fake, chat, body="quiero un credito")
    await say(runtime, dialogue, fake, chat, body=right)  # the loan question's answer, not the quiz's
    assert len(dialogue.calls) == 2  # to Rasa (as "/show_menu" here: the scripted Rasa runs no form)
    assert (await enrolment_of(runtime)).quiz_tries == 1
    said = await say(runtime, dialogue, fake, chat, body="como voy")  # the quiz again, with its menu
    said = await say(runtime, dialogue, fake, chat, body=right)
    assert said.startswith(sms(first.quiz.feedback_right))


async def test_without_a_course_the_learner_words_go_to_rasa_and_a_refusal_keeps_nothing(
    runtime: Runtime,
) -> None:
    runtime.clock = lambda: NOW
    fake, dialogue = attach_fake_twilio(runtime), Dialogue()
    chat = await person(runtime, phone="+573001112266", channel="whatsapp")
    await say(runtime, dialogue, fake, chat, body="siguiente")
    assert [call["message"] for call in dialogue.calls] == ["siguiente"]
    await say(runtime, dialogue, fake, chat, button=enrol_payload("vender_mas"))
    said = await say(runtime, dialogue, fake, chat, body="no acepto")
    assert said == runtime.lessons.words.consent_declined
    async with runtime.sessions() as session:
        assert (await session.scalars(select(LessonEnrolment))).all() == []
        consent = await session.scalar(select(Consent).where(Consent.kind == "lessons"))
    assert consent is not None and not consent.accepted


async def test_an_hour_the_law_does_not_allow_is_refused_with_the_allowed_range(runtime: Runtime) -> None:
    runtime.clock = lambda: NOW
    fake, dialogue = attach_fake_twilio(runtime), Dialogue()
    words, course = runtime.lessons.words, runtime.lessons.courses.course("vender_mas")
    chat = await person(runtime, phone="+573001112277", channel="whatsapp")
    await say(runtime, dialogue, fake, chat, button=enrol_payload(course.id))
    await say(runtime, dialogue, fake, chat, button=consent_payload(True))
    first = course.lessons[0].id
    await say(runtime, dialogue, fake, chat, button=answer_payload(first, right_number(first)))
    said = await say(runtime, dialogue, fake, chat, body="a las 9 de la noche")
    assert said.startswith(
        "A las 9:00 p. m. no enviamos mensajes. Escoja una hora entre las 7:00 a. m. y las 7:00 p. m."
    )
    assert words.rhythm_question in said
    said = await say(runtime, dialogue, fake, chat, body="7:30")
    assert said.startswith("Listo: una lección al día hacia las 7:30 a. m.")
    assert (await enrolment_of(runtime, course.id)).send_minute == 450


async def test_switching_pauses_the_course_and_coming_back_starts_where_it_was(runtime: Runtime) -> None:
    runtime.clock = lambda: NOW
    fake, dialogue = attach_fake_twilio(runtime), Dialogue()
    words, courses = runtime.lessons.words, runtime.lessons.courses
    chat = await person(runtime, phone="+573001112299", channel="whatsapp")
    await say(runtime, dialogue, fake, chat, button=enrol_payload("cuentas_claras"))
    await say(runtime, dialogue, fake, chat, button=consent_payload(True))
    first = courses.course("cuentas_claras").lessons[0].id
    await say(runtime, dialogue, fake, chat, body=str(right_number(first)))
    await say(runtime, dialogue, fake, chat, body="cuando yo la pida")
    said = await say(runtime, dialogue, fake, chat, body="cambiar de curso")
    assert said.startswith(words.switch_question.format(course="Cuentas claras"))
    assert "Costos y precios" in said and "Vender más" in said and "1. Cuentas claras" not in said
    said = await say(runtime, dialogue, fake, chat, body="vender mas")  # the option's words
    assert said.startswith("¡Le damos la bienvenida al curso Vender más!")
    left = await enrolment_of(runtime, "cuentas_claras")
    assert (left.status, left.pause_reason) == ("paused", "switched")
    said = await say(runtime, dialogue, fake, chat, button=enrol_payload("cuentas_claras"))
    assert said.startswith(words.re_enrolled.format(course="Cuentas claras", number=2, lessons=5))
    assert courses.course("cuentas_claras").lessons[1].messages[0] in said
    assert (await enrolment_of(runtime, "vender_mas")).pause_reason == "switched"
    said = await say(runtime, dialogue.command("lessons_menu"), fake, chat, body="enseñeme a vender")
    assert said.startswith("Va en la lección 2 de 5 de Cuentas claras. Acertó 1 de 1 preguntas.")
    assert said.endswith("1. Costos y precios\n2. Cuentas claras\n3. Vender más\nResponda 1, 2 o 3.")
    said = await say(runtime, dialogue, fake, chat, body="cursos")  # the gateway's, the same answer
    assert said.startswith("Va en la lección 2 de 5 de Cuentas claras.") and "3. Vender más" in said
    assert [call["message"] for call in dialogue.calls] == ["enseñeme a vender"]


async def test_the_ready_template_answered_yes_sends_the_scheduled_lesson_and_later_plans_tomorrow(
    runtime: Runtime,
) -> None:
    runtime.clock = lambda: NOW
    fake, dialogue = attach_fake_twilio(runtime), Dialogue()
    words, course = runtime.lessons.words, runtime.lessons.courses.course("cuentas_claras")
    chat = await person(runtime, phone="+573001112200", channel="whatsapp")
    await say(runtime, dialogue, fake, chat, button=enrol_payload(course.id))
    await say(runtime, dialogue, fake, chat, button=consent_payload(True))
    await say(runtime, dialogue, fake, chat, body=str(right_number(course.lessons[0].id)))
    await say(runtime, dialogue, fake, chat, body="en la mañana")

    async def ready() -> None:  # what the scheduler does outside the WhatsApp window
        async with runtime.sessions() as session, session.begin():
            found = await session.scalar(select(LessonEnrolment))
            assert found is not None
            found.awaiting = "ready"

    await ready()
    said = await say(runtime, dialogue, fake, chat, body="despues")
    assert said == words.ready_later.format(day="mañana", time="9:00 a. m.")
    enrolment = await enrolment_of(runtime)
    assert (enrolment.awaiting, enrolment.next_due_at) == ("none", datetime(2026, 12, 2, 14, 0, tzinfo=UTC))
    await ready()
    said = await say(runtime, dialogue, fake, chat, body="si")
    assert course.lessons[1].messages[0] in said
    assert [row.scheduled for row in await results(runtime)] == [False, True]


async def test_an_answer_after_the_nudge_resumes_the_course(runtime: Runtime) -> None:
    runtime.clock = lambda: NOW
    fake, dialogue = attach_fake_twilio(runtime), Dialogue()
    course = runtime.lessons.courses.course("cuentas_claras")
    chat = await person(runtime, phone="+573001112211", channel="sms")
    await say(runtime, dialogue, fake, chat, button=enrol_payload(course.id))
    await say(runtime, dialogue, fake, chat, body="acepto")
    async with runtime.sessions() as session, session.begin():  # the scheduler's nudge paused it
        found = await session.scalar(select(LessonEnrolment))
        assert found is not None
        found.status, found.pause_reason = "paused", "no_answer"
    said = await say(runtime, dialogue, fake, chat, body=typed_words(course.lessons[0].id))
    assert said.startswith(sms(course.lessons[0].quiz.feedback_right))
    assert (await enrolment_of(runtime)).status == "active"
