"""The reminder for missing documents in the real worker process (``python -m bot.worker``): its
periodic job finds the due request, queues the reminder and the conversation's job sends it to the
fake Twilio API, once, whatever the real time (the worker judges the contact hours as if open:
CONTACT_HOURS_OFFSET_S; the clock-controlled cases are in test_document_reminders.py)."""

from __future__ import annotations

import asyncio
import sys
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.db.models import Contact, Conversation, DocumentItem, DocumentRequest, utcnow
from bot.runtime import build_runtime
from tests.conftest import make_settings
from tests.contact_clock import contact_hours_offset_s
from tests.e2e.processes import Process, child_env, free_port
from tests.integration.web_server import serving

PHONE = "+573115556677"


async def test_the_worker_sends_a_due_reminder_once(database_url: str, redis_db: int, tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings = make_settings(
        database_url, redis_db, media_dir=tmp_path / "media", public_base_url=base,
        twilio_api_base_url=f"{base}/fake-twilio",
    )  # fmt: skip
    async with serving(settings, port):
        runtime = await build_runtime(settings)
        try:
            async with runtime.sessions() as session, session.begin():
                contact = Contact(phone_e164=PHONE, last_inbound_at=utcnow() - timedelta(days=2))
                session.add(contact)
                await session.flush()
                conversation = Conversation(
                    rasa_sender_id=uuid.uuid4().hex, contact_id=contact.id, channel="sms"
                )
                session.add(conversation)
                await session.flush()
                request = DocumentRequest(
                    conversation_id=conversation.id, contact_id=contact.id, product_id="credito_agro",
                    formal=False, next_reminder_at=utcnow() - timedelta(minutes=1),
                )  # fmt: skip
                session.add(request)
                await session.flush()
                for position, item_id in enumerate(("cedula_frente", "cedula_reverso")):
                    session.add(DocumentItem(request_id=request.id, item_id=item_id, position=position))
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
                    "PUBLIC_BASE_URL": base,
                    "MEDIA_DIR": str(tmp_path / "media"),
                    "CONTACT_HOURS_OFFSET_S": str(contact_hours_offset_s(settings)),
                }
            )
            worker = Process("worker", [sys.executable, "-m", "bot.worker"], env, tmp_path).start()
            try:
                async with httpx.AsyncClient(base_url=base, timeout=10) as http:

                    async def at_twilio() -> list[dict[str, Any]]:
                        answer = await http.get("/fake-twilio/_control/messages", params={"to": PHONE})
                        return list(answer.json()["messages"])

                    deadline = asyncio.get_running_loop().time() + 90  # at start-up, then once a minute
                    while not await at_twilio():
                        if asyncio.get_running_loop().time() > deadline:
                            pytest.fail(f"no reminder reached Twilio\n--- worker ---\n{worker.tail()}")
                        await asyncio.sleep(0.5)
                    await asyncio.sleep(2.0)  # the worker has had its chance to send a second one
                    [sent] = await at_twilio()
                    assert "Documentos que faltan: 2." in sent["body"]
            finally:
                worker.stop()
            async with runtime.sessions() as session:
                stored = await session.get(DocumentRequest, request.id)
            assert stored is not None and stored.reminders_sent == 1
            assert stored.next_reminder_at is not None and stored.next_reminder_at > utcnow() + timedelta(
                hours=47
            )
        finally:
            await runtime.close()
