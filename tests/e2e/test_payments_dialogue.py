"""The payments conversation end to end (issue 12): the real model, action server, worker and database,
with a loan inserted for the phone. "cuanto debo" → the amount and date; "ya pague" → a claim and the
pause; "no puedo pagar" → a cannot_pay ticket; a reminder by trigger_intent → no words, the slots set,
and "donde pago" still answered."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from bot.db.engine import make_session_factory
from bot.db.loan_models import Instalment, Loan, PaymentClaim
from bot.db.models import Contact, Conversation, HandoffRequest
from bot.payments.words import long_date
from bot.settings import to_async_url
from tests.e2e.conftest import RASA_TOKEN, Stack, new_phone

pytestmark = pytest.mark.e2e
BOGOTA = ZoneInfo("America/Bogota")


async def run_sql(database_url: str, work):  # type: ignore[no-untyped-def]
    engine = create_async_engine(to_async_url(database_url))
    try:
        async with make_session_factory(engine)() as session, session.begin():
            return await work(session)
    finally:
        await engine.dispose()


async def add_loan(live: Stack, phone: str, due: date) -> int:
    """A loan with one paid instalment and two to pay ($150.000 each, the next on ``due``); its
    next instalment's id."""

    async def work(session):  # type: ignore[no-untyped-def]
        loan = Loan(loan_ref="CR-E2E-" + phone[-6:], product="Microcrédito", national_id="1036123456",
                    phone_e164=phone, disbursed_on=due - timedelta(days=60))  # fmt: skip
        session.add(loan)
        await session.flush()
        rows = [
            Instalment(loan_id=loan.id, number=1, due_on=due - timedelta(days=30), amount_due=150_000,
                       amount_paid=150_000, status="paid"),
            Instalment(loan_id=loan.id, number=2, due_on=due, amount_due=150_000, status="pending"),
            Instalment(loan_id=loan.id, number=3, due_on=due + timedelta(days=30), amount_due=150_000,
                       status="pending"),
        ]  # fmt: skip
        session.add_all(rows)
        await session.flush()
        return rows[1].id

    return int(await run_sql(live.database_url, work))


async def reply_to(live: Stack, phone: str, text: str, channel: str = "whatsapp") -> str:
    before = len(await live.outbound(phone, channel=channel))
    assert (await live.send(phone, text, channel=channel)).status_code == 200
    await live.wait_outbound(phone, before + 1, channel=channel)
    await asyncio.sleep(1.0)
    return "\n".join(str(m["body"]) for m in (await live.outbound(phone, channel=channel))[before:])


async def test_how_much_paid_and_cannot_pay_with_the_real_model(live: Stack) -> None:
    phone = new_phone()
    due = datetime.now(BOGOTA).date() + timedelta(days=2)
    instalment_id = await add_loan(live, phone, due)

    said = await reply_to(live, phone, "cuanto debo")
    assert "$150.000" in said and long_date(due) in said and "Efecty" in said

    said = await reply_to(live, phone, "ya pague")
    assert said.startswith("Gracias por avisar. Un asesor revisa su pago")

    async def claims(session):  # type: ignore[no-untyped-def]
        found = (
            await session.scalars(select(PaymentClaim).where(PaymentClaim.instalment_id == instalment_id))
        ).all()
        instalment = await session.get(Instalment, instalment_id)
        return [(c.status) for c in found], instalment.reminders_paused_until

    statuses, paused = await run_sql(live.database_url, claims)
    assert statuses == ["open"] and paused is not None

    said = await reply_to(live, phone, "no puedo pagar este mes")
    assert "acuerdo de pago" in said

    async def ticket(session):  # type: ignore[no-untyped-def]
        return await session.scalar(
            select(HandoffRequest.reason)
            .join(Conversation, Conversation.id == HandoffRequest.conversation_id)
            .join(Contact, Contact.id == Conversation.contact_id)
            .where(Contact.phone_e164 == phone)
        )

    assert await run_sql(live.database_url, ticket) == "cannot_pay"


async def test_a_reminder_sets_the_slots_says_nothing_and_donde_pago_is_answered(live: Stack) -> None:
    phone = new_phone()
    due = datetime.now(BOGOTA).date() + timedelta(days=3)
    await add_loan(live, phone, due)
    await reply_to(live, phone, "hola", channel="sms")

    async def sender(session):  # type: ignore[no-untyped-def]
        return await session.scalar(
            select(Conversation.rasa_sender_id)
            .join(Contact, Contact.id == Conversation.contact_id)
            .where(Contact.phone_e164 == phone)
        )

    sender_id = await run_sql(live.database_url, sender)
    async with httpx.AsyncClient(base_url=live.rasa.url, timeout=30) as rasa:
        answer = await rasa.post(
            f"/conversations/{sender_id}/trigger_intent",
            params={"token": RASA_TOKEN},
            json={
                "name": "EXTERNAL_payment_reminder",
                "entities": {"amount": "150000", "due_date": due.isoformat(), "step": "before"},
            },
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["messages"] == []
        tracker = (await rasa.get(f"/conversations/{sender_id}/tracker", params={"token": RASA_TOKEN})).json()
    slots = tracker["slots"]
    assert (slots["cuota_monto"], slots["cuota_fecha"], slots["cuota_paso"]) == (
        "150000",
        due.isoformat(),
        "before",
    )

    said = await reply_to(live, phone, "donde pago", channel="sms")
    assert "Pague en:" in said and "$150.000" in said
