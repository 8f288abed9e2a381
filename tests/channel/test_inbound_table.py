"""Inbound messages: one row per case, real Twilio form bodies, valid/invalid/missing signatures."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import pytest
from sqlalchemy import func, select

from bot.db.models import Contact, Conversation, Message
from bot.settings import Settings
from tests.channel.harness import Signing, load_form, running_app


@dataclass(frozen=True)
class Row:
    label: str
    fixture: str
    signing: Signing
    status: int
    stored: dict[str, object] | None = None  # expected message fields, None = nothing stored
    contact: dict[str, object] = field(default_factory=dict)
    reason: str = "missing"  # what a 400's detail says


ROWS = [
    Row("sms text", "sms_text", "valid", 200,
        {"channel": "sms", "body": "Hola buenas, quiero info del credito", "media": 0, "button_payload": None},
        {"phone_e164": "+573001234567", "whatsapp_id": None}),
    Row("whatsapp text", "whatsapp_text", "valid", 200,
        {"channel": "whatsapp", "body": "quiubo pues", "media": 0, "button_payload": None},
        {"phone_e164": "+573104567890", "whatsapp_id": "573104567890", "profile_name": "Maria Lopez"}),
    Row("whatsapp image with caption", "whatsapp_image_caption", "valid", 200,
        {"channel": "whatsapp", "body": "esta es mi cedula", "media": 1, "button_payload": None}),
    Row("whatsapp image without caption", "whatsapp_image_only", "valid", 200,
        {"channel": "whatsapp", "body": "", "media": 1, "button_payload": None}),
    Row("whatsapp button reply", "whatsapp_button", "valid", 200,
        {"channel": "whatsapp", "body": "Crédito", "media": 0, "button_payload": "/request_loan"}),
    Row("sms text, wrong signature", "sms_text", "invalid", 403),
    Row("sms text, no signature", "sms_text", "none", 403),
    Row("whatsapp image, wrong signature", "whatsapp_image_caption", "invalid", 403),
    Row("whatsapp button, no signature", "whatsapp_button", "none", 403),
    Row("no MessageSid", "missing_message_sid", "valid", 400),
    Row("no From", "missing_from", "valid", 400),
    Row("MessageSid names a path", "bad_message_sid", "valid", 400, reason="MessageSid is not"),
    Row("MessageSid in capitals", "uppercase_message_sid", "valid", 400, reason="MessageSid is not"),
]  # fmt: skip


@pytest.mark.parametrize("row", ROWS, ids=[row.label for row in ROWS])
async def test_inbound_row(row: Row, settings: Settings) -> None:
    form = load_form(row.fixture)
    async with running_app(settings) as app:
        response = await app.post_form("/twilio/messages", form, row.signing)
        assert response.status_code == row.status, response.text
        async with app.runtime.sessions() as session:
            stored = (await session.scalars(select(Message))).all()
            contacts = (await session.scalars(select(Contact))).all()
        jobs = await app.queued_jobs()
        if row.stored is None:
            assert stored == [] and contacts == [] and jobs == []
            if row.status == 400:
                assert row.reason in response.json()["detail"]
            return
        assert response.headers["content-type"].startswith("text/xml")
        assert "<Response/>" in response.text
        assert len(stored) == 1
        message = stored[0]
        async with app.runtime.sessions() as session:
            conversation = await session.get(Conversation, message.conversation_id)
        assert conversation is not None
        assert message.direction == "in" and message.status == "received"
        assert message.twilio_sid == form["MessageSid"]
        assert conversation.channel == row.stored["channel"]
        assert message.body == row.stored["body"]
        assert len(message.media) == row.stored["media"]
        assert message.button_payload == row.stored["button_payload"]
        for key, value in row.contact.items():
            assert getattr(contacts[0], key) == value
        assert jobs == [("run_conversation", (message.conversation_id,), f"turn:{message.id}")]


async def test_duplicate_delivery_is_stored_and_enqueued_once(settings: Settings) -> None:
    form = load_form("sms_text")
    async with running_app(settings) as app:
        first = await app.post_form("/twilio/messages", form)
        retries = await asyncio.gather(*(app.post_form("/twilio/messages", form) for _ in range(8)))
        assert first.status_code == 200 and all(r.status_code == 200 for r in retries)
        async with app.runtime.sessions() as session:
            count = await session.scalar(select(func.count()).select_from(Message))
        assert count == 1
        assert len(await app.queued_jobs()) == 1


async def test_concurrent_first_messages_from_a_new_contact_share_one_conversation(
    settings: Settings,
) -> None:
    forms = [load_form("sms_text", MessageSid=f"SM{index:032d}") for index in range(6)]
    async with running_app(settings) as app:
        responses = await asyncio.gather(*(app.post_form("/twilio/messages", form) for form in forms))
        assert [r.status_code for r in responses] == [200] * 6
        async with app.runtime.sessions() as session:
            contacts = await session.scalar(select(func.count()).select_from(Contact))
            conversations = await session.scalar(select(func.count()).select_from(Conversation))
            messages = await session.scalar(select(func.count()).select_from(Message))
        assert (contacts, conversations, messages) == (1, 1, 6)


async def test_oversized_body_is_refused_with_413(settings: Settings) -> None:
    form = load_form("sms_text", Body="a" * (65 * 1024))
    async with running_app(settings) as app:
        response = await app.post_form("/twilio/messages", form)
        assert response.status_code == 413
        async with app.runtime.sessions() as session:
            assert await session.scalar(select(func.count()).select_from(Message)) == 0


async def test_signature_ignores_forwarded_host_headers(settings: Settings) -> None:
    """Signed for an attacker's host and sent with X-Forwarded-Host: must still be 403."""
    from urllib.parse import urlencode

    from bot.twilio_adapter.signature import sign

    form = load_form("sms_text")
    forged = sign(settings.twilio_auth_token.get_secret_value(), "https://evil.example/twilio/messages", form)
    async with running_app(settings) as app:
        response = await app.client.post(
            "/twilio/messages",
            content=urlencode(form),
            headers={
                "content-type": "application/x-www-form-urlencoded",
                "x-twilio-signature": forged,
                "x-forwarded-host": "evil.example",
                "x-forwarded-proto": "https",
                "host": "evil.example",
            },
        )
        assert response.status_code == 403


async def test_not_a_form_is_415(settings: Settings) -> None:
    async with running_app(settings) as app:
        response = await app.client.post(
            "/twilio/messages", json={"MessageSid": "SM1", "From": "+573001234567"}
        )
        assert response.status_code == 415


async def test_unparseable_phone_is_400_with_reason(settings: Settings) -> None:
    form = load_form("sms_text", From="not-a-phone")
    async with running_app(settings) as app:
        response = await app.post_form("/twilio/messages", form)
        assert response.status_code == 400
        assert "From" in response.json()["detail"]
