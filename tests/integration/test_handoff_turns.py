"""Asking for a consultant records a real hand-off request with the answers so far (real DB/Redis)."""

from __future__ import annotations

import json
from typing import Any, ClassVar

import httpx
from sqlalchemy import select

from bot.db.models import HandoffRequest, Message
from bot.gsm7 import fold_to_gsm7
from bot.handoff.hours import handoff_reply
from bot.handoff.tickets import wait_for
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
    assert (request.priority, request.branch, request.requests) == (30, "medellin_centro", 1)
    # The reply is the office-hours sentence with the queue's wait (folded for SMS), never a silent drop.
    async with runtime.sessions() as session:
        wait = await wait_for(
            session,
            ticket=request,
            rules=runtime.handoff,
            hours=runtime.office_hours,
            now=request.requested_at,
        )
    expected = handoff_reply(runtime.office_hours, request.requested_at, wait=wait.when)
    assert reply.body == fold_to_gsm7(expected) and reply.body.startswith("Listo, le pedi a un asesor")
    assert inbound.status == "answered"


class OfferedRasa(HandoffRasa):
    """The loan form re-asked the municipality twice (the re-ask offered a consultant): ASESOR."""

    slots: ClassVar[dict[str, Any]] = {
        **HandoffRasa.slots,
        "requested_slot": "municipio",
        "prequal_fallos": {"municipio": 2},
    }


class OnceWrongRasa(HandoffRasa):
    slots: ClassVar[dict[str, Any]] = {
        **HandoffRasa.slots,
        "requested_slot": "municipio",
        "prequal_fallos": {"municipio": 1},
    }


async def test_accepting_the_offer_after_two_wrong_answers_is_its_own_reason(runtime: Runtime) -> None:
    await _say(runtime, "asesor", OfferedRasa())  # type: ignore[arg-type]
    async with runtime.sessions() as session:
        request = (await session.scalars(select(HandoffRequest))).one()
    assert request.reason == "offered_after_retries"


async def test_asking_after_one_wrong_answer_is_the_person_asking(runtime: Runtime) -> None:
    await _say(runtime, "asesor", OnceWrongRasa())  # type: ignore[arg-type]
    async with runtime.sessions() as session:
        request = (await session.scalars(select(HandoffRequest))).one()
    assert request.reason == "user_asked"
