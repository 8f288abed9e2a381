"""After a hand-back Rasa is given the consultant's lines as bot events, once, before the bot's next
turn; Rasa down makes the turn wait, it never skips the lines (real database and Redis; Rasa is an
``httpx.MockTransport`` that records the order of the calls)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest
from arq import Retry
from sqlalchemy import select

from bot.db import messages
from bot.db.models import Conversation, Message, TicketEvent, utcnow
from bot.handoff.closing import hand_back
from bot.handoff.consultant import consultant_reply
from bot.rasa_client import RasaClient
from bot.runtime import Runtime
from bot.turn_failures import TurnPostponed
from bot.turns import run_conversation
from bot.worker import tell_rasa_job
from tests.integration.consultant_setup import claimed_conversation
from tests.integration.fake_twilio_app import attach_fake_twilio


class RecordingRasa:
    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []  # (path, body) in order
        self.events_status = 200
        self.up = True

    def handler(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/":
            return httpx.Response(200 if self.up else 503)
        if path.endswith("/tracker/events"):
            assert request.url.params["token"] == "tok"
            self.calls.append((path, json.loads(request.content)))
            return httpx.Response(self.events_status, json={})
        if path.endswith("/tracker"):  # a retried message: did the earlier try reach Rasa? (no)
            return httpx.Response(200, json={"events": []})
        if path == "/webhooks/rest/webhook":
            self.calls.append((path, json.loads(request.content)))
            return httpx.Response(
                200, json=[{"recipient_id": "x", "text": "Con gusto. ¿Seguimos con su crédito?"}]
            )
        return httpx.Response(404)

    def client(self) -> RasaClient:
        http = httpx.AsyncClient(transport=httpx.MockTransport(self.handler))
        return RasaClient(base_url="http://rasa", token="tok", client=http, timeout_s=2)


async def _inbound(runtime: Runtime, conversation_id: int, body: str) -> None:
    async with runtime.sessions() as session, session.begin():
        await messages.insert_inbound(
            session,
            conversation_id=conversation_id,
            message_sid="SM" + uuid.uuid4().hex,
            body=body,
            media=[],
            button_payload=None,
            received_at=utcnow(),
        )


async def _told(runtime: Runtime) -> list[dict[str, Any]]:
    async with runtime.sessions() as session:
        rows = await session.scalars(select(TicketEvent).where(TicketEvent.kind == "rasa_told"))
        return [row.detail for row in rows.all()]


async def _handed_back_with_two_lines(runtime: Runtime) -> tuple[int, str]:
    claimed = await claimed_conversation(runtime, channel="sms")
    for text in ("Hola, soy Carla.", "No se pudo enviar", "Le escribo mañana con la respuesta."):
        await consultant_reply(
            runtime, ticket_id=claimed.ticket_id, user=claimed.consultant, text=text, at=utcnow()
        )
    async with runtime.sessions() as session, session.begin():  # the worker refused the second one
        refused = (await session.scalars(select(Message).where(Message.body == "No se pudo enviar"))).one()
        refused.status = "refused"
    assert (await hand_back(runtime, ticket_id=claimed.ticket_id, user=claimed.consultant, at=utcnow())).ok
    async with runtime.sessions() as session:
        conversation = await session.get(Conversation, claimed.conversation_id)
        assert conversation is not None
        return conversation.id, conversation.rasa_sender_id


EXPECTED_LINES = ["Hola, soy Carla.", "Le escribo mañana con la respuesta."]  # SMS-folded: ñ stays


async def test_the_next_turn_tells_rasa_first_and_only_once(runtime: Runtime) -> None:
    attach_fake_twilio(runtime)
    conversation_id, sender = await _handed_back_with_two_lines(runtime)
    rasa = RecordingRasa()
    await _inbound(runtime, conversation_id, "gracias")
    assert await run_conversation(runtime, rasa.client(), conversation_id) == 1
    (events_path, events), (webhook_path, _) = rasa.calls
    assert (events_path, webhook_path) == (
        f"/conversations/{sender}/tracker/events",
        "/webhooks/rest/webhook",
    )
    assert [event["event"] for event in events] == ["bot", "bot"]
    assert [event["text"] for event in events] == EXPECTED_LINES
    assert all(event["metadata"]["famibot_consultant"] for event in events)
    assert await _told(runtime) == [{"lines": 2}]
    await _inbound(runtime, conversation_id, "listo")
    await run_conversation(runtime, rasa.client(), conversation_id)
    assert [path for path, _ in rasa.calls[2:]] == ["/webhooks/rest/webhook"]  # told once


async def test_rasa_down_the_turn_waits_and_then_tells_before_answering(runtime: Runtime) -> None:
    attach_fake_twilio(runtime)
    conversation_id, _ = await _handed_back_with_two_lines(runtime)
    rasa = RecordingRasa()
    rasa.events_status, rasa.up = 503, False
    await _inbound(runtime, conversation_id, "gracias")
    with pytest.raises(TurnPostponed):
        await run_conversation(runtime, rasa.client(), conversation_id)
    assert [path.rsplit("/", 1)[-1] for path, _ in rasa.calls] == ["events"]  # no turn without the lines
    assert await _told(runtime) == []
    rasa.events_status, rasa.up = 200, True
    assert await run_conversation(runtime, rasa.client(), conversation_id) == 1
    assert [path.rsplit("/", 1)[-1] for path, _ in rasa.calls] == ["events", "events", "webhook"]
    assert await _told(runtime) == [{"lines": 2}]


async def test_rasa_up_but_refusing_the_lines_does_not_hold_the_person_back(runtime: Runtime) -> None:
    attach_fake_twilio(runtime)
    conversation_id, _ = await _handed_back_with_two_lines(runtime)
    rasa = RecordingRasa()
    rasa.events_status = 400
    await _inbound(runtime, conversation_id, "gracias")
    assert await run_conversation(runtime, rasa.client(), conversation_id) == 1
    assert [path.rsplit("/", 1)[-1] for path, _ in rasa.calls] == ["events", "webhook"]
    assert await _told(runtime) == []  # offered again before the next turn


async def test_the_hand_back_job_tells_rasa_under_the_lock(runtime: Runtime) -> None:
    conversation_id, sender = await _handed_back_with_two_lines(runtime)
    rasa = RecordingRasa()
    ctx = {"runtime": runtime, "rasa": rasa.client(), "job_try": 1}
    lock = runtime.redis.lock(f"famibot:lock:conversation:{conversation_id}", timeout=5)
    assert await lock.acquire()
    with pytest.raises(Retry):  # a turn holds the conversation: come back when its lock would expire
        await tell_rasa_job(ctx, conversation_id)
    await lock.release()
    rasa.events_status, rasa.up = 503, False
    with pytest.raises(Retry):
        await tell_rasa_job(ctx, conversation_id)
    rasa.events_status, rasa.up = 200, True
    assert await tell_rasa_job(ctx, conversation_id) == 2
    assert await tell_rasa_job(ctx, conversation_id) == 0
    assert [body for path, body in rasa.calls if path == f"/conversations/{sender}/tracker/events"][-1][0][
        "text"
    ] == (EXPECTED_LINES[0])
    assert await _told(runtime) == [{"lines": 2}]
