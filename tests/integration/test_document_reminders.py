"""The reminder for missing documents through the real worker functions, a real database (SQLite and
PostgreSQL), Redis and the fake Twilio API served by the web app on loopback, with a controlled clock:
exactly once with two concurrent runs, at most twice, never outside the contact hours (a proactive row
that misses them waits, "deferred", and goes at the next opening), nothing for requests that are not
collecting, for opted-out contacts or for an SMS user who chose the office."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from bot.db import messages
from bot.db.models import Contact, Conversation, DocumentItem, DocumentRequest, Message
from bot.rasa_client import RasaClient
from bot.runtime import Runtime, build_runtime
from bot.worker import document_reminders_job, release_deferred_job, run_conversation_job
from tests.conftest import make_settings
from tests.e2e.processes import free_port
from tests.integration.web_server import serving
from tests.unit.test_contact_hours import bogota

PHONE = "+573104567890"
ITEMS = ("cedula_frente", "cedula_reverso", "recibo_servicio", "foto_negocio")


@dataclass
class Clock:
    now: datetime


@dataclass
class Live:
    runtime: Runtime
    clock: Clock
    control: httpx.AsyncClient
    rasa: RasaClient

    @property
    def ctx(self) -> dict[str, Any]:
        return {"runtime": self.runtime, "rasa": self.rasa, "job_try": 1}

    async def reminders(self) -> int:
        return await document_reminders_job(self.ctx)

    async def drain_queued(self) -> list[int]:
        """Run every queued conversation job as the worker would; the conversations it ran."""
        ran = []
        for job in await self.runtime.redis.queued_jobs(queue_name=self.runtime.settings.queue_name):
            await self.runtime.redis.delete(f"arq:job:{job.job_id}")
            await self.runtime.redis.zrem(self.runtime.settings.queue_name, job.job_id or "")
            await run_conversation_job(self.ctx, *job.args)
            ran.append(int(job.args[0]))
        return ran

    async def at_twilio(self, phone: str = PHONE, channel: str = "sms") -> list[dict[str, Any]]:
        to = f"whatsapp:{phone}" if channel == "whatsapp" else phone
        answer = await self.control.get("/fake-twilio/_control/messages", params={"to": to})
        return list(answer.json()["messages"])

    async def request(self, request_id: int) -> DocumentRequest:
        async with self.runtime.sessions() as session:
            found = await session.get(DocumentRequest, request_id)
        assert found is not None
        return found

    async def outbound(self, conversation_id: int) -> list[Message]:
        async with self.runtime.sessions() as session:
            rows = await session.scalars(
                select(Message)
                .where(Message.conversation_id == conversation_id, Message.direction == "out")
                .order_by(Message.id)
            )
            return list(rows.all())


@pytest.fixture
async def live(database_url: str, redis_db: int, tmp_path: Path) -> AsyncIterator[Live]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings = make_settings(
        database_url, redis_db, media_dir=tmp_path / "media", public_base_url=base,
        twilio_api_base_url=f"{base}/fake-twilio",
    )  # fmt: skip
    async with serving(settings, port):
        runtime = await build_runtime(settings)
        clock = Clock(bogota("2026-12-02 10:00"))  # a Wednesday morning
        runtime.clock = lambda: clock.now
        rasa = RasaClient(
            base_url="http://127.0.0.1:9", token="unused", client=runtime.http, timeout_s=1,
            actions_url="http://127.0.0.1:9",
        )  # fmt: skip
        control = httpx.AsyncClient(base_url=base, timeout=10)
        try:
            yield Live(runtime, clock, control, rasa)
        finally:
            await control.aclose()
            await runtime.close()


async def open_request(
    live: Live,
    *,
    due: datetime,
    channel: str = "sms",
    phone: str = PHONE,
    status: str = "collecting",
    received: int = 1,
    sent: int = 0,
    opted_out: bool = False,
    owner: str = "bot",
    sms_route: str | None = None,
    last_inbound: datetime | None = None,
) -> tuple[int, int]:
    """A request for ITEMS with the first ``received`` in; (request id, conversation id)."""
    last_inbound = last_inbound or due - timedelta(days=2)
    async with live.runtime.sessions() as session, session.begin():
        contact = await session.scalar(select(Contact).where(Contact.phone_e164 == phone))
        if contact is None:  # a second request of the same person joins their contact
            contact = Contact(phone_e164=phone, profile_name="Ana María")
            session.add(contact)
        contact.last_inbound_at = last_inbound
        if channel == "whatsapp":
            contact.last_whatsapp_inbound_at = last_inbound
        contact.opted_out_at = last_inbound if opted_out else None
        await session.flush()
        conversation = Conversation(
            rasa_sender_id=uuid.uuid4().hex, contact_id=contact.id, channel=channel, owner=owner
        )
        session.add(conversation)
        await session.flush()
        request = DocumentRequest(
            conversation_id=conversation.id, contact_id=contact.id, product_id="microcredito_empresarial",
            formal=False, status=status, sms_route=sms_route, reminders_sent=sent, next_reminder_at=due,
        )  # fmt: skip
        session.add(request)
        await session.flush()
        for position, item_id in enumerate(ITEMS):
            state = "received" if position < received else "pending"
            session.add(DocumentItem(request_id=request.id, item_id=item_id, position=position, status=state))
    return request.id, conversation.id


async def test_two_concurrent_runs_send_one_reminder_and_schedule_the_next(live: Live) -> None:
    request_id, conversation_id = await open_request(live, due=live.clock.now - timedelta(minutes=1))
    counts = await asyncio.gather(live.reminders(), live.reminders())
    assert sorted(counts) == [0, 1]
    assert await live.drain_queued() == [conversation_id]
    [sent] = await live.at_twilio()
    assert sent["body"] == (
        "Hola. Su solicitud de crédito sigue abierta. Documentos que faltan: 3. "  # é is GSM-7
        "Escriba ¿qué me falta? y le decimos como enviarlos."
    )
    assert sent["validity_period_s"] == 9 * 3600  # Twilio drops it if still queued at 19:00
    [row] = await live.outbound(conversation_id)
    assert (row.purpose, row.twilio_sid, row.encoding, row.segments) == (
        "document_reminder", sent["sid"], "GSM-7", 1,
    )  # fmt: skip
    request = await live.request(request_id)
    assert request.reminders_sent == 1
    assert request.next_reminder_at == bogota("2026-12-04 10:00")  # 48 h later, a Friday morning
    assert await live.reminders() == 0  # not due again before then
    assert await live.drain_queued() == []
    assert len(await live.at_twilio()) == 1


async def test_at_most_two_reminders(live: Live) -> None:
    request_id, _ = await open_request(live, due=live.clock.now)
    assert await live.reminders() == 1
    live.clock.now = (await live.request(request_id)).next_reminder_at or live.clock.now
    assert await live.reminders() == 1
    request = await live.request(request_id)
    assert (request.reminders_sent, request.next_reminder_at) == (2, None)
    live.clock.now += timedelta(days=7)
    assert await live.reminders() == 0
    await live.drain_queued()
    assert len(await live.at_twilio()) == 2


async def test_due_on_saturday_afternoon_goes_on_monday_at_seven(live: Live) -> None:
    request_id, _ = await open_request(live, due=bogota("2026-12-05 14:30"))
    for moment in ("2026-12-05 15:00", "2026-12-05 22:00", "2026-12-06 10:00", "2026-12-07 06:59:59"):
        live.clock.now = bogota(moment)
        assert await live.reminders() == 0, moment  # the law's hours are closed: nothing is counted
    assert (await live.request(request_id)).reminders_sent == 0
    live.clock.now = bogota("2026-12-07 07:00")
    assert await live.reminders() == 1
    await live.drain_queued()
    assert len(await live.at_twilio()) == 1
    assert (await live.request(request_id)).next_reminder_at == bogota("2026-12-09 07:00")


async def test_a_reminder_that_misses_the_hours_is_deferred_and_goes_at_the_next_opening(
    live: Live,
) -> None:
    live.clock.now = bogota("2026-12-05 14:59:30")  # Saturday, half a minute before 15:00
    _, conversation_id = await open_request(
        live, due=live.clock.now, channel="whatsapp", last_inbound=live.clock.now - timedelta(days=3)
    )
    assert await live.reminders() == 1
    live.clock.now = bogota("2026-12-05 15:00:01")  # the send happens after the hours closed
    await live.drain_queued()
    [row] = await live.outbound(conversation_id)
    assert (row.status, row.twilio_sid) == ("deferred", None)
    assert await live.at_twilio(channel="whatsapp") == []
    for moment in ("2026-12-05 18:00", "2026-12-06 12:00", "2026-12-07 06:59"):
        live.clock.now = bogota(moment)
        assert await release_deferred_job(live.ctx) == 0, moment
        assert await live.drain_queued() == []
    live.clock.now = bogota("2026-12-07 07:00")
    assert await release_deferred_job(live.ctx) == 1
    assert await live.drain_queued() == [conversation_id]
    [sent] = await live.at_twilio(channel="whatsapp")
    template = live.runtime.templates.by_name("recordar_documentos")
    assert template is not None and sent["content_sid"] == template.content_sid
    assert sent["validity_period_s"] == 36_000  # Monday 07:00: 12 h left, Twilio's ceiling
    assert json.loads(sent["content_variables"]) == {"1": "Ana", "2": "3", "3": "Cédula por detrás"}
    [row] = await live.outbound(conversation_id)
    assert row.twilio_sid == sent["sid"] and row.status not in ("deferred", "pending")


async def test_whatsapp_inside_the_window_gets_free_text(live: Live) -> None:
    await open_request(
        live, due=live.clock.now, channel="whatsapp", last_inbound=live.clock.now - timedelta(hours=3),
        received=3,
    )  # fmt: skip
    assert await live.reminders() == 1
    await live.drain_queued()
    [sent] = await live.at_twilio(channel="whatsapp")
    assert not sent["content_sid"]
    assert "Documentos que faltan: 1. El siguiente: Foto del negocio." in sent["body"]


@pytest.mark.parametrize(
    ("label", "kwargs"),
    [
        ("complete", {"status": "complete"}),
        ("closed", {"status": "closed"}),
        ("opted out", {"opted_out": True}),
        ("a consultant holds the conversation", {"owner": "consultant"}),
        ("already reminded twice", {"sent": 2}),
        ("not due yet", {"due_in": timedelta(minutes=5)}),
    ],
)
async def test_no_reminder(live: Live, label: str, kwargs: dict[str, Any]) -> None:
    kwargs = dict(kwargs)  # the parameters are shared by both databases' runs
    due = live.clock.now + kwargs.pop("due_in", timedelta(minutes=-1))
    request_id, conversation_id = await open_request(live, due=due, **kwargs)
    assert await live.reminders() == 0, label
    assert await live.outbound(conversation_id) == []
    assert (await live.request(request_id)).reminders_sent == kwargs.get("sent", 0)


@pytest.mark.parametrize(
    ("label", "kwargs"),
    [
        ("nothing missing", {"received": len(ITEMS)}),
        ("SMS user bringing them to the office", {"sms_route": "office"}),
    ],
)
async def test_reminders_stop_when_none_is_needed(live: Live, label: str, kwargs: dict[str, Any]) -> None:
    request_id, conversation_id = await open_request(live, due=live.clock.now, **kwargs)
    assert await live.reminders() == 0, label
    request = await live.request(request_id)
    assert (request.reminders_sent, request.next_reminder_at) == (0, None)
    assert await live.outbound(conversation_id) == []


async def test_an_opt_out_cancels_a_deferred_reminder(live: Live) -> None:
    live.clock.now = bogota("2026-12-05 14:59:30")
    _, conversation_id = await open_request(live, due=live.clock.now)
    assert await live.reminders() == 1
    live.clock.now = bogota("2026-12-05 16:00")
    await live.drain_queued()
    [row] = await live.outbound(conversation_id)
    assert row.status == "deferred"
    async with live.runtime.sessions() as session, session.begin():
        contact = await session.scalar(select(Contact).where(Contact.phone_e164 == PHONE))
        assert contact is not None
        assert await messages.cancel_unsent_to_contact(session, contact_id=contact.id) == 1
    live.clock.now = bogota("2026-12-07 07:00")
    assert await release_deferred_job(live.ctx) == 0
    assert await live.at_twilio() == []


async def test_one_reminder_a_day_per_person(live: Live) -> None:
    """Two requests of one person (their SMS and their WhatsApp conversation) due at once: one today,
    the other the next day (data/contact_hours.yml max_per_day_per_kind)."""
    sms_request, _ = await open_request(live, due=live.clock.now - timedelta(minutes=2))
    whatsapp_request, _ = await open_request(
        live, due=live.clock.now - timedelta(minutes=1), channel="whatsapp"
    )
    assert await live.reminders() == 1
    assert await live.reminders() == 0
    live.clock.now = bogota("2026-12-02 18:59")
    assert await live.reminders() == 0  # still the same day in Bogotá
    assert (await live.request(whatsapp_request)).reminders_sent == 0
    live.clock.now = bogota("2026-12-03 07:00")
    assert await live.reminders() == 1
    assert (await live.request(sms_request)).reminders_sent == 1
    assert (await live.request(whatsapp_request)).reminders_sent == 1
