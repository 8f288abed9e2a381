"""The payments conversation through whole turns (issue 12): real database (SQLite and PostgreSQL), real
Redis, the fake Twilio API, Rasa scripted with the commands actions/payments.py sends. Loans and
instalments are inserted directly (their import is another part of the issue)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from bot.db.loan_models import Instalment, Loan, PaymentClaim, RepaymentReminder
from bot.db.models import HandoffRequest
from bot.gsm7 import sms_size
from bot.runtime import Runtime
from tests.integration.documents_setup import Dialogue, person, say
from tests.integration.fake_twilio_app import attach_fake_twilio

# Tuesday 1 December 2026, 10:00 in Medellín: the office is open.
NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
PHONE = "+573001112233"


async def a_loan(
    runtime: Runtime, *, ref: str = "CR-2026-000123", phone: str = PHONE, dues: list[date] | None = None
) -> list[int]:
    """A loan of three $150.000 instalments (the first paid); the instalments' ids."""
    dues = dues or [date(2026, 11, 3), date(2026, 12, 3), date(2027, 1, 3)]
    async with runtime.sessions() as session, session.begin():
        loan = Loan(loan_ref=ref, product="Microcrédito", national_id="1036123456", phone_e164=phone,
                    disbursed_on=date(2026, 10, 1))  # fmt: skip
        session.add(loan)
        await session.flush()
        rows = [
            Instalment(
                loan_id=loan.id,
                number=n,
                due_on=due,
                amount_due=150_000,
                amount_paid=150_000 if n == 1 else 0,
                status="paid" if n == 1 else "pending",
            )
            for n, due in enumerate(dues, start=1)
        ]
        session.add_all(rows)
        await session.flush()
        return [row.id for row in rows]


async def test_how_much_and_where_on_sms_and_whatsapp(runtime: Runtime) -> None:
    runtime.clock = lambda: NOW
    fake, dialogue = attach_fake_twilio(runtime), Dialogue()
    await a_loan(runtime)
    whatsapp = await person(runtime, phone=PHONE, channel="whatsapp")
    said = await say(runtime, dialogue.command("payment_info"), fake, whatsapp, body="cuanto debo")
    assert said.startswith("Su próxima cuota es de $150.000 y vence el jueves 3 de diciembre.")
    assert "Efecty o Baloto: convenio" in said and "Referencia: CR-2026-000123" in said

    sms = await person(runtime, phone="+573004445566", channel="sms")
    await a_loan(runtime, ref="CR-2026-000200", phone="+573004445566")
    said = await say(runtime, dialogue.command("payment_info"), fake, sms, body="donde pago")
    assert said.startswith("Su proxima cuota es de $150.000 y vence el jueves 3 de diciembre.")
    assert sms_size(said).segments <= 2 and "ref CR-2026-000200" in said
    assert "CR-2026-000123" not in said  # never another person's loan


async def test_no_loan_for_this_number_is_said_and_a_person_offered(runtime: Runtime) -> None:
    runtime.clock = lambda: NOW
    fake, dialogue = attach_fake_twilio(runtime), Dialogue()
    await a_loan(runtime)  # someone else's
    conversation_id = await person(runtime, phone="+573009998877")
    said = await say(runtime, dialogue.command("payment_info"), fake, conversation_id, body="cuanto debo")
    assert said == runtime.payments.data.words.no_loan
    said = await say(runtime, dialogue.command("report_payment"), fake, conversation_id, body="ya pague")
    assert said == runtime.payments.data.words.no_loan
    async with runtime.sessions() as session:
        assert (await session.scalars(select(PaymentClaim))).all() == []


