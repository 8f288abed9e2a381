"""The payments' gateway commands (``{"famibot_command": NAME}`` from actions/payments.py), one table:
``payment_info``, ``report_payment``, ``cannot_pay``.

The person is found by phone number (``Loan.phone_e164`` = the contact's): never another person's
data. Each handler stores its change (claim, pause, ticket) and its replies in one transaction. They
work the same with or without a reminder before: the instalment a "ya pagué" concerns comes from
the database (the last reminder that went out), not from the dialogue's slots.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.command_payloads import without_commands
from bot.db import payments as db
from bot.db.loan_models import Instalment
from bot.db.models import Contact, Conversation, Message
from bot.handoff.hours import handoff_reply
from bot.handoff.tickets import request_handoff, wait_for
from bot.lessons.offering import offer_after_cannot_pay
from bot.logs import get_logger
from bot.menus import remember_menu
from bot.payments.choice import LoanStanding, claim_target, loan_of, standing
from bot.payments.words import long_date, payment_info, pesos
from bot.rasa_client import BotReply
from bot.replies import add_replies
from bot.runtime import Runtime

log = get_logger(__name__)

Handler = Callable[
    [Runtime, Conversation, Contact, Message, list[BotReply], dict[str, Any]], Awaitable[list[Message]]
]
CONTEXT_KEY = "pago"  # the ticket's answers: the loan context a consultant reads (never the cédula)


def local_today(runtime: Runtime, now: datetime) -> date:
    return now.astimezone(runtime.contact_hours.zone).date()


async def _loans(session: AsyncSession, contact: Contact) -> list[LoanStanding]:
    return [
        standing(loan, instalments)
        for loan, instalments in await db.loans_of_phone(session, phone_e164=contact.phone_e164)
    ]


async def _answer(
    runtime: Runtime,
    session: AsyncSession,
    conversation: Conversation,
    message: Message,
    replies: list[BotReply],
    text: str,
    then: list[BotReply] | None = None,
) -> list[Message]:
    told = [*without_commands(replies), BotReply(text=text), *(then or [])]
    stored, menu = await add_replies(runtime, session, conversation, message, told, purpose="reply")
    await remember_menu(runtime.redis, conversation.id, menu)
    return stored


def loan_context(loan: LoanStanding, instalment: Instalment | None, *, claim_id: int | None = None) -> str:
    """One line for the ticket: loan, instalment, amount left, due date, claim (no personal data)."""
    parts = [f"Crédito {loan.loan.loan_ref} ({loan.loan.product})"]
    if instalment is not None:
        left = max(instalment.amount_due - instalment.amount_paid, 0)
        parts.append(f"cuota {instalment.number}: {pesos(left)}, vence {instalment.due_on.isoformat()}")
    if claim_id is not None:
        parts.append(f"reporte de pago #{claim_id}")
    return ", ".join(parts)


async def payment_info_command(
    runtime: Runtime,
    conversation: Conversation,
    contact: Contact,
    message: Message,
    replies: list[BotReply],
    payload: dict[str, Any],
) -> list[Message]:
    """How much, when and where to pay; no loan for this number: said, and a person offered."""
    payments, now = runtime.payments, runtime.clock()
    async with runtime.sessions() as session, session.begin():
        loans = await _loans(session, contact)
        text = payment_info(
            payments.data.words,
            payments.channels,
            loans,
            channel=conversation.channel,
            today=local_today(runtime, now),
            sms_segments=runtime.settings.sms_segment_budget,
        )
        log.info("payment info given", conversation_id=conversation.id, loans=len(loans))
        return await _answer(runtime, session, conversation, message, replies, text)


async def report_payment(
    runtime: Runtime,
    conversation: Conversation,
    contact: Contact,
    message: Message,
    replies: list[BotReply],
    payload: dict[str, Any],
) -> list[Message]:
    """ "Ya pagué": a claim (open) on the instalment it most likely concerns, that instalment's reminders
    paused, a ticket for a consultant to verify; the reply says exactly that."""
    payments, now = runtime.payments, runtime.clock()
    words = payments.data.words
    async with runtime.sessions() as session, session.begin():
        loans = await _loans(session, contact)
        if not loans:
            return await _answer(runtime, session, conversation, message, replies, words.no_loan)
        ids = [i.id for loan in loans for i in loan.instalments]
        target = claim_target(
            loans,
            today=local_today(runtime, now),
            days_ahead=payments.data.claim_days_ahead,
            last_reminded=await db.last_reminded(session, instalment_ids=ids),
        )
        if target is None:
            return await _answer(runtime, session, conversation, message, replies, words.nothing_to_claim)
        claim = await db.open_claim(session, instalment_id=target.id)
        if claim is None:
            claim = await db.add_claim(
                session,
                instalment_id=target.id,
                conversation_id=conversation.id,
                message_id=message.id,
                at=now,
            )
        days = payments.data.pause_days_after_claim
        until = now + timedelta(days=days)
        paused = target.reminders_paused_until
        if paused is None or paused < until:
            target.reminders_paused_until = until
        ticket = await request_handoff(
            session,
            conversation_id=conversation.id,
            message_id=message.id,
            reason="payment_claim",
            answers={CONTEXT_KEY: loan_context(loan_of(loans, target), target, claim_id=claim.id)},
            at=now,
            rules=runtime.handoff,
        )
        left = max(target.amount_due - target.amount_paid, 0)
        text = words.claim_recorded.format(amount=pesos(left), date=long_date(target.due_on), days=days)
        log.info(
            "payment claim recorded",
            conversation_id=conversation.id,
            claim_id=claim.id,
            instalment_id=target.id,
            handoff_id=ticket.id,
        )
        return await _answer(runtime, session, conversation, message, replies, text)


async def cannot_pay(
    runtime: Runtime,
    conversation: Conversation,
    contact: Contact,
    message: Message,
    replies: list[BotReply],
    payload: dict[str, Any],
) -> list[Message]:
    """ "No puedo pagar": no blame, a ticket (reason cannot_pay, the most urgent) with the loan context,
    and when a consultant will write to look for a payment agreement; after a recent reminder, a
    course that helps (data/lesson_offers.yml, ``after_cannot_pay``)."""
    payments, now = runtime.payments, runtime.clock()
    words = payments.data.words
    async with runtime.sessions() as session, session.begin():
        loans = await _loans(session, contact)
        owing = [loan for loan in loans if loan.next_unpaid is not None] or loans
        context = "; ".join(loan_context(loan, loan.next_unpaid) for loan in owing)
        ticket = await request_handoff(
            session,
            conversation_id=conversation.id,
            message_id=message.id,
            reason="cannot_pay",
            answers={CONTEXT_KEY: context or "Sin crédito con este número"},
            at=now,
            rules=runtime.handoff,
        )
        wait = await wait_for(
            session, ticket=ticket, rules=runtime.handoff, hours=runtime.office_hours, now=now
        )
        first = words.cannot_pay if loans else words.cannot_pay_no_loan
        when = handoff_reply(runtime.office_hours, now, wait=wait.when, replies=words.cannot_pay_wait)
        log.info("cannot pay: ticket requested", conversation_id=conversation.id, handoff_id=ticket.id)
        course = await offer_after_cannot_pay(runtime, session, contact=contact, now=now)
        return await _answer(runtime, session, conversation, message, replies, f"{first} {when}", course)


PAYMENT_COMMANDS: dict[str, Handler] = {
    "payment_info": payment_info_command,
    "report_payment": report_payment,
    "cannot_pay": cannot_pay,
}
