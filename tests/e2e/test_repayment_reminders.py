"""Repayment reminders end to end (issue 12) with the real stack: loans in through `POST /api/loans`,
planned and dispatched by `python -m bot.cli send-reminders --demo-now …` (its own process: Rasa told
through trigger_intent, sent through the outbox to the fake Twilio API judged at that moment), and the
borrower's answers handled by the worker with the real model. Each test checks what the person got at
the fake Twilio API and what the database holds.

The demo moments are always ahead of the real clock, so the stack's own worker (which dispatches what is
due on the real clock) never sends one of these reminders itself (tests/e2e/repayments.py)."""

from __future__ import annotations

import asyncio
import json
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.db.loan_models import PaymentClaim
from bot.db.models import utcnow
from bot.gsm7 import fold_to_gsm7, is_gsm7, sms_size
from bot.payments.words import long_date
from tests.e2e.conftest import Stack, new_phone
from tests.e2e.repayments import (
    AMOUNT,
    HOURS,
    PLANNER,
    SOON,
    all_ahead,
    avoid_worker_planning,
    cli,
    consented,
    import_loans,
    instalment_of,
    loan_row,
    moment,
    outbound_rows,
    pick_due,
    read,
    reminders_of,
    reply_to,
    send_reminders,
    tickets_of,
    wrote_before,
)
from webhooks.dev.simulator import DEFAULT_PROFILE

pytestmark = pytest.mark.e2e
TEMPLATE_SID = "HX5e6f708192a3b4c5d6e7f8091a2b3c4d"  # recordar_cuota, data/whatsapp_templates.yml
CONSENT_TURNS = 3
MINUTE = timedelta(minutes=1)


def ref_of(phone: str) -> str:
    return "CR-E2E-" + phone[-7:]


def within_hours(validity_s: int | None, at: datetime) -> bool:
    """Twilio drops the message when the contact hours close (ValidityPeriod, judged at ``at``)."""
    closes = HOURS.closes_at(at)
    assert closes is not None, "the demo moment must be inside the contact hours"
    return validity_s is not None and 0 < validity_s <= (closes - at).total_seconds() + 1


def texts(step: str, due: date) -> tuple[str, str]:
    """(SMS, WhatsApp) of a step as data/repayment_reminders.yml words them."""
    policy_step = PLANNER.policy.step(step)
    assert policy_step is not None
    sms = fold_to_gsm7(policy_step.sms_text(amount=AMOUNT, due_on=due))
    return sms, policy_step.whatsapp_text(amount=AMOUNT, due_on=due)


async def test_import_plan_dispatch_send_once_on_sms_and_whatsapp_in_the_window(live: Stack) -> None:
    due = pick_due(all_ahead)
    sms_phone, wa_phone = new_phone(), new_phone()
    await asyncio.gather(consented(live, sms_phone, "sms"), consented(live, wa_phone, "whatsapp"))
    answer = await import_loans(live, [loan_row(sms_phone, ref_of(sms_phone), due),
                                       loan_row(wa_phone, ref_of(wa_phone), due)])  # fmt: skip
    assert (answer["loans"], answer["inserted"]) == (2, 2)
    at = moment(due, "before_3") + MINUTE
    await wrote_before(live, wa_phone, at)  # the window is judged at the demo moment, any weekday

    said = await send_reminders(live, at)
    assert said.count("(before_3): queued") == 2 and "Rasa told" in said

    sms_text, whatsapp_text = texts("before_3", due)
    [sms] = (await live.outbound(sms_phone))[CONSENT_TURNS:]
    assert (
        sms["body"] == sms_text and "$350.000" in sms["body"] and fold_to_gsm7(long_date(due)) in sms["body"]
    )
    assert is_gsm7(sms["body"]) and sms_size(sms["body"]).segments == 1
    assert within_hours(sms["validity_period_s"], at)
    [whatsapp] = (await live.outbound(wa_phone, channel="whatsapp"))[CONSENT_TURNS:]
    assert whatsapp["body"] == whatsapp_text and long_date(due) in whatsapp["body"]
    assert whatsapp["content_sid"] is None  # free text: the person wrote less than 24 h before
    assert within_hours(whatsapp["validity_period_s"], at)

    for phone, twilio_message in ((sms_phone, sms), (wa_phone, whatsapp)):
        rows = await reminders_of(live, ref_of(phone))
        assert {step: row.status for step, row in rows.items()} == {
            "before_3": "queued", "due": "planned", "after_1": "planned", "after_7": "planned"
        }  # fmt: skip
        stored = (await outbound_rows(live, phone))[-1]
        assert stored.id == rows["before_3"].message_id and stored.purpose == "repayment_reminder"
        assert (stored.twilio_sid, stored.body) == (twilio_message["sid"], twilio_message["body"])
    assert (stored.encoding, stored.segments) == (None, None)  # WhatsApp
    sms_row = (await outbound_rows(live, sms_phone))[-1]
    assert (sms_row.encoding, sms_row.segments) == ("GSM-7", 1)

    # Dispatching again, at the same moment and later that day: nothing more, the rows unchanged.
    before = {phone: await reminders_of(live, ref_of(phone)) for phone in (sms_phone, wa_phone)}
    for again in (at, at + timedelta(hours=2)):
        said = await send_reminders(live, again)
        assert "(before_3): queued" not in said
    assert len(await live.outbound(sms_phone)) == CONSENT_TURNS + 1
    assert len(await live.outbound(wa_phone, channel="whatsapp")) == CONSENT_TURNS + 1
    assert {phone: await reminders_of(live, ref_of(phone)) for phone in before} == before


