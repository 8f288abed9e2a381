"""Hand back to the bot, end to end with the trained model: a consultant answers, the person's next
message gets no bot reply, the consultant hands back, and the next message is answered by Rasa, which
was given the consultant's line as a bot event first."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
import redis as redis_sync

from bot.db.models import Conversation, HandoffRequest, User, utcnow
from bot.handoff.closing import hand_back
from bot.handoff.consultant import consultant_reply
from bot.runtime import Runtime, build_runtime
from bot.settings import Settings
from tests.conftest import REDIS_BASE
from tests.e2e.conftest import REDIS_DB, Stack, new_phone
from tests.e2e.db import messages_of

pytestmark = pytest.mark.e2e

LINE = "Hola, soy Carla de Interactuar. Ya revisé su información y le ayudo con el crédito."


@pytest.fixture
async def console(live: Stack) -> AsyncIterator[Runtime]:
    """The consultant's side: the functions the console calls, on the stack's database and queue."""
    settings = Settings(
        app_env="test",
        database_url=live.database_url,
        redis_url=live.env["REDIS_URL"],
        queue_name=live.env["QUEUE_NAME"],
    )
    runtime = await build_runtime(settings)
    try:
        yield runtime
    finally:
        await runtime.close()


async def _claim(runtime: Runtime, conversation_id: int) -> tuple[int, User]:
    """What the queue's claim sets (bot/handoff/tickets.py does it in the product)."""
    async with runtime.sessions() as session, session.begin():
        user = User(
            username=f"carla-{uuid.uuid4().hex[:6]}",
            display_name="Carla Gómez",
            password_hash="x",
            role="consultant",
            branch="medellin",
        )
        session.add(user)
        await session.flush()
        ticket = HandoffRequest(
            conversation_id=conversation_id, reason="user_asked", answers={}, status="claimed",
            branch="medellin", assignee_id=user.id, claimed_at=utcnow(),
        )  # fmt: skip
        session.add(ticket)
        conversation = await session.get(Conversation, conversation_id)
        assert conversation is not None
        conversation.owner = "consultant"
        await session.flush()
        return ticket.id, user


def _tracker_log(sender_id: str) -> list[dict[str, Any]]:
    client = redis_sync.Redis.from_url(f"{REDIS_BASE}/{REDIS_DB['rasa']}")
    try:
        return [json.loads(item) for item in client.lrange(f"famibot:tracker:{sender_id}:log", 0, -1)]
    finally:
        client.close()


async def test_hand_back_then_the_bot_answers_knowing_what_the_consultant_said(
    live: Stack, console: Runtime
) -> None:
    phone = new_phone()
    await live.send(phone, "hola")
    await live.wait_outbound(phone, 1)
    [first] = [row for row in await messages_of(live.database_url, phone) if row.direction == "in"]
    ticket_id, carla = await _claim(console, first.conversation_id)

    outcome = await consultant_reply(console, ticket_id=ticket_id, user=carla, text=LINE, at=utcnow())
    assert outcome.kind == "sent"
    replies = await live.wait_outbound(phone, 2)
    # SMS: folded to GSM-7 (ó goes, é stays), as the bot's own replies are
    assert replies[1]["body"] == LINE.replace("ó", "o")
    await live.send(phone, "gracias, espero")
    await asyncio.sleep(2)
    assert len(await live.outbound(phone)) == 2  # a consultant owns it: no bot reply

    assert (await hand_back(console, ticket_id=ticket_id, user=carla, at=utcnow())).ok
    await live.send(phone, "hola")
    replies = await live.wait_outbound(phone, 3)
    rows = await messages_of(live.database_url, phone)
    inbound = [row for row in rows if row.direction == "in"]
    assert [row.status for row in inbound] == ["answered", "for_consultant", "answered"]
    assert rows[-1].reply_to_id == inbound[-1].id and rows[-1].author_id is None  # the bot's answer

    async with console.sessions() as session:
        conversation = await session.get(Conversation, first.conversation_id)
        assert conversation is not None and conversation.owner == "bot"
    events = _tracker_log(conversation.rasa_sender_id)
    told = [
        i
        for i, event in enumerate(events)
        if event.get("metadata", {}).get("famibot_consultant") == ticket_id
    ]
    assert [events[i]["event"] for i in told] == ["bot"] and events[told[0]]["text"] == replies[1]["body"]
    last_user = max(i for i, event in enumerate(events) if event.get("event") == "user")
    assert told[0] < last_user  # given to Rasa before the person's next message
