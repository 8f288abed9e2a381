"""A conversation a consultant owns never reaches Rasa — the worker's real turn path (run_conversation,
the lock, the fake Twilio API for sends) with an HTTP Rasa stand-in, on SQLite and PostgreSQL.

Rasa's own pause would end at its next session start (60 min without messages); ownership lives in
our database, so an hour later the bot still stays silent. Time is moved by ageing every stored
timestamp (and the stand-in's session clock) by 61 minutes.
"""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import conversations, messages
from bot.db.models import Contact, Conversation, HandoffRequest, Message, TicketEvent, User, utcnow
from bot.db.tickets import close_not_closed
from bot.handoff.owned import FOR_CONSULTANT
from bot.handoff.tickets import claim, request_handoff
from bot.rasa_client import RasaClient
from bot.runtime import Runtime
from bot.turns import run_conversation
from bot.worker import recover_stalled
from tests.integration.fake_twilio_app import attach_fake_twilio

PHONE = "+573004445566"
SESSION_EXPIRY = timedelta(minutes=60)


class RasaStandIn:
    """Answers every message; like Rasa, it would start a new (un-paused) session after 60 minutes."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.sessions_started = 0
        self.last_seen: Any = None

    def handler(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/webhooks/rest/webhook":
            now = utcnow()
            if self.last_seen is None or now - self.last_seen > SESSION_EXPIRY:
                self.sessions_started += 1
            self.last_seen = now
            self.calls.append(json.loads(request.content))
            return httpx.Response(200, json=[{"recipient_id": "x", "text": "Hola, soy el bot"}])
        if request.url.path.endswith("/tracker"):
            return httpx.Response(200, json={"events": [], "slots": {}})
        if request.url.path in ("/", "/health"):
            return httpx.Response(200, json={"status": "ok"})
        return httpx.Response(404)

    def client(self) -> RasaClient:
        http = httpx.AsyncClient(transport=httpx.MockTransport(self.handler))
        return RasaClient(base_url="http://rasa", token="tok", client=http, timeout_s=2)


async def _marta_claims(
    session: AsyncSession, runtime: Runtime, conversation_id: int
) -> tuple[HandoffRequest, User]:
    """A consultant of Bello asks for the conversation's ticket and claims it."""
    user = User(username="marta", display_name="Marta", password_hash="x", role="consultant", branch="bello")
    session.add(user)
    await session.flush()
    ticket = await request_handoff(
        session, conversation_id=conversation_id, message_id=None, reason="user_asked",
        answers={}, at=utcnow(), rules=runtime.handoff,
    )  # fmt: skip
    assert (await claim(session, ticket_id=ticket.id, user=user, at=utcnow())).ok
    return ticket, user


async def _owned_conversation(runtime: Runtime) -> tuple[int, int, User]:
    async with runtime.sessions() as session, session.begin():
        contact_id = await conversations.upsert_contact(
            session, phone_e164=PHONE, seen_at=utcnow(), channel="sms"
        )
        conversation_id = await conversations.upsert_conversation(
            session, contact_id=contact_id, channel="sms", seen_at=utcnow()
        )
        ticket, user = await _marta_claims(session, runtime, conversation_id)
    return conversation_id, ticket.id, user


async def _write(runtime: Runtime, conversation_id: int, body: str, **extra: Any) -> int:
    async with runtime.sessions() as session, session.begin():
        message_id = await messages.insert_inbound(
            session, conversation_id=conversation_id, message_sid="SM" + uuid.uuid4().hex,
            body=body, media=extra.get("media", []), button_payload=extra.get("button_payload"),
            received_at=utcnow(),
        )  # fmt: skip
    assert message_id is not None
    return message_id


async def _message(runtime: Runtime, message_id: int) -> Message:
    async with runtime.sessions() as session:
        found = await session.get(Message, message_id)
    assert found is not None
    return found


async def _outbound(runtime: Runtime) -> list[Message]:
    async with runtime.sessions() as session:
        return list((await session.scalars(select(Message).where(Message.direction == "out"))).all())


async def _age_everything(runtime: Runtime, by: timedelta) -> None:
    """Move every stored time back by ``by``: the database's view of "61 minutes later"."""
    tables = {
        Message: ("created_at", "updated_at"),
        HandoffRequest: ("requested_at", "claimed_at", "updated_at"),
        TicketEvent: ("at",),
        Conversation: ("created_at", "last_inbound_at"),
        Contact: ("created_at", "last_inbound_at"),
    }
    async with runtime.sessions() as session, session.begin():
        for table, columns in tables.items():
            for row in (await session.scalars(select(table))).all():
                for name in columns:
                    if getattr(row, name) is not None:
                        setattr(row, name, getattr(row, name) - by)


