"""A real worker process runs at most WORKER_MAX_TURNS turns at once, and still drains every one.

The worker (``python -m bot.worker``, its own process, settings from the environment) talks to a
loopback stub that plays Rasa's REST channel (each turn holds for a while, so turns overlap) and
Twilio's create-message API; the stub counts how many turns are inside Rasa at the same moment.
"""

from __future__ import annotations

import asyncio
import json
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.db.messages import PENDING_INBOUND
from bot.db.models import Message
from bot.inbound import store_inbound
from bot.queue import enqueue_turn
from bot.runtime import Runtime
from bot.settings import Settings
from bot.twilio_adapter.records import InboundMessage
from tests.e2e.processes import Process, child_env

RASA_HOLD_S = 0.3
CONVERSATIONS = 12


@dataclass
class Stub:
    url: str
    in_rasa: int = 0
    most_in_rasa: int = 0
    rasa_calls: int = 0


async def _serve(stub: Stub, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
            method, path, _ = head[0].split(" ", 2)
            length = next(
                (
                    int(line.split(":", 1)[1])
                    for line in head[1:]
                    if line.lower().startswith("content-length")
                ),
                0,
            )
            if length:
                await reader.readexactly(length)
            if method == "POST" and path.startswith("/webhooks/rest/webhook"):
                stub.rasa_calls += 1
                stub.in_rasa += 1
                stub.most_in_rasa = max(stub.most_in_rasa, stub.in_rasa)
                try:
                    await asyncio.sleep(RASA_HOLD_S)
                finally:
                    stub.in_rasa -= 1
                status, body = "200 OK", json.dumps([{"text": "Hola."}])
            elif method == "GET" and path in ("/", "/health"):  # Rasa's and the action server's probes
                status, body = "200 OK", json.dumps({"status": "ok"})
            elif method == "POST" and path.endswith("/Messages.json"):
                status, body = "201 Created", json.dumps({"sid": "SM" + uuid.uuid4().hex, "status": "queued"})
            else:
                status, body = "404 Not Found", "{}"
            data = body.encode()
            writer.write(
                f"HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {len(data)}\r\n\r\n".encode()
                + data
            )
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


@pytest.fixture
async def stub() -> AsyncIterator[Stub]:
    holder: list[Stub] = []
    server = await asyncio.start_server(lambda r, w: _serve(holder[0], r, w), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    holder.append(Stub(f"http://127.0.0.1:{port}"))
    async with server:
        yield holder[0]


def worker_env(settings: Settings, stub: Stub, max_turns: int, tmp_path: Path) -> dict[str, str]:
    return child_env(
        {
            "APP_ENV": "test",
            "DATABASE_URL": settings.database_url,
            "REDIS_URL": settings.redis_url,
            "QUEUE_NAME": settings.queue_name,
            "RASA_URL": stub.url,
            "ACTIONS_URL": stub.url,  # its /health answers: the turns are complete
            "TWILIO_API_BASE_URL": stub.url,
            "TWILIO_ACCOUNT_SID": settings.twilio_account_sid,
            "TWILIO_AUTH_TOKEN": settings.twilio_auth_token.get_secret_value(),
            "PUBLIC_BASE_URL": settings.public_base_url,
            "MEDIA_DIR": str(tmp_path / "media"),
            "LOG_LEVEL": "WARNING",
            "WORKER_MAX_TURNS": str(max_turns),
        }
    )


async def waiting(runtime: Runtime) -> int:
    async with runtime.sessions() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(Message)
            .where(Message.direction == "in", Message.status.in_(PENDING_INBOUND))
        )
    return int(count or 0)


@pytest.mark.parametrize("max_turns", [3])
async def test_worker_runs_at_most_worker_max_turns_at_once(
    runtime: Runtime, settings: Settings, stub: Stub, max_turns: int, tmp_path: Path
) -> None:
    for index in range(CONVERSATIONS):  # one message from each of twelve people
        message = InboundMessage(
            message_sid="SM" + uuid.uuid4().hex,
            channel="sms",
            from_e164=f"+57300555{index:04d}",
            to=settings.twilio_sms_from,
            body="hola",
        )
        stored = await store_inbound(runtime.inbound, message)
        assert stored is not None
        await enqueue_turn(
            runtime.redis, conversation_id=stored.conversation_id, message_id=stored.message_id
        )
    env = worker_env(settings, stub, max_turns, tmp_path)
    worker = Process("worker", [sys.executable, "-m", "bot.worker"], env, tmp_path)
    worker.start()
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 60
        while await waiting(runtime) and loop.time() < deadline:
            assert worker.popen is not None and worker.popen.poll() is None, worker.tail()
            await asyncio.sleep(0.1)
        assert await waiting(runtime) == 0, f"backlog not drained:\n{worker.tail()}"
    finally:
        worker.stop()
    assert stub.rasa_calls == CONVERSATIONS
    # Twelve turns were ready at once: the worker ran exactly as many as allowed, never more.
    assert stub.most_in_rasa == max_turns, worker.tail()
