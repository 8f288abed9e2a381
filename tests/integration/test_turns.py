"""A turn against a scripted Rasa (httpx.MockTransport) with the real database and Redis.

Covers what the end-to-end suite cannot provoke on demand: a worker that died after Rasa answered,
and Rasa's 200-with-[] answers (processed-but-silent vs. dropped).
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from bot.db import conversations, messages
from bot.db.models import Conversation, Message, utcnow
from bot.rasa_client import RasaClient, RasaUnavailable
from bot.runtime import Runtime
from bot.turn_failures import TurnFailed
from bot.turns import take_turn
from tests.integration.claiming import claim_next_inbound


class ScriptedRasa:
    def __init__(
        self, *, webhook_answer: list[dict[str, Any]] | None, tracker_events: list[dict[str, Any]]
    ) -> None:
        self.webhook_answer = webhook_answer
        self.tracker_events = tracker_events
        self.webhook_calls: list[dict[str, Any]] = []
        self.rewinds = 0

    def handler(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/webhooks/rest/webhook":
            self.webhook_calls.append(json.loads(request.content))
            if self.webhook_answer is None:
                return httpx.Response(500)
            return httpx.Response(200, json=self.webhook_answer)
        if request.url.path.endswith("/tracker"):
            assert request.url.params["token"] == "tok"
            return httpx.Response(200, json={"events": self.tracker_events})
        if request.url.path.endswith("/tracker/events"):
            assert json.loads(request.content) == {
                "event": "rewind",
                "metadata": {"famibot_undo": USER_EVENT["metadata"]["message_sid"]},  # type: ignore[index]
            }
            self.rewinds += 1
            return httpx.Response(200, json={})
        return httpx.Response(404)

    def client(self) -> RasaClient:
        http = httpx.AsyncClient(transport=httpx.MockTransport(self.handler))
        return RasaClient(base_url="http://rasa", token="tok", client=http, timeout_s=2)


async def _inbound(runtime: Runtime, *, status: str) -> tuple[Conversation, Message]:
    async with runtime.sessions() as session, session.begin():
        contact_id = await conversations.upsert_contact(
            session, phone_e164="+573001112233", seen_at=utcnow(), channel="sms"
        )
        conversation_id = await conversations.upsert_conversation(
            session, contact_id=contact_id, channel="sms", seen_at=utcnow()
        )
        message_id = await messages.insert_inbound(
            session,
            conversation_id=conversation_id,
            message_sid="SM" + "a" * 32,
            body="hola",
            media=[],
            button_payload=None,
            received_at=utcnow(),
        )
        assert message_id is not None
        await messages.set_status(session, message_id=message_id, status=status)
    async with runtime.sessions() as session:
        conversation = await session.get(Conversation, conversation_id)
        message = await session.get(Message, message_id)
        assert conversation is not None and message is not None
        return conversation, message


async def _run(runtime: Runtime, rasa: ScriptedRasa, conversation: Conversation, message: Message) -> None:
    """Claim the conversation's next message as the worker does, then take the turn."""
    async with runtime.sessions() as session, session.begin():
        contact = await conversations.contact_for_conversation(session, conversation_id=conversation.id)
        claimed = await claim_next_inbound(session, conversation_id=conversation.id)
    assert contact is not None and claimed is not None
    claimed_message, claimed_before = claimed
    assert claimed_message.id == message.id
    await take_turn(
        runtime, rasa.client(), conversation, contact, claimed_message, claimed_before=claimed_before
    )


async def _rows(runtime: Runtime) -> list[Message]:
    async with runtime.sessions() as session:
        return list((await session.scalars(select(Message).order_by(Message.id))).all())


USER_EVENT = {"event": "user", "text": "hola", "metadata": {"message_sid": "SM" + "a" * 32}}


async def test_retry_after_a_crash_takes_the_replies_from_the_tracker(runtime: Runtime) -> None:
    conversation, message = await _inbound(runtime, status="processing")
    rasa = ScriptedRasa(
        webhook_answer=[], tracker_events=[USER_EVENT, {"event": "bot", "text": "Hola", "data": {}}]
    )
    await _run(runtime, rasa, conversation, message)
    assert rasa.webhook_calls == []  # Rasa never sees the message twice
    inbound, outbound = await _rows(runtime)
    assert inbound.status == "answered"
    assert (outbound.body, outbound.status, outbound.reply_to_id) == ("Hola", "sending", inbound.id)
    assert outbound.send_started_at is not None  # a crash from here on is reconciled, not re-sent blindly


