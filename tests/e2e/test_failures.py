"""A person never gets silence: the action server down or unreachable, a slow Rasa.

The stack runs with MAX_TURN_ATTEMPTS=3, TURN_RETRY_BASE_S=0.3 and TURN_JOB_TIMEOUT_S=6 (a turn's
deadline is then 3 s): see tests/e2e/conftest.py.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Sequence
from typing import Any

import httpx
import pytest
import redis as redis_sync
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from bot.db.models import HandoffRequest, Message
from bot.rasa_client import parse_answer
from bot.settings import to_async_url
from bot.text import normalise
from tests.conftest import REDIS_BASE
from tests.e2e.conftest import REDIS_DB, Stack, new_phone
from tests.e2e.db import messages_of

pytestmark = pytest.mark.e2e


async def _handoffs(database_url: str, conversation_id: int) -> list[HandoffRequest]:
    engine = create_async_engine(to_async_url(database_url))
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                select(HandoffRequest).where(HandoffRequest.conversation_id == conversation_id)
            )
            return list(rows.all())  # type: ignore[arg-type]
    finally:
        await engine.dispose()


async def _inbound_when(live: Stack, phone: str, ready: Any, timeout_s: float = 30) -> Sequence[Message]:
    deadline = time.monotonic() + timeout_s
    while True:
        inbound = [row for row in await messages_of(live.database_url, phone) if row.direction == "in"]
        if ready(inbound) or time.monotonic() > deadline:
            return inbound
        await asyncio.sleep(0.05)


async def _tracker_events(live: Stack, sender_id: str) -> list[dict[str, Any]]:
    """Every event Rasa logged for the conversation: the tracker store's whole log in Redis
    (``GET /tracker`` shows only the loaded window: docs/TRACKER_STORE.md)."""
    client = redis_sync.Redis.from_url(f"{REDIS_BASE}/{REDIS_DB['rasa']}")
    try:
        return [json.loads(item) for item in client.lrange(f"famibot:tracker:{sender_id}:log", 0, -1)]
    finally:
        client.close()


async def _sender_id(live: Stack, conversation_id: int) -> str:
    from bot.db.models import Conversation

    engine = create_async_engine(to_async_url(live.database_url))
    try:
        async with engine.connect() as connection:
            value = await connection.scalar(
                select(Conversation.rasa_sender_id).where(Conversation.id == conversation_id)
            )
            return str(value)
    finally:
        await engine.dispose()


async def _consent_asked(live: Stack, phone: str) -> None:
    await live.send(phone, "quiero un credito")  # answered by Rasa alone (a response, no custom action)
    [question] = await live.wait_outbound(phone, 1)
    assert "Antes de pedirle datos" in question["body"] and "1. Acepto" in question["body"]


async def test_action_server_stopped_mid_conversation_one_apology_then_back(live: Stack) -> None:
    phone = new_phone()
    await _consent_asked(live, phone)
    live.rasa.actions.stop()
    try:
        await live.send(phone, "1")  # "Acepto": needs the action server (action_accept_consent)
        await live.send(phone, "si acepto")
        inbound = await _inbound_when(
            live, phone, lambda rows: [r.status for r in rows][1:] == ["dead_letter"] * 2
        )
        assert [row.status for row in inbound] == ["answered", "dead_letter", "dead_letter"], (
            live.worker.tail()
        )
        assert all("action_server_down" in (row.error_detail or "") for row in inbound[1:])
        assert all(row.attempts == 3 for row in inbound[1:])
        await asyncio.sleep(1)
        replies = await live.outbound(phone)
        assert len(replies) == 2, [reply["body"] for reply in replies]  # one apology for both messages
        apology = normalise(replies[1]["body"])
        assert "problema tecnico" in apology and "asesor" in apology
        [request] = await _handoffs(live.database_url, inbound[1].conversation_id)
        assert (request.reason, request.status, request.message_id) == ("bot_failure", "open", inbound[1].id)
        metrics = (await live.http.get("/metrics")).text
        assert 'famibot_turn_failures_total{outcome="dead_letter",reason="action_server_down"}' in metrics
    finally:
        live.rasa.restart_actions()
    await live.send(phone, "1")  # the failed tries were undone: the consent question still stands
    replies = await live.wait_outbound(phone, 3)
    assert "nombre completo" in replies[2]["body"]


async def test_action_server_back_within_the_retries_gives_the_real_answer_once(live: Stack) -> None:
    phone = new_phone()
    await _consent_asked(live, phone)
    failures_before = live.worker.tail(2000).count("turn failed; retrying")
    live.rasa.actions_reachable(False)
    try:
        await live.send(phone, "1")
        deadline = time.monotonic() + 20
        while live.worker.tail(2000).count("turn failed; retrying") == failures_before:
            assert time.monotonic() < deadline, live.worker.tail()
            await asyncio.sleep(0.05)
    finally:
        live.rasa.actions_reachable(True)
    replies = await live.wait_outbound(phone, 2)
    assert "nombre completo" in replies[1]["body"]
    await asyncio.sleep(1)
    assert len(await live.outbound(phone)) == 2
    inbound = await _inbound_when(live, phone, lambda rows: rows[-1].status == "answered")
    assert inbound[-1].status == "answered" and inbound[-1].attempts >= 2
    events = await _tracker_events(live, await _sender_id(live, inbound[-1].conversation_id))
    ours = [
        index
        for index, event in enumerate(events)
        if event.get("event") == "user"
        and (event.get("metadata") or {}).get("message_sid") == inbound[-1].twilio_sid
    ]
    assert len(ours) >= 2, "the failed try reached Rasa, then the retry"
    assert any(event.get("event") == "rewind" for event in events[ours[0] : ours[-1]]), "failed try undone"
    await live.send(phone, "Luz Marina Restrepo")  # the form goes on as if nothing had happened
    replies = await live.wait_outbound(phone, 3)
    assert "edad" in normalise(replies[2]["body"]) or "años" in replies[2]["body"]


async def test_slow_rasa_turn_is_retried_before_the_job_timeout_and_answered_once(live: Stack) -> None:
    phone = new_phone()
    live.slow_rasa(5)
    try:
        await live.send(phone, "hola")
        await asyncio.sleep(7)
        assert await live.outbound(phone) == []
        [inbound] = await _inbound_when(live, phone, lambda rows: True)
        assert inbound.status == "processing"  # waiting, not failed, not given up
    finally:
        live.slow_rasa(0)
    [reply] = await live.wait_outbound(phone, 1, timeout_s=30)
    assert "Soy el asistente" in reply["body"]
    await asyncio.sleep(1)
    assert len(await live.outbound(phone)) == 1
    log = live.worker.tail(400)
    assert "turn postponed" in log
    assert "TimeoutError" not in log, "arq saw a job timeout: the turn's own deadline came too late"
    [inbound] = await _inbound_when(live, phone, lambda rows: rows[0].status == "answered")
    events = await _tracker_events(live, await _sender_id(live, inbound.conversation_id))
    sids = [
        event
        for event in events
        if event.get("event") == "user"
        and (event.get("metadata") or {}).get("message_sid") == inbound.twilio_sid
    ]
    assert len(sids) == 1, "Rasa saw the message once: the retry took the reply from the tracker"


async def test_rasas_channel_reports_no_error_for_a_whole_turn_and_errors_when_actions_fail(
    live: Stack,
) -> None:
    """nlu/famibot_channel/ on the real Rasa: "errors": 0 lets the worker skip the health probe, so it
    must be 0 only when every action ran (a custom action runs at a session's start)."""

    async def ask(sender: str) -> Any:
        async with httpx.AsyncClient(timeout=30) as http:
            payload = {"sender": sender, "message": "hola", "metadata": {"channel": "sms"}}
            response = await http.post(f"{live.rasa.url}/webhooks/rest/webhook", json=payload)
        response.raise_for_status()
        return parse_answer(response.json())

    whole = await ask("channel-check-" + new_phone()[-7:])
    assert whole.errors == 0 and whole.replies
    live.rasa.actions_reachable(False)
    try:
        failed = await ask("channel-check-" + new_phone()[-7:])  # action_session_start cannot run
    finally:
        live.rasa.actions_reachable(True)
    assert failed.errors is not None and failed.errors >= 1
