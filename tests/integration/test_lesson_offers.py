"""Course offers at the right moments (issue 13), through whole turns on SQLite and PostgreSQL with a
scripted Rasa: after a "not yet" the deciding rule's course follows the result (not for a rule no
course helps with, nor to someone already taking it), and after "no puedo pagar" only a borrower
reminded in the last days gets one. The offer's "1" is remembered as the enrol button."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.db.lesson_models import LessonEnrolment
from bot.db.loan_models import RepaymentReminder
from bot.db.models import Message
from bot.lessons.delivery import enrol_payload
from bot.menus import resolve_choice
from bot.runtime import Runtime
from tests.integration.documents_setup import Dialogue, person, say
from tests.integration.fake_twilio_app import attach_fake_twilio
from tests.integration.test_payment_turns import NOW, PHONE, a_loan
from tests.integration.test_prequal_storage import RESULT_TEXT, rasa_with
from tests.integration.test_turns import _inbound, _run
from tests.prequal_payloads import payload


async def _replies(runtime: Runtime) -> list[str]:
    async with runtime.sessions() as session:
        rows = await session.scalars(select(Message).where(Message.direction == "out").order_by(Message.id))
        return [row.body for row in rows]


async def _enrol(
    runtime: Runtime, conversation_id: int, contact_id: int, course_id: str, status: str
) -> None:
    async with runtime.sessions() as session, session.begin():
        session.add(
            LessonEnrolment(
                contact_id=contact_id, conversation_id=conversation_id, course_id=course_id, status=status
            )
        )


async def test_a_not_yet_result_is_followed_by_the_course_its_rule_suggests(runtime: Runtime) -> None:
    conversation, message = await _inbound(runtime, status="received")
    await _run(runtime, rasa_with(payload(meses_negocio=2)), conversation, message)  # min_business_months
    [said] = await _replies(runtime)
    assert said.startswith(RESULT_TEXT + "\n")
    assert "Cuentas claras" in said and said.endswith("1. Ver el curso\nResponda 1.")
    # "1" now means the offer's button: the payload that enrols in the course
    assert await resolve_choice(runtime.redis, conversation.id, "1") == enrol_payload("cuentas_claras")


async def test_no_course_after_a_rule_no_course_helps_with_nor_after_a_prequalified_result(
    runtime: Runtime,
) -> None:
    conversation, message = await _inbound(runtime, status="received")
    await _run(runtime, rasa_with(payload(edad=17)), conversation, message)  # min_age: no course for it
    [said] = await _replies(runtime)
    assert said == RESULT_TEXT
    assert "Ver el curso" not in " ".join(await _replies(runtime))


async def test_no_offer_of_a_course_the_person_already_takes(runtime: Runtime) -> None:
    conversation, message = await _inbound(runtime, status="received")
    await _enrol(runtime, conversation.id, conversation.contact_id, "cuentas_claras", "active")
    await _run(runtime, rasa_with(payload(mora=True)), conversation, message)  # no_arrears → cuentas_claras
    assert await _replies(runtime) == [RESULT_TEXT]


async def test_a_paused_course_is_offered_again(runtime: Runtime) -> None:
    conversation, message = await _inbound(runtime, status="received")
    await _enrol(runtime, conversation.id, conversation.contact_id, "cuentas_claras", "paused")
    await _run(runtime, rasa_with(payload(mora=True)), conversation, message)
    [said] = await _replies(runtime)
    assert "Cuentas claras" in said and "Ver el curso" in said


async def test_cannot_pay_after_a_recent_reminder_offers_cuentas_claras(runtime: Runtime) -> None:
    runtime.clock = lambda: NOW
    fake, dialogue = attach_fake_twilio(runtime), Dialogue()
    ids = await a_loan(runtime)
    async with runtime.sessions() as session, session.begin():
        session.add(RepaymentReminder(instalment_id=ids[1], step="before", status="queued",
                                      planned_at=NOW - timedelta(days=2)))  # fmt: skip
    conversation_id = await person(runtime, phone=PHONE, channel="sms")
    said = await say(runtime, dialogue.command("cannot_pay"), fake, conversation_id, body="no puedo pagar")
    assert "acuerdo de pago." in said  # the answer as before, whole
    assert said.endswith("Cuentas claras, para separar la plata del negocio y la de la casa.\n"
                         "1. Ver el curso\nResponda 1.")  # fmt: skip
    async with runtime.sessions() as session:
        parts = (await session.scalars(select(Message).where(Message.direction == "out"))).all()
    assert all(
        part.segments is not None and part.segments <= runtime.settings.sms_segment_budget for part in parts
    )


async def test_cannot_pay_without_a_recent_reminder_offers_nothing(runtime: Runtime) -> None:
    runtime.clock = lambda: NOW
    fake, dialogue = attach_fake_twilio(runtime), Dialogue()
    ids = await a_loan(runtime)
    reminders = [
        RepaymentReminder(instalment_id=ids[1], step="before", status="queued",
                          planned_at=NOW - timedelta(days=15)),  # too long ago
        RepaymentReminder(instalment_id=ids[1], step="after_1", status="planned",
                          planned_at=NOW - timedelta(days=1)),  # never went out
        RepaymentReminder(instalment_id=ids[2], step="before", status="skipped",
                          planned_at=NOW - timedelta(days=1)),  # not sent
    ]  # fmt: skip
    async with runtime.sessions() as session, session.begin():
        session.add_all(reminders)
    conversation_id = await person(runtime, phone=PHONE)
    said = await say(runtime, dialogue.command("cannot_pay"), fake, conversation_id, body="no puedo pagar")
    assert "acuerdo de pago." in said and "Ver el curso" not in said and "Cuentas claras" not in said


async def test_cannot_pay_after_a_reminder_to_someone_else_offers_nothing(runtime: Runtime) -> None:
    runtime.clock = lambda: NOW
    fake, dialogue = attach_fake_twilio(runtime), Dialogue()
    other = await a_loan(runtime, ref="CR-OTRA", phone="+573009998877")
    await a_loan(runtime)
    async with runtime.sessions() as session, session.begin():
        session.add(RepaymentReminder(instalment_id=other[1], step="before", status="queued",
                                      planned_at=NOW - timedelta(days=1)))  # fmt: skip
    conversation_id = await person(runtime, phone=PHONE)
    said = await say(runtime, dialogue.command("cannot_pay"), fake, conversation_id, body="no puedo pagar")
    assert "Ver el curso" not in said
