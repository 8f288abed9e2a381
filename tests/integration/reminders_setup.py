"""Shared setup for the repayment reminder tests: the web app (fake Twilio API) on loopback, a runtime
with a controlled clock, Rasa as an ``httpx.MockTransport`` that records ``trigger_intent`` calls, and
loans, instalments, contacts and consents inserted directly (the import is not under test here)."""

from __future__ import annotations

import itertools
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select

from bot.db.loan_models import Instalment, Loan, RepaymentReminder
from bot.db.models import Consent, Contact, Conversation, Message
from bot.rasa_client import RasaClient
from bot.runtime import Runtime, build_runtime
from bot.settings import Settings
from tests.conftest import make_settings
from tests.e2e.processes import free_port
from tests.integration.web_server import serving
from tests.unit.test_contact_hours import bogota

PHONE = "+573104567890"
PURPOSES = ["evaluar su solicitud de crédito", "contactarle sobre ella", "enviarle recordatorios"]
_refs = itertools.count(1)


@dataclass
class Clock:
    now: datetime


@dataclass
class FakeRasa:
    """Rasa's HTTP API as far as reminders use it: ``trigger_intent`` with the token."""

    up: bool = True
    status: int = 200
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def handler(self, request: httpx.Request) -> httpx.Response:
        if not request.url.path.endswith("/trigger_intent"):
            return httpx.Response(404)
        assert request.url.params["token"] == "tok"
        if not self.up:
            raise httpx.ConnectError("rasa is down")
        sender = request.url.path.split("/")[2]
        self.calls.append((sender, json.loads(request.content)))
        return httpx.Response(self.status, json={"tracker": {}, "messages": []})

    def client(self) -> RasaClient:
        http = httpx.AsyncClient(transport=httpx.MockTransport(self.handler))
        return RasaClient(base_url="http://rasa", token="tok", client=http, timeout_s=2)


@dataclass
class Live:
    runtime: Runtime
    clock: Clock
    control: httpx.AsyncClient
    rasa: FakeRasa

    @property
    def ctx(self) -> dict[str, Any]:
        return {"runtime": self.runtime, "rasa": self.rasa.client(), "job_try": 1}

    async def at_twilio(self, phone: str = PHONE, channel: str = "sms") -> list[dict[str, Any]]:
        to = f"whatsapp:{phone}" if channel == "whatsapp" else phone
        answer = await self.control.get("/fake-twilio/_control/messages", params={"to": to})
        return list(answer.json()["messages"])

    async def reminders(self) -> dict[str, RepaymentReminder]:
        async with self.runtime.sessions() as session:
            rows = await session.scalars(select(RepaymentReminder).order_by(RepaymentReminder.id))
            return {f"{row.instalment_id}:{row.step}": row for row in rows.all()}

    async def reminder(self, instalment_id: int, step: str) -> RepaymentReminder:
        return (await self.reminders())[f"{instalment_id}:{step}"]

    async def outbound(self) -> list[Message]:
        async with self.runtime.sessions() as session:
            rows = await session.scalars(
                select(Message).where(Message.direction == "out").order_by(Message.id)
            )
            return list(rows.all())


def live_settings(database_url: str, redis_db: int, base: str, **overrides: object) -> Settings:
    return make_settings(
        database_url, redis_db, public_base_url=base, twilio_api_base_url=f"{base}/fake-twilio", **overrides
    )


@asynccontextmanager
async def live_app(database_url: str, redis_db: int, tmp_path: Any) -> AsyncIterator[Live]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings = live_settings(database_url, redis_db, base, media_dir=tmp_path / "media")
    async with serving(settings, port):
        runtime = await build_runtime(settings)
        clock = Clock(bogota("2026-11-20 10:00"))  # a Friday morning, two weeks before the due dates
        runtime.clock = lambda: clock.now
        control = httpx.AsyncClient(base_url=base, timeout=10)
        try:
            yield Live(runtime, clock, control, FakeRasa())
        finally:
            await control.aclose()
            await runtime.close()


async def borrower(
    runtime: Runtime,
    *,
    phone: str = PHONE,
    channel: str = "sms",
    last_inbound: datetime | None = None,
    consent: bool | None = True,
    purposes: list[str] | None = None,
    opted_out: bool = False,
    owner: str = "bot",
) -> int:
    """A contact with one conversation (and its consent answer); the conversation's id."""
    last_inbound = last_inbound or bogota("2026-11-01 10:00")
    async with runtime.sessions() as session, session.begin():
        contact = Contact(phone_e164=phone, profile_name="Ana María", last_inbound_at=last_inbound)
        if channel == "whatsapp":
            contact.last_whatsapp_inbound_at = last_inbound
        contact.opted_out_at = last_inbound if opted_out else None
        session.add(contact)
        await session.flush()
        conversation = Conversation(
            rasa_sender_id=uuid.uuid4().hex, contact_id=contact.id, channel=channel, owner=owner,
            last_inbound_at=last_inbound,
        )  # fmt: skip
        session.add(conversation)
        await session.flush()
        if consent is not None:
            session.add(
                Consent(
                    contact_id=contact.id, conversation_id=conversation.id, accepted=consent, channel=channel,
                    text_version="v" * 64, purposes=PURPOSES if purposes is None else purposes,
                    answered_at=last_inbound,
                )
            )  # fmt: skip
        return conversation.id


async def instalment(
    runtime: Runtime,
    *,
    due_on: date,
    phone: str = PHONE,
    amount_due: int = 350_000,
    amount_paid: int = 0,
    status: str = "pending",
    number: int = 1,
    paused_until: datetime | None = None,
) -> int:
    """A loan with one instalment; the instalment's id."""
    async with runtime.sessions() as session, session.begin():
        loan = Loan(
            loan_ref=f"L-{next(_refs):05d}-{uuid.uuid4().hex[:6]}", product="microcredito_empresarial",
            national_id="1017123456", phone_e164=phone, disbursed_on=due_on - timedelta(days=60),
        )  # fmt: skip
        session.add(loan)
        await session.flush()
        row = Instalment(
            loan_id=loan.id, number=number, due_on=due_on, amount_due=amount_due, amount_paid=amount_paid,
            status=status, reminders_paused_until=paused_until,
        )  # fmt: skip
        session.add(row)
        await session.flush()
        return row.id


async def mark_paid(runtime: Runtime, instalment_id: int) -> None:
    async with runtime.sessions() as session, session.begin():
        row = await session.get(Instalment, instalment_id)
        assert row is not None
        row.status, row.amount_paid = "paid", row.amount_due
