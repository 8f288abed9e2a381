"""What the repayment-reminder end-to-end tests do to the real stack: import loans through
`POST /api/loans`, run `python -m bot.cli send-reminders --demo-now …` as its own process, pick due
dates whose reminder moments fall where a test needs them, and read the rows back."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import create_async_engine

from bot.contact_hours import CONTACT_HOURS_FILE, ContactHours, load_contact_hours
from bot.db.engine import make_session_factory
from bot.db.loan_models import Instalment, Loan, RepaymentReminder
from bot.db.models import Contact, Conversation, HandoffRequest, Message, utcnow
from bot.reminders.planning import Planner
from bot.reminders.policy import load_policy
from bot.settings import DEV_LOANS_API_TOKEN, to_async_url
from tests.e2e.conftest import APP_PYTHON, Stack
from tests.e2e.processes import ROOT

AMOUNT = 350_000
HOURS: ContactHours = load_contact_hours(ROOT / "data" / CONTACT_HOURS_FILE)
PLANNER = Planner(load_policy(ROOT / "data" / "repayment_reminders.yml"), HOURS)
SOON = timedelta(minutes=2)  # a moment must be at least this far ahead of the real clock


def pick_due(fits: Callable[[date], bool]) -> date:
    """The first due date from today (Bogotá) whose reminder moments ``fits``."""
    today = datetime.now(HOURS.zone).date()
    for offset in range(30):
        due = today + timedelta(days=offset)
        if fits(due):
            return due
    raise AssertionError("no due date in the next 30 days fits")


def moment(due: date, step: str) -> datetime:
    return PLANNER.moment(due, step)


def all_ahead(due: date) -> bool:
    """Every step of ``due`` is still to come on the real clock: the stack's own worker (which
    dispatches what is due on the real clock) never has one of them to send."""
    return moment(due, "before_3") > utcnow() + SOON


def avoid_worker_planning() -> None:
    """The stack's worker plans every 10 minutes at second 15. A test whose loan has a step already
    live on the real clock imports it and plans it at its demo moment at once, outside that slot, so
    the worker never plans (and sends) that step on the real clock."""
    while True:
        now = datetime.now()
        slot = now.minute % 10
        if not ((slot == 0 and now.second <= 25) or (slot == 9 and now.second >= 55)):
            return
        time.sleep(1)


def loan_row(phone: str, loan_ref: str, due: date, *, number: int = 1, paid: int = 0) -> dict[str, Any]:
    return {
        "phone": phone.removeprefix("+57"),  # the way a core banking system writes it
        "national_id": "1036" + phone[-6:],
        "loan_id": loan_ref,
        "product": "microcredito_empresarial",
        "disbursed_on": (due - timedelta(days=40)).isoformat(),
        "instalment_number": number,
        "due_date": due.isoformat(),
        "amount_due": AMOUNT,
        "amount_paid": paid,
        "status": "pagada" if paid >= AMOUNT else "pendiente",
    }


async def import_loans(live: Stack, rows: list[dict[str, Any]]) -> dict[str, Any]:
    response = await live.http.post(
        "/api/loans", json={"rows": rows}, headers={"Authorization": f"Bearer {DEV_LOANS_API_TOKEN}"}
    )
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    assert answer["rejected"] == [], answer
    return answer


async def cli(live: Stack, *args: str) -> str:
    """``python -m bot.cli ARGS`` with the stack's settings, as an operator would run it."""
    process = await asyncio.create_subprocess_exec(
        APP_PYTHON, "-m", "bot.cli", *args, cwd=ROOT, env=live.env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, (
        f"bot.cli {args} exited {process.returncode}:\n{out.decode()}{err.decode()}"
    )
    return out.decode()


async def send_reminders(live: Stack, at: datetime) -> str:
    return await cli(live, "send-reminders", "--demo-now", at.isoformat())


async def consented(live: Stack, phone: str, channel: str) -> None:
    """The person writes, accepts the consent (which lists "enviarle recordatorios") and leaves the
    loan questions for later, as someone who only wanted to say hello would."""
    for count, text in enumerate(["quiero un credito", "Acepto", "ya no quiero seguir"], start=1):
        assert (await live.send(phone, text, channel=channel)).status_code == 200
        await live.wait_outbound(phone, count, channel=channel)


async def reply_to(live: Stack, phone: str, text: str, channel: str) -> str:
    before = len(await live.outbound(phone, channel=channel))
    assert (await live.send(phone, text, channel=channel)).status_code == 200
    await live.wait_outbound(phone, before + 1, channel=channel)
    await asyncio.sleep(0.5)  # a turn may send more than one message
    return "\n".join(str(m["body"]) for m in (await live.outbound(phone, channel=channel))[before:])


@dataclass(frozen=True)
class ReminderRow:
    step: str
    status: str
    reason: str | None
    planned_at: datetime
    message_id: int | None


async def read(live: Stack, work: Callable[[Any], Any]) -> Any:
    engine = create_async_engine(to_async_url(live.database_url))
    try:
        async with make_session_factory(engine)() as session:
            return await work(session)
    finally:
        await engine.dispose()


async def wrote_before(live: Stack, phone: str, at: datetime) -> None:
    """The person's last WhatsApp message is made an hour before ``at``: a reminder dispatched at the
    demo moment ``at`` (any day of the week) finds their 24 h window open. Only the time moves: the
    message itself was really sent through the webhook (``consented``)."""

    async def work(session: Any) -> None:
        written = at - timedelta(hours=1)
        await session.execute(
            update(Contact)
            .where(Contact.phone_e164 == phone)
            .values(last_inbound_at=written, last_whatsapp_inbound_at=written)
        )
        await session.commit()

    await read(live, work)


async def reminders_of(live: Stack, loan_ref: str) -> dict[str, ReminderRow]:
    async def work(session: Any) -> dict[str, ReminderRow]:
        rows = await session.execute(
            select(RepaymentReminder)
            .join(Instalment, Instalment.id == RepaymentReminder.instalment_id)
            .join(Loan, Loan.id == Instalment.loan_id)
            .where(Loan.loan_ref == loan_ref)
        )
        return {r.step: ReminderRow(r.step, r.status, r.reason, r.planned_at, r.message_id) for (r,) in rows}

    result: dict[str, ReminderRow] = await read(live, work)
    return result


async def instalment_of(live: Stack, loan_ref: str) -> Instalment:
    async def work(session: Any) -> Instalment:
        return (
            await session.scalars(
                select(Instalment).join(Loan, Loan.id == Instalment.loan_id).where(Loan.loan_ref == loan_ref)
            )
        ).one()

    found: Instalment = await read(live, work)
    return found


async def outbound_rows(live: Stack, phone: str) -> list[Message]:
    async def work(session: Any) -> list[Message]:
        rows = await session.scalars(
            select(Message)
            .join(Conversation, Conversation.id == Message.conversation_id)
            .join(Contact, Contact.id == Conversation.contact_id)
            .where(Contact.phone_e164 == phone, Message.direction == "out")
            .order_by(Message.id)
        )
        return list(rows.all())

    found: list[Message] = await read(live, work)
    return found


async def tickets_of(live: Stack, phone: str) -> list[HandoffRequest]:
    async def work(session: Any) -> list[HandoffRequest]:
        rows = await session.scalars(
            select(HandoffRequest)
            .join(Conversation, Conversation.id == HandoffRequest.conversation_id)
            .join(Contact, Contact.id == Conversation.contact_id)
            .where(Contact.phone_e164 == phone)
            .order_by(HandoffRequest.id)
        )
        return list(rows.all())

    found: list[HandoffRequest] = await read(live, work)
    return found