async def test_whatsapp_outside_the_window_gets_the_template(live: Stack) -> None:
    due = pick_due(lambda d: moment(d, "before_3") > utcnow() + timedelta(hours=25))
    phone = new_phone()
    await consented(live, phone, "whatsapp")
    await import_loans(live, [loan_row(phone, ref_of(phone), due)])
    at = moment(due, "before_3") + MINUTE

    await send_reminders(live, at)

    [template] = (await live.outbound(phone, channel="whatsapp"))[CONSENT_TURNS:]
    assert template["content_sid"] == TEMPLATE_SID
    assert json.loads(template["content_variables"]) == {
        "1": DEFAULT_PROFILE.split()[0], "2": "$350.000", "3": long_date(due)
    }  # fmt: skip
    assert within_hours(template["validity_period_s"], at)
    rows = await reminders_of(live, ref_of(phone))
    stored = (await outbound_rows(live, phone))[-1]
    assert rows["before_3"].status == "queued" and rows["before_3"].message_id == stored.id
    assert stored.content_sid == TEMPLATE_SID and "$350.000" in stored.body


async def test_replies_after_a_reminder_claim_pauses_the_next_step_and_cannot_pay_opens_a_ticket(
    live: Stack,
) -> None:
    # The "due" step goes first (before_3 is over by then: superseded), and "after_1" comes within
    # the 3 days that "ya pague" pauses the instalment's reminders.
    due = pick_due(lambda d: moment(d, "due") > utcnow() + SOON
               and moment(d, "after_1") < utcnow() + timedelta(hours=70))  # fmt: skip
    phone = new_phone()
    ref = ref_of(phone)
    await consented(live, phone, "sms")
    avoid_worker_planning()
    await import_loans(live, [loan_row(phone, ref, due)])
    at = moment(due, "due") + MINUTE
    await send_reminders(live, at)  # plans (before_3 superseded at that moment) and sends "due"

    rows = await reminders_of(live, ref)
    assert (rows["before_3"].status, rows["before_3"].reason) == ("skipped", "superseded")
    assert rows["due"].status == "queued"
    [reminder] = (await live.outbound(phone))[CONSENT_TURNS:]
    assert reminder["body"] == texts("due", due)[0] and within_hours(reminder["validity_period_s"], at)
    date_words = fold_to_gsm7(long_date(due))

    said = await reply_to(live, phone, "cuanto debo", "sms")
    assert "$350.000" in said and date_words in said
    said = await reply_to(live, phone, "donde pago", "sms")
    assert "Pague en:" in said and "Efecty" in said and "$350.000" in said

    said = await reply_to(live, phone, "ya pague", "sms")
    assert said.startswith("Gracias por avisar.") and "$350.000" in said and date_words in said
    instalment = await instalment_of(live, ref)
    claims = await read(
        live,
        lambda s: s.scalars(select(PaymentClaim.status).where(PaymentClaim.instalment_id == instalment.id)),
    )
    assert list(claims) == ["open"]
    paused = instalment.reminders_paused_until
    assert paused is not None and paused > utcnow() + timedelta(days=2, hours=23)
    [ticket] = await tickets_of(live, phone)
    assert ticket.reason == "payment_claim" and ref in ticket.answers["pago"]

    later = moment(due, "after_1") + MINUTE
    assert later < paused
    sent = len(await live.outbound(phone))
    said = await send_reminders(live, later)
    assert len(await live.outbound(phone)) == sent  # paused: nothing goes
    after_1 = (await reminders_of(live, ref))["after_1"]
    assert (after_1.status, after_1.reason) == ("planned", "paused after a payment claim")
    assert after_1.planned_at >= paused

    said = await reply_to(live, phone, "no puedo pagar", "sms")
    assert said.startswith("Gracias por contarnos.") and "acuerdo de pago" in said
    # after a reminder, a course that helps (data/lesson_offers.yml), "1" to see it
    assert "curso corto Cuentas claras" in said and said.endswith("1. Ver el curso\nResponda 1.")
    [ticket] = await tickets_of(live, phone)  # the conversation's one ticket, raised
    assert (
        ticket.reason == "cannot_pay"
        and ref in ticket.answers["pago"]
        and "$350.000" in ticket.answers["pago"]
    )
    assert "1036" + phone[-6:] not in json.dumps([ticket.answers, ticket.summary])  # never the cédula