async def test_owned_conversation_is_stored_for_the_consultant_and_never_reaches_rasa(
    runtime: Runtime,
) -> None:
    attach_fake_twilio(runtime)
    rasa = RasaStandIn()
    conversation_id, ticket_id, _ = await _owned_conversation(runtime)
    async with runtime.sessions() as session:
        before = (await session.get(HandoffRequest, ticket_id)).updated_at  # type: ignore[union-attr]

    text = await _write(runtime, conversation_id, "hola, ¿sigue ahí?")
    button = await _write(runtime, conversation_id, "Sí", button_payload="/affirm")
    media = await _write(
        runtime,
        conversation_id,
        "",
        media=[{"url": "https://api.twilio.com/x", "content_type": "image/jpeg"}],
    )
    menu_choice = await _write(runtime, conversation_id, "1")
    assert await run_conversation(runtime, rasa.client(), conversation_id) == 4
    assert rasa.calls == []
    for message_id in (text, button, menu_choice):
        stored = await _message(runtime, message_id)
        assert (stored.status, stored.error_detail) == (FOR_CONSULTANT, None)
    held = await _message(runtime, media)  # no consent: the file is held, as for the bot
    assert held.status == FOR_CONSULTANT and held.media[0]["held"] == "no_consent"
    assert await _outbound(runtime) == []
    async with runtime.sessions() as session:
        ticket = await session.get(HandoffRequest, ticket_id)
    assert ticket is not None and ticket.updated_at > before and ticket.status == "claimed"

    # 61 minutes later (Rasa would have started a new, un-paused session): still silent.
    await _age_everything(runtime, timedelta(minutes=61))
    assert await recover_stalled({"runtime": runtime}) == 0  # stored for the consultant: not stalled
    late = await _write(runtime, conversation_id, "¿hola? ya pasó una hora")
    assert await run_conversation(runtime, rasa.client(), conversation_id) == 1
    assert rasa.calls == [] and (await _message(runtime, late)).status == FOR_CONSULTANT
    assert await _outbound(runtime) == []

    # Keywords still work while owned: help is answered by the gateway, not by Rasa.
    await _write(runtime, conversation_id, "AYUDA")
    await run_conversation(runtime, rasa.client(), conversation_id)
    [help_reply] = await _outbound(runtime)
    assert help_reply.purpose == "help" and rasa.calls == []

    # Handed back to the bot: the next message is answered by Rasa.
    async with runtime.sessions() as session, session.begin():
        await close_not_closed(session, conversation_id=conversation_id, outcome="handed_back", at=utcnow())
    answered = await _write(runtime, conversation_id, "gracias")
    await run_conversation(runtime, rasa.client(), conversation_id)
    assert [call["message"] for call in rasa.calls] == ["gracias"]
    assert (await _message(runtime, answered)).status == "answered"
    assert [row.body for row in await _outbound(runtime)][-1] == "Hola, soy el bot"


async def test_opting_out_of_an_owned_conversation_closes_its_ticket(runtime: Runtime) -> None:
    attach_fake_twilio(runtime)
    rasa = RasaStandIn()
    conversation_id, ticket_id, _ = await _owned_conversation(runtime)
    await _write(runtime, conversation_id, "PARAR")
    await run_conversation(runtime, rasa.client(), conversation_id)
    async with runtime.sessions() as session:
        ticket = await session.get(HandoffRequest, ticket_id)
        conversation = await session.get(Conversation, conversation_id)
        contact = (await session.scalars(select(Contact))).one()
        closed = (await session.scalars(select(TicketEvent).where(TicketEvent.kind == "closed"))).one()
    assert ticket is not None and (ticket.status, ticket.outcome) == ("closed", "opted_out")
    assert ticket.closed_at is not None and closed.detail == {"outcome": "opted_out"}
    assert conversation is not None and conversation.owner == "bot" and contact.opted_out
    [confirmation] = await _outbound(runtime)
    assert confirmation.purpose == "opt_out_confirmation" and rasa.calls == []
    # Back in: the bot answers again (no consultant owns the conversation any more).
    await _write(runtime, conversation_id, "ALTA")
    await _write(runtime, conversation_id, "hola")
    await run_conversation(runtime, rasa.client(), conversation_id)
    assert [call["message"] for call in rasa.calls] == ["hola"]


async def test_a_claim_between_two_messages_is_seen_by_the_next_turn(runtime: Runtime) -> None:
    """The worker reads the owner for each message, not once per drain."""
    attach_fake_twilio(runtime)
    rasa = RasaStandIn()
    async with runtime.sessions() as session, session.begin():
        contact_id = await conversations.upsert_contact(
            session, phone_e164=PHONE, seen_at=utcnow(), channel="sms"
        )
        conversation_id = await conversations.upsert_conversation(
            session, contact_id=contact_id, channel="sms", seen_at=utcnow()
        )
    await _write(runtime, conversation_id, "hola")
    await run_conversation(runtime, rasa.client(), conversation_id)
    assert len(rasa.calls) == 1
    async with runtime.sessions() as session, session.begin():
        await _marta_claims(session, runtime, conversation_id)
    kept = await _write(runtime, conversation_id, "¿me ayuda con el crédito?")
    await run_conversation(runtime, rasa.client(), conversation_id)
    assert len(rasa.calls) == 1 and (await _message(runtime, kept)).status == FOR_CONSULTANT