async def test_ya_pague_records_a_claim_pauses_reminders_and_asks_a_consultant(runtime: Runtime) -> None:
    runtime.clock = lambda: NOW
    fake, dialogue = attach_fake_twilio(runtime), Dialogue()
    ids = await a_loan(runtime)
    conversation_id = await person(runtime, phone=PHONE)
    said = await say(runtime, dialogue.command("report_payment"), fake, conversation_id, body="ya pague")
    assert said == (
        "Gracias por avisar. Un asesor revisa su pago de la cuota de $150.000 del jueves 3 de diciembre. "
        "Mientras tanto no le enviamos recordatorios de esa cuota por 3 días."
    )
    async with runtime.sessions() as session:
        [claim] = (await session.scalars(select(PaymentClaim))).all()
        instalment = await session.get(Instalment, ids[1])
        [ticket] = (await session.scalars(select(HandoffRequest))).all()
    assert (claim.instalment_id, claim.status, claim.conversation_id) == (ids[1], "open", conversation_id)
    assert instalment is not None and instalment.reminders_paused_until is not None
    assert instalment.reminders_paused_until.astimezone(UTC) == NOW + timedelta(days=3)
    assert ticket.reason == "payment_claim" and ticket.status == "open"
    context = ticket.summary["answers"]["pago"]
    assert context == (
        f"Crédito CR-2026-000123 (Microcrédito), cuota 2: $150.000, vence 2026-12-03, "
        f"reporte de pago #{claim.id}"
    )
    assert "1036123456" not in str(ticket.summary) and "1036123456" not in str(ticket.answers)

    # said again: the same open claim, no second one; the ticket asked again
    await say(runtime, dialogue.command("report_payment"), fake, conversation_id, body="ya pague")
    async with runtime.sessions() as session:
        assert len((await session.scalars(select(PaymentClaim))).all()) == 1
        [ticket] = (await session.scalars(select(HandoffRequest))).all()
    assert ticket.requests == 2


async def test_the_claim_concerns_the_instalment_last_reminded(runtime: Runtime) -> None:
    runtime.clock = lambda: NOW
    fake, dialogue = attach_fake_twilio(runtime), Dialogue()
    ids = await a_loan(runtime, dues=[date(2026, 11, 3), date(2026, 11, 28), date(2026, 12, 3)])
    async with runtime.sessions() as session, session.begin():
        session.add(RepaymentReminder(instalment_id=ids[2], step="before", status="queued",
                                      planned_at=NOW - timedelta(days=1)))  # fmt: skip
        session.add(RepaymentReminder(instalment_id=ids[1], step="after_7", status="planned",
                                      planned_at=NOW + timedelta(days=2)))  # fmt: skip
    conversation_id = await person(runtime, phone=PHONE)
    await say(runtime, dialogue.command("report_payment"), fake, conversation_id, body="ya consigne")
    async with runtime.sessions() as session:
        [claim] = (await session.scalars(select(PaymentClaim))).all()
    assert claim.instalment_id == ids[2]  # the one the reminder was about, not the older overdue one


async def test_cannot_pay_opens_the_most_urgent_ticket_with_the_loan(runtime: Runtime) -> None:
    runtime.clock = lambda: NOW
    fake, dialogue = attach_fake_twilio(runtime), Dialogue()
    await a_loan(runtime)
    conversation_id = await person(runtime, phone=PHONE)
    said = await say(runtime, dialogue.command("report_payment"), fake, conversation_id, body="ya pague")
    said = await say(runtime, dialogue.command("cannot_pay"), fake, conversation_id, body="no puedo pagar")
    assert said.startswith(runtime.payments.data.words.cannot_pay + " Un asesor le escribirá en unos ")
    assert said.endswith("para buscar con usted un acuerdo de pago.")
    async with runtime.sessions() as session:
        [ticket] = (await session.scalars(select(HandoffRequest))).all()
    assert ticket.reason == "cannot_pay" and ticket.priority == 10  # more urgent than the claim
    assert ticket.summary["answers"]["pago"].startswith("Crédito CR-2026-000123 (Microcrédito), cuota 2")


async def test_cannot_pay_without_a_loan_still_gets_a_person(runtime: Runtime) -> None:
    runtime.clock = lambda: datetime(2026, 12, 6, 15, 0, tzinfo=UTC)  # a Sunday: the office is closed
    fake, dialogue = attach_fake_twilio(runtime), Dialogue()
    conversation_id = await person(runtime, phone="+573009998877")
    said = await say(runtime, dialogue.command("cannot_pay"), fake, conversation_id, body="no puedo pagar")
    assert said.startswith(runtime.payments.data.words.cannot_pay_no_loan + " La oficina está cerrada")
    async with runtime.sessions() as session:
        [ticket] = (await session.scalars(select(HandoffRequest))).all()
    assert (
        ticket.reason == "cannot_pay" and ticket.summary["answers"]["pago"] == "Sin crédito con este número"
    )
