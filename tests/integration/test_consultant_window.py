"""The closed WhatsApp window across real processes: a consultant answers 25 h after the person's last
message; the real worker (``python -m bot.worker``) sends the business-initiated template to the fake
Twilio API and holds the reply; the person answers (a signed inbound request to the web app); the
worker sends the reply text; the fake's signed status callbacks move its status forward.

The web app (webhooks, fake Twilio API) runs in this process on a loopback port; the worker is its own
process. Rasa is never called: a consultant owns the conversation (its URL goes nowhere).
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from sqlalchemy import select

from bot.db.models import Message, StatusEvent, utcnow
from bot.handoff.consultant import consultant_reply
from bot.runtime import Runtime, build_runtime
from bot.settings import Settings
from tests.conftest import make_settings
from tests.contact_clock import contact_hours_offset_s
from tests.e2e.processes import Process, child_env, free_port, signed_inbound
from tests.integration.consultant_setup import claimed_conversation, outbound
from tests.integration.web_server import serving

PHONE = "+573001112233"
REPLY = "Hola Ana, ya revisé su solicitud. ¿Podemos hablar el jueves?"
T = TypeVar("T")


async def eventually(
    check: Callable[[], Awaitable[T]], what: str, worker: Process, timeout_s: float = 20
) -> T:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        value = await check()
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            pytest.fail(f"{what} did not happen\n--- worker ---\n{worker.tail()}")
        await asyncio.sleep(0.1)


class Live:
    def __init__(self, settings: Settings, runtime: Runtime, worker: Process) -> None:
        self.settings, self.runtime, self.worker = settings, runtime, worker
        self.http = httpx.AsyncClient(base_url=settings.public_base_url, timeout=10)

    async def at_twilio(self) -> list[dict[str, Any]]:
        answer = await self.http.get("/fake-twilio/_control/messages", params={"to": f"whatsapp:{PHONE}"})
        return list(answer.json()["messages"])

    async def person_writes(self, body: str) -> None:
        content, headers = signed_inbound(self.settings, PHONE, body, channel="whatsapp")
        assert (await self.http.post("/twilio/messages", content=content, headers=headers)).status_code == 200


@pytest.fixture
async def live(database_url: str, redis_db: int, tmp_path: Path) -> AsyncIterator[Live]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings = make_settings(
        database_url, redis_db, media_dir=tmp_path / "media", public_base_url=base,
        twilio_api_base_url=f"{base}/fake-twilio",
    )  # fmt: skip
    async with serving(settings, port):
        env = child_env(
            {
                "APP_ENV": "test",
                "DATABASE_URL": settings.database_url,
                "REDIS_URL": settings.redis_url,
                "QUEUE_NAME": settings.queue_name,
                "RASA_URL": "http://127.0.0.1:9",
                "ACTIONS_URL": "http://127.0.0.1:9",
                "TWILIO_API_BASE_URL": settings.twilio_api_base_url,
                "TWILIO_ACCOUNT_SID": settings.twilio_account_sid,
                "TWILIO_AUTH_TOKEN": settings.twilio_auth_token.get_secret_value(),
                "TWILIO_WHATSAPP_FROM": settings.twilio_whatsapp_from,
                "PUBLIC_BASE_URL": base,
                "MEDIA_DIR": str(tmp_path / "media"),
                "LOG_LEVEL": "INFO",
                # The reopen template is proactive: the worker judges the contact hours as if open.
                "CONTACT_HOURS_OFFSET_S": str(contact_hours_offset_s(settings)),
            }
        )
        worker = Process("worker", [sys.executable, "-m", "bot.worker"], env, tmp_path).start()
        runtime = await build_runtime(settings)
        live = Live(settings, runtime, worker)
        try:
            yield live
        finally:
            worker.stop()
            await live.http.aclose()
            await runtime.close()


async def test_reply_after_24_hours_sends_the_template_then_the_reply_when_the_person_answers(
    live: Live,
) -> None:
    runtime = live.runtime
    claimed = await claimed_conversation(
        runtime, channel="whatsapp", phone=PHONE, last_inbound=utcnow() - timedelta(hours=25)
    )
    outcome = await consultant_reply(
        runtime, ticket_id=claimed.ticket_id, user=claimed.consultant, text=REPLY, at=utcnow()
    )
    assert outcome.kind == "template_sent_reply_held"

    [template] = await eventually(live.at_twilio, "the template reaching Twilio", live.worker)
    expected = runtime.templates.by_name("retomar_conversacion")
    assert expected is not None and template["content_sid"] == expected.content_sid
    assert template["body"] == (
        "Hola Ana, soy Carla de Interactuar. Tengo una respuesta sobre su solicitud. Responda a este mensaje para verla."
    )
    await asyncio.sleep(1.0)  # the worker has had its chance: the reply itself must still wait
    assert len(await live.at_twilio()) == 1
    reply_row, template_row = await outbound(runtime, claimed.conversation_id)
    assert (reply_row.status, reply_row.twilio_sid) == ("held", None)
    assert template_row.twilio_sid == template["sid"]

    await live.person_writes("Sí, dígame")

    async def two_at_twilio() -> list[dict[str, Any]]:
        found = await live.at_twilio()
        return found if len(found) == 2 else []

    _, reply = await eventually(two_at_twilio, "the held reply reaching Twilio", live.worker)
    assert reply["body"] == REPLY and not reply.get("content_sid")

    async def delivered() -> Message | None:
        row = (await outbound(runtime, claimed.conversation_id))[0]
        return row if row.status in ("delivered", "read") else None

    row = await eventually(delivered, "the reply's status callbacks", live.worker)
    assert (row.twilio_sid, row.author_id, row.purpose) == (
        reply["sid"],
        claimed.consultant.id,
        "consultant_reply",
    )
    async with runtime.sessions() as session:
        statuses = (
            await session.scalars(select(StatusEvent.status).where(StatusEvent.message_id == row.id))
        ).all()
        inbound = (await session.scalars(select(Message).where(Message.direction == "in"))).one()
    assert "sent" in statuses and statuses[-1] in ("delivered", "read")
    # The person's answer went to the consultant, not to the bot (Rasa's URL goes nowhere).
    assert inbound.status == "for_consultant"
    assert len(await live.at_twilio()) == 2  # nothing else was sent
