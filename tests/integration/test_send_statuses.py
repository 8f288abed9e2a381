"""Outbound statuses never go backwards when a send's answer and Twilio's status callbacks race.

The web app (signed status callbacks, the fake Twilio API) runs as a real uvicorn server on loopback,
so the Twilio client's timeout is real; the "worker" side is a second runtime over the same database
and Redis that sends through the outbox, as the worker does, and applies the status callbacks the web
queued, as the worker process does (concurrently with a send in flight).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from bot.db import conversations, messages, outbound_status
from bot.db.models import Contact, Message, StatusEvent, utcnow
from bot.outbox import SendRetryLater, send_rows, send_unsent
from bot.runtime import Runtime, build_runtime
from bot.status_queue import apply_statuses_forever, statuses_key
from tests.conftest import make_settings
from tests.integration.web_server import serving

PHONE = "+573104567890"
TWILIO_TIMEOUT_S = 1.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Live:
    worker: Runtime
    control: httpx.AsyncClient

    async def script(self, *responses: dict[str, Any]) -> None:
        answer = await self.control.post("/fake-twilio/_control/script", json={"responses": list(responses)})
        answer.raise_for_status()

    async def at_twilio(self) -> list[dict[str, Any]]:
        answer = await self.control.get("/fake-twilio/_control/messages", params={"to": PHONE})
        return list(answer.json()["messages"])

    async def drain_callbacks(self) -> None:
        """Every callback the fake Twilio API owes has reached web, and the worker's loop applied it."""
        assert (await self.control.post("/fake-twilio/_control/drain")).json() == {"idle": True}
        key = statuses_key(self.worker.settings.queue_name)
        for _ in range(500):  # the loop trims the list only after the batch is committed
            if not await self.worker.redis.llen(key):  # type: ignore[misc]
                return
            await asyncio.sleep(0.02)
        raise AssertionError("queued status callbacks not applied within 10 s")

    async def reply_row(self, body: str = "Hola, ¿en qué le ayudo?") -> tuple[Message, Contact]:
        """A reply stored by a turn ("sending"), as ``take_turn`` leaves it."""
        async with self.worker.sessions() as session, session.begin():
            contact_id = await conversations.upsert_contact(
                session, phone_e164=PHONE, seen_at=utcnow(), channel="sms"
            )
            conversation_id = await conversations.upsert_conversation(
                session, contact_id=contact_id, channel="sms", seen_at=utcnow()
            )
            row = await messages.add_outbound(
                session,
                conversation_id=conversation_id,
                reply_to_id=None,
                position=0,
                body=body,
                status="sending",
            )
            contact = await session.get(Contact, contact_id)
        assert contact is not None
        return row, contact

    async def row(self, message_id: int) -> Message:
        async with self.worker.sessions() as session:
            found = await session.get(Message, message_id)
        assert found is not None
        return found

    async def swept(self) -> list[int]:
        """What the recovery sweep would re-drain, however old the rows are."""
        async with self.worker.sessions() as session:
            later = utcnow() + timedelta(hours=1)
            return list(await messages.conversations_with_unsent_outbound(session, older_than=later))

    async def events(self, message_id: int) -> list[str]:
        async with self.worker.sessions() as session:
            rows = await session.scalars(
                select(StatusEvent.status)
                .where(StatusEvent.message_id == message_id)
                .order_by(StatusEvent.id)
            )
            return list(rows.all())


@pytest.fixture
async def live(database_url: str, redis_db: int, tmp_path: Path) -> AsyncIterator[Live]:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    settings = make_settings(
        database_url,
        redis_db,
        media_dir=tmp_path / "media",
        public_base_url=base,
        twilio_api_base_url=f"{base}/fake-twilio",
        twilio_timeout_s=TWILIO_TIMEOUT_S,
    )
    async with serving(settings, port):
        worker = await build_runtime(settings)
        applying = asyncio.create_task(apply_statuses_forever(worker))  # as the worker process does
        control = httpx.AsyncClient(base_url=base, timeout=10)
        try:
            yield Live(worker, control)
        finally:
            await control.aclose()
            applying.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await applying
            await worker.close()


