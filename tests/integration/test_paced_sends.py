"""The outbox keeps each sender's send rate (bot/send_rate.py): a proactive row waits for its slot —
asleep when it is near, re-scheduled (not failed) when it is far — while replies go at once, also
when Redis cannot say. The fake Twilio API runs in a real web server on loopback."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from arq import Retry
from redis.asyncio import Redis

from bot.db import conversations, messages
from bot.db.models import Contact, Message, utcnow
from bot.outbox import SendRetryLater, send_rows
from bot.rasa_client import RasaClient
from bot.runtime import Runtime, build_runtime
from bot.send_rate import COME_BACK_EARLY_S, SendPaced, SendRate, failed_tries
from bot.worker import backoff_s, run_conversation_job
from tests.conftest import make_settings
from tests.contact_clock import open_now
from tests.e2e.processes import free_port
from tests.integration.web_server import serving

PHONE = "+573104567891"
RATE_PER_S = 5.0  # one slot every 0.2 s
MAX_SLEEP_S = 0.5
REMINDER = "repayment_reminder"


@dataclass
class Live:
    runtime: Runtime
    control: httpx.AsyncClient

    async def at_twilio(self) -> list[dict[str, Any]]:
        answer = await self.control.get("/fake-twilio/_control/messages", params={"to": PHONE})
        return list(answer.json()["messages"])

    async def row(self, *, purpose: str, status: str) -> tuple[Message, Contact]:
        async with self.runtime.sessions() as session, session.begin():
            contact_id = await conversations.upsert_contact(
                session, phone_e164=PHONE, seen_at=utcnow(), channel="sms"
            )
            conversation_id = await conversations.upsert_conversation(
                session, contact_id=contact_id, channel="sms", seen_at=utcnow()
            )
            row = await messages.add_outbound(
                session, conversation_id=conversation_id, reply_to_id=None, position=0,
                body="Le recordamos su cuota.", status=status, purpose=purpose,
            )  # fmt: skip
            contact = await session.get(Contact, contact_id)
        assert contact is not None
        return row, contact

    async def status_of(self, message_id: int) -> str:
        async with self.runtime.sessions() as session:
            found = await session.get(Message, message_id)
        assert found is not None
        return found.status

    async def backlog(self, slots: int) -> None:
        """Other proactive sends of the same number took the next ``slots`` slots."""
        for n in range(slots):
            await self.runtime.send_rate.take(
                self.runtime.settings.twilio_sms_from, channel="sms", proactive=True, row_id=-1 - n
            )


@pytest.fixture
async def live(database_url: str, redis_db: int, tmp_path: Path) -> AsyncIterator[Live]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings = make_settings(
        database_url, redis_db, media_dir=tmp_path / "media", public_base_url=base,
        twilio_api_base_url=f"{base}/fake-twilio", sms_send_rate_per_s=RATE_PER_S,
        send_rate_max_sleep_s=MAX_SLEEP_S, send_rate_burst=1,
    )  # fmt: skip
    async with serving(settings, port):
        runtime = await build_runtime(settings)
        runtime.contact_hours = open_now(runtime.contact_hours)
        control = httpx.AsyncClient(base_url=base, timeout=10)
        try:
            yield Live(runtime, control)
        finally:
            await control.aclose()
            await runtime.close()


async def test_a_far_slot_leaves_the_row_pending_and_asks_to_come_back(live: Live) -> None:
    row, contact = await live.row(purpose=REMINDER, status="pending")
    started = time.monotonic()
    await live.backlog(10)  # the next slot is 2 s away
    with pytest.raises(SendPaced) as paced:
        await send_rows(live.runtime, [row], contact, "sms", fresh=False)
    asked_at = time.monotonic()
    assert paced.value.retry_in_s == pytest.approx(2.0 - COME_BACK_EARLY_S, abs=0.1)
    assert await live.status_of(row.id) == "pending" and await live.at_twilio() == []
    async with live.runtime.sessions() as session:  # its job comes back: no recovery sweep meanwhile
        swept = await messages.conversations_with_unsent_outbound(
            session, older_than=utcnow() + timedelta(seconds=1.5)
        )
    assert row.conversation_id not in swept
    await asyncio.sleep(asked_at + paced.value.retry_in_s - time.monotonic())  # the job comes back
    assert await send_rows(live.runtime, [row], contact, "sms", fresh=False) == 1
    assert 1.9 <= time.monotonic() - started <= 2.6  # it slept the rest, to its slot (a busy machine: late)
    [sent] = await live.at_twilio()
    assert sent["validity_period_s"] is not None


async def test_a_near_slot_is_slept_for(live: Live) -> None:
    row, contact = await live.row(purpose=REMINDER, status="pending")
    await live.backlog(2)  # 0.4 s away: nearer than MAX_SLEEP_S
    started = time.monotonic()
    assert await send_rows(live.runtime, [row], contact, "sms", fresh=False) == 1
    assert 0.35 <= time.monotonic() - started <= 1.0  # slept, then sent (a busy machine sends late)


async def test_a_reply_goes_at_once_in_the_middle_of_a_wave(live: Live) -> None:
    await live.backlog(50)  # a 10 s wave ahead
    row, contact = await live.row(purpose="reply", status="sending")
    started = time.monotonic()
    assert await send_rows(live.runtime, [row], contact, "sms", fresh=True) == 1
    assert time.monotonic() - started < 1.0  # the next slot is 10 s away
    assert len(await live.at_twilio()) == 1


async def test_a_proactive_row_goes_at_once_when_the_person_is_waiting(live: Live) -> None:
    await live.backlog(50)
    row, contact = await live.row(purpose=REMINDER, status="pending")
    started = time.monotonic()
    assert await send_rows(live.runtime, [row], contact, "sms", fresh=False, pace=False) == 1
    assert time.monotonic() - started < 1.0  # the next slot is 10 s away


async def test_without_redis_replies_go_and_proactive_rows_wait(live: Live) -> None:
    unreachable = Redis.from_url("redis://127.0.0.1:9/0", socket_connect_timeout=0.5)
    live.runtime.send_rate = SendRate(unreachable, per_s={"sms": 1, "whatsapp": 1}, burst=1, max_sleep_s=1)
    try:
        reminder, contact = await live.row(purpose=REMINDER, status="pending")
        with pytest.raises(SendRetryLater):
            await send_rows(live.runtime, [reminder], contact, "sms", fresh=False)
        assert await live.status_of(reminder.id) == "pending"
        reply, contact = await live.row(purpose="reply", status="sending")
        assert await send_rows(live.runtime, [reply], contact, "sms", fresh=True) == 1
        assert [m["body"] for m in await live.at_twilio()] == [reply.body]
    finally:
        await unreachable.aclose()


async def test_the_worker_reschedules_a_paced_row_without_counting_a_failed_try(live: Live) -> None:
    row, _ = await live.row(purpose=REMINDER, status="pending")
    await live.backlog(25)  # 5 s
    settings = live.runtime.settings
    rasa = RasaClient(
        base_url=settings.rasa_url, token="t", client=live.runtime.http, timeout_s=1, actions_url=None
    )
    ctx: dict[str, Any] = {"runtime": live.runtime, "rasa": rasa, "job_id": "drain:test:1", "job_try": 1}
    with pytest.raises(Retry) as retry:
        await run_conversation_job(ctx, row.conversation_id)
    assert retry.value.defer_score == pytest.approx((5.0 - COME_BACK_EARLY_S) * 1000, abs=150)
    assert await live.status_of(row.id) == "pending"
    ctx["job_try"] = 2  # arq counts the paced run; a failure now backs off as after a first try
    tries = await failed_tries(live.runtime.redis, ctx["job_id"], ctx["job_try"])
    assert tries == 1 and backoff_s(tries) == 0.5