async def test_retry_when_rasa_never_got_the_message_asks_rasa_once(runtime: Runtime) -> None:
    conversation, message = await _inbound(runtime, status="processing")
    rasa = ScriptedRasa(webhook_answer=[{"text": "Hola de nuevo"}], tracker_events=[])
    await _run(runtime, rasa, conversation, message)
    assert len(rasa.webhook_calls) == 1
    call = rasa.webhook_calls[0]
    assert call["sender"] == conversation.rasa_sender_id and call["message"] == "hola"
    assert call["metadata"] == {
        "channel": "sms",
        "message_sid": message.twilio_sid,
        "media": [],
        "profile_name": None,
    }
    assert [row.body for row in await _rows(runtime)][1:] == ["Hola de nuevo"]


async def test_empty_answer_for_a_recorded_message_is_a_failed_turn_undone_in_rasa(runtime: Runtime) -> None:
    conversation, message = await _inbound(runtime, status="received")
    rasa = ScriptedRasa(webhook_answer=[], tracker_events=[USER_EVENT])
    with pytest.raises(TurnFailed, match="no_reply"):
        await _run(runtime, rasa, conversation, message)
    assert rasa.rewinds == 1
    [inbound] = await _rows(runtime)
    assert (inbound.status, inbound.answered_at) == ("processing", None)  # not answered: retried


async def test_retry_after_a_try_that_reached_rasa_without_a_reply_undoes_it_and_asks_again(
    runtime: Runtime,
) -> None:
    conversation, message = await _inbound(runtime, status="processing")
    rasa = ScriptedRasa(webhook_answer=[{"text": "Hola"}], tracker_events=[USER_EVENT])
    await _run(runtime, rasa, conversation, message)
    assert rasa.rewinds == 1 and len(rasa.webhook_calls) == 1
    inbound, outbound = await _rows(runtime)
    assert (inbound.status, outbound.body) == ("answered", "Hola")


async def test_a_rewound_turn_is_not_taken_for_an_answer(runtime: Runtime) -> None:
    conversation, message = await _inbound(runtime, status="processing")
    undo = {"event": "rewind", "metadata": {"famibot_undo": "SM" + "a" * 32}}
    events = [USER_EVENT, {"event": "bot", "text": "Hola", "data": {}}, undo]
    rasa = ScriptedRasa(webhook_answer=[{"text": "Hola otra vez"}], tracker_events=events)
    await _run(runtime, rasa, conversation, message)
    assert len(rasa.webhook_calls) == 1  # asked again: the earlier replies were undone, never sent
    assert [row.body for row in await _rows(runtime)][1:] == ["Hola otra vez"]


async def test_empty_answer_without_the_message_in_the_tracker_is_retried(runtime: Runtime) -> None:
    conversation, message = await _inbound(runtime, status="received")
    rasa = ScriptedRasa(webhook_answer=[], tracker_events=[])
    with pytest.raises(RasaUnavailable):
        await _run(runtime, rasa, conversation, message)
    [inbound] = await _rows(runtime)
    assert (inbound.status, inbound.attempts) == ("processing", 1)


async def test_rasa_error_leaves_the_message_waiting(runtime: Runtime) -> None:
    conversation, message = await _inbound(runtime, status="received")
    rasa = ScriptedRasa(webhook_answer=None, tracker_events=[])
    with pytest.raises(RasaUnavailable):
        await _run(runtime, rasa, conversation, message)
    [inbound] = await _rows(runtime)
    assert inbound.status == "processing" and inbound.answered_at is None


async def test_numbered_reply_maps_to_the_remembered_menu(runtime: Runtime) -> None:
    conversation, message = await _inbound(runtime, status="received")
    menu = [
        {
            "text": "¿Qué desea?",
            "buttons": [
                {"title": "Crédito", "payload": "/request_loan"},
                {"title": "Pagos", "payload": "/ask_payment_info"},
            ],
        }
    ]
    await _run(runtime, ScriptedRasa(webhook_answer=menu, tracker_events=[]), conversation, message)
    async with runtime.sessions() as session, session.begin():
        second = await messages.insert_inbound(
            session,
            conversation_id=conversation.id,
            message_sid="SM" + "b" * 32,
            body="2.",
            media=[],
            button_payload=None,
            received_at=utcnow(),
        )
    async with runtime.sessions() as session:
        follow_up = await session.get(Message, second)
    assert follow_up is not None
    rasa = ScriptedRasa(webhook_answer=[{"text": "Pagos"}], tracker_events=[])
    await _run(runtime, rasa, conversation, follow_up)
    assert rasa.webhook_calls[0]["message"] == "/ask_payment_info"
