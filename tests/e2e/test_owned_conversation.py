"""End to end with the trained model: while a consultant owns a conversation the bot stays silent —
also after Rasa's session expiry (60 min) — and answers again once the conversation is handed back.

Time is moved in Rasa's own store: every event of the conversation's tracker log is aged by 61
minutes (Rasa decides session expiry from the last user message's timestamp). The new session Rasa
starts after the hand-back shows the move took effect.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
import redis as redis_sync
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from bot.db.engine import make_session_factory
from bot.db.models import User, utcnow
from bot.db.tickets import close_not_closed
from bot.handoff.owned import FOR_CONSULTANT
from bot.handoff.rules import load_handoff_rules
from bot.handoff.tickets import claim, request_handoff
from bot.settings import to_async_url
from tests.conftest import REDIS_BASE
from tests.e2e.conftest import REDIS_DB, Stack, new_phone
from tests.e2e.db import messages_of
from tests.e2e.processes import ROOT
from tests.e2e.test_prequal import stored

pytestmark = pytest.mark.e2e

RULES = load_handoff_rules(ROOT / "data")
AN_HOUR_AND_A_MINUTE_S = 61 * 60


@asynccontextmanager
async def transaction(database_url: str) -> AsyncIterator[AsyncSession]:
    engine = create_async_engine(to_async_url(database_url))
    try:
        async with make_session_factory(engine)() as session, session.begin():
            yield session
    finally:
        await engine.dispose()


def _tracker_log(sender_id: str) -> tuple[redis_sync.Redis, str]:
    client = redis_sync.Redis.from_url(f"{REDIS_BASE}/{REDIS_DB['rasa']}", decode_responses=True)
    return client, f"famibot:tracker:{sender_id}:log"


def age_tracker(sender_id: str, seconds: float) -> int:
    """Move every logged event of the conversation ``seconds`` into the past; return how many."""
    client, key = _tracker_log(sender_id)
    try:
        events = client.lrange(key, 0, -1)
        for index, line in enumerate(events):
            event = json.loads(line)
            event["timestamp"] = float(event["timestamp"]) - seconds
            client.lset(key, index, json.dumps(event))
        return len(events)
    finally:
        client.close()


def session_starts(sender_id: str) -> int:
    client, key = _tracker_log(sender_id)
    try:
        return sum(json.loads(line)["event"] == "session_started" for line in client.lrange(key, 0, -1))
    finally:
        client.close()


async def wait_for_consultant_messages(live: Stack, phone: str, count: int, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        kept = [m for m in await messages_of(live.database_url, phone) if m.status == FOR_CONSULTANT]
        if len(kept) >= count:
            return
        assert time.monotonic() < deadline, f"not stored for the consultant\n{live.worker.tail()}"
        await asyncio.sleep(0.1)


async def test_owned_conversation_gets_no_bot_reply_even_after_rasa_session_expiry(live: Stack) -> None:
    phone = new_phone()
    await live.send(phone, "hola")
    await live.wait_outbound(phone, 1)  # the bot answers while it owns the conversation
    conversation = (await stored(live.database_url, phone))["conversation"]
    async with transaction(live.database_url) as session:
        consultant = User(
            username=f"asesora-{phone[-7:]}", display_name="Marta", password_hash="x", role="consultant",
            branch="medellin_centro",
        )  # fmt: skip
        session.add(consultant)
        await session.flush()
        ticket = await request_handoff(
            session, conversation_id=conversation.id, message_id=None, reason="user_asked", answers={},
            at=utcnow(), rules=RULES,
        )  # fmt: skip
        assert (await claim(session, ticket_id=ticket.id, user=consultant, at=utcnow())).ok

    await live.send(phone, "quiero saber cuanto me prestan")
    await wait_for_consultant_messages(live, phone, 1)
    await asyncio.sleep(1.0)
    assert len(await live.outbound(phone)) == 1  # stored for the consultant; no bot reply

    # 61 minutes later for Rasa: its next message would start a new, un-paused session.
    sender = conversation.rasa_sender_id
    starts = session_starts(sender)
    assert age_tracker(sender, AN_HOUR_AND_A_MINUTE_S) > 0
    await live.send(phone, "hola? sigo esperando")
    await wait_for_consultant_messages(live, phone, 2)
    await asyncio.sleep(1.0)
    assert len(await live.outbound(phone)) == 1  # still no bot reply
    assert session_starts(sender) == starts  # Rasa was not called at all

    # Handed back: the bot answers the next message, in a new session (the expiry was real to Rasa).
    async with transaction(live.database_url) as session:
        await close_not_closed(session, conversation_id=conversation.id, outcome="handed_back", at=utcnow())
    await live.send(phone, "hola")
    replies = await live.wait_outbound(phone, 2)
    assert replies[-1]["body"]
    assert session_starts(sender) == starts + 1
    statuses = [m.status for m in await messages_of(live.database_url, phone) if m.direction == "in"]
    assert statuses == ["answered", FOR_CONSULTANT, FOR_CONSULTANT, "answered"]