async def test_callbacks_lost_and_answer_lost_reconcile_finds_it_and_sends_once(live: Live) -> None:
    """(a) Twilio took the message, its answer timed out and no status callback ever comes."""
    row, contact = await live.reply_row()
    await live.script({"timeout_s": 3, "status_callbacks": False})
    with pytest.raises(SendRetryLater):
        await send_rows(live.worker, [row], contact, "sms", fresh=True)
    stored = await live.row(row.id)
    assert (stored.status, stored.twilio_sid) == ("unknown", None)  # ambiguous: not sent again blindly
    # The retry (the conversation's next job) looks for it at Twilio before sending anything.
    assert await send_unsent(live.worker, row.conversation_id) == 0
    [at_twilio] = await live.at_twilio()
    stored = await live.row(row.id)
    assert stored.twilio_sid == at_twilio["sid"]
    assert stored.status in ("queued", "sent", "delivered") and stored.status == at_twilio["status"]
    assert await live.swept() == []
    assert await send_unsent(live.worker, row.conversation_id) == 0
    await live.drain_callbacks()
    assert len(await live.at_twilio()) == 1  # sent exactly once
    assert await live.events(row.id) == []  # Twilio never called back: reconcile alone settled it


async def test_callback_before_the_answer_keeps_delivered(live: Live) -> None:
    """(b) The status callbacks arrive while the send is still waiting for Twilio's answer."""
    row, contact = await live.reply_row()
    await live.script({"timeout_s": 3})
    await send_rows(live.worker, [row], contact, "sms", fresh=True)  # no retry needed: Twilio told us
    await live.drain_callbacks()
    [at_twilio] = await live.at_twilio()
    stored = await live.row(row.id)
    assert (stored.status, stored.twilio_sid) == ("delivered", at_twilio["sid"])
    assert await live.events(row.id) == ["queued", "sent", "delivered"]
    assert await live.swept() == []  # the sweep no longer re-drains the conversation
    assert await send_unsent(live.worker, row.conversation_id) == 0
    assert (await live.row(row.id)).status == "delivered"
    assert len(await live.at_twilio()) == 1


async def test_rejection_after_a_delivered_callback_keeps_delivered(live: Live) -> None:
    """A 4xx that answers after a callback already said "delivered" does not write "failed"."""
    row, contact = await live.reply_row()
    await live.script({"http_status": 400, "error_code": 30007, "timeout_s": 0.5})
    sending = asyncio.create_task(send_rows(live.worker, [row], contact, "sms", fresh=True))
    await asyncio.sleep(0.1)  # the send is in flight; an earlier attempt's callback lands now
    async with live.worker.sessions() as session, session.begin():
        await outbound_status.record_sid(session, message_id=row.id, sid="SM" + "f" * 32)
        await outbound_status.advance_status(session, message_id=row.id, status="delivered")
    assert await sending == 0
    stored = await live.row(row.id)
    assert (stored.status, stored.error_code) == ("delivered", None)
    assert await live.swept() == []


async def test_legacy_unknown_row_with_a_sid_leaves_the_unsent_set(live: Live) -> None:
    """A row an older release left "unknown" although a callback had given it a SID."""
    row, contact = await live.reply_row()
    await send_rows(live.worker, [row], contact, "sms", fresh=True)
    await live.drain_callbacks()
    async with live.worker.sessions() as session, session.begin():
        await messages.set_status(session, message_id=row.id, status="unknown")
    assert await live.swept() == [row.conversation_id]
    assert await send_unsent(live.worker, row.conversation_id) == 0
    assert (await live.row(row.id)).status == "delivered"  # what Twilio says about that SID
    assert await live.swept() == []
    assert len(await live.at_twilio()) == 1