async def test_a_payment_imported_between_planning_and_sending_cancels_the_reminder(live: Stack) -> None:
    due = pick_due(all_ahead)
    phone = new_phone()
    ref = ref_of(phone)
    await consented(live, phone, "sms")
    await import_loans(live, [loan_row(phone, ref, due)])
    assert "4 planned" in await cli(live, "plan-reminders")
    assert {row.status for row in (await reminders_of(live, ref)).values()} == {"planned"}

    answer = await import_loans(live, [loan_row(phone, ref, due, paid=AMOUNT)])
    assert (answer["updated"], answer["marked_paid"]) == (1, 1)
    await send_reminders(live, moment(due, "before_3") + MINUTE)

    assert len(await live.outbound(phone)) == CONSENT_TURNS
    rows = await reminders_of(live, ref)
    assert {(row.status, row.reason, row.message_id) for row in rows.values()} == {("canceled", "paid", None)}
    assert (await instalment_of(live, ref)).status == "paid"


async def test_opted_out_never_wrote_or_never_consented_gets_nothing(live: Stack) -> None:
    due = pick_due(all_ahead)
    opted_out, never_wrote, no_consent = new_phone(), new_phone(), new_phone()
    await consented(live, opted_out, "sms")
    await live.send(opted_out, "BAJA")
    await live.wait_outbound(opted_out, CONSENT_TURNS + 1)
    await live.send(no_consent, "hola", channel="whatsapp")
    await live.wait_outbound(no_consent, 1, channel="whatsapp")
    await import_loans(
        live, [loan_row(phone, ref_of(phone), due) for phone in (opted_out, never_wrote, no_consent)]
    )

    await send_reminders(live, moment(due, "before_3") + MINUTE)

    assert len(await live.outbound(opted_out)) == CONSENT_TURNS + 1
    assert (
        await live.outbound(never_wrote) == [] and await live.outbound(never_wrote, channel="whatsapp") == []
    )
    assert len(await live.outbound(no_consent, channel="whatsapp")) == 1
    for phone, reason in (
        (opted_out, "opted out"),
        (never_wrote, "no contact with the loan's phone"),
        (no_consent, "no consent for reminders"),
    ):
        before_3 = (await reminders_of(live, ref_of(phone)))["before_3"]
        assert (before_3.status, before_3.reason, before_3.message_id) == ("skipped", reason, None), phone
    assert [row.purpose for row in await outbound_rows(live, opted_out)][-1] != "repayment_reminder"
