"""Asking for a consultant records a real hand-off request with the answers so far (real DB/Redis)."""

from __future__ import annotations

import json
from typing import Any, ClassVar

import httpx
from sqlalchemy import select

from bot.db.models import HandoffRequest, Message
from bot.handoff.hours import handoff_reply
from bot.rasa_client import RasaClient
from bot.runtime import Runtime
from tests.integration.test_keyword_turns import _say


class HandoffRasa:
    """Rasa answering with the hand-off command; its tracker holds a few answers."""

    slots: ClassVar[dict[str, Any]] = {
        "canal": "sms",
        "session_started_metadata": {"channel": "sms"},
        "nombre": "Ana",
        "edad": 40,
    }

    def __init__(self) -> None:
        self.webhook_calls: list[dict[str, Any]] = []

    def handler(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/webhooks/rest/webhook":
            self.webhook_calls.append(json.loads(request.content))
            return httpx.Response(
                200, json=[{"recipient_id": "x", "custom": {"famibot_command": "request_human"}}]
            )
        if request.url.path.endswith("/tracker"):
            return httpx.Response(200, json={"slots": self.slots, "events": None})
        return httpx.Response(404)

    def client(self) -> RasaClient:
        return RasaClient(
            base_url="http://rasa",
            token="tok",
            client=httpx.AsyncClient(transport=httpx.MockTransport(self.handler)),
            timeout_s=2,
        )


async def test_request_is_recorded_with_the_answers_and_an_honest_reply(runtime: Runtime) -> None:
    rasa = HandoffRasa()
    [reply] = await _say(runtime, "quiero hablar con una persona", rasa)  # type: ignore[arg-type]
    async with runtime.sessions() as session:
        request = (await session.scalars(select(HandoffRequest))).one()
        inbound = (await session.scalars(select(Message).where(Message.direction == "in"))).one()
    assert (request.reason, request.status, request.message_id) == ("user_asked", "open", inbound.id)
    assert request.answers == {"nombre": "Ana", "edad": 40}  # Rasa's bookkeeping slots left out
    # The reply is the office-hours sentence (folded for SMS), never a silent drop.
    expected = handoff_reply(runtime.office_hours, request.requested_at)
    assert reply.body.startswith("Listo, le pedi a un asesor") and len(reply.body) <= len(expected)
    assert inbound.status == "answered"
