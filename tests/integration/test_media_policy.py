"""Media and consent (Ley 1581): held without consent, downloaded with it, deleted at Twilio either way.

Real database, real Redis, the fake Twilio API in-process behind the adapter's real client.
"""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import select, update

from bot.consent import load_consent
from bot.db import conversations, messages
from bot.db.models import Consent, Contact, Conversation, Message, TwilioDeletion, utcnow
from bot.media_policy import HELD_FOR_CONSENT, HELD_MEDIA_PAYLOAD, prepare_media
from bot.rasa_client import RasaClient
from bot.runtime import Runtime
from bot.turns import take_turn
from bot.twilio_copies import retry_due_deletions
from tests.conftest import ROOT
from tests.integration.claiming import claim_next_inbound
from tests.integration.fake_twilio_app import FakeTwilio, attach_fake_twilio, media_files

CONSENT = load_consent(ROOT / "data" / "consent.yml")


async def _photo_message(
    runtime: Runtime,
    fake: FakeTwilio,
    *,
    consent: bool | None,
    url: str | None = None,
    phone: str = "+573001234567",
) -> tuple[Conversation, Contact, Message]:
    sid = "MM" + uuid.uuid4().hex
    url = url or await fake.register_media(sid)
    async with runtime.sessions() as session, session.begin():
        contact_id = await conversations.upsert_contact(
            session, phone_e164=phone, seen_at=utcnow(), channel="whatsapp"
        )
        conversation_id = await conversations.upsert_conversation(
            session, contact_id=contact_id, channel="whatsapp", seen_at=utcnow()
        )
        if consent is not None:
            session.add(
                Consent(
                    contact_id=contact_id,
                    conversation_id=conversation_id,
                    accepted=consent,
                    channel="whatsapp",
                    message_sid=None,
                    text_version=CONSENT.version,
                    purposes=list(CONSENT.purposes),
                    answered_at=utcnow(),
                )
            )
        message_id = await messages.insert_inbound(
            session,
            conversation_id=conversation_id,
            message_sid=sid,
            body="",
            media=[{"url": url, "content_type": "image/png"}],
            button_payload=None,
            received_at=utcnow(),
        )
    async with runtime.sessions() as session:
        conversation = await session.get(Conversation, conversation_id)
        contact = await session.get(Contact, contact_id)
        message = await session.get(Message, message_id)
    assert conversation is not None and contact is not None and message is not None
    return conversation, contact, message


async def _stored(runtime: Runtime, message_id: int) -> list[dict[str, Any]]:
    async with runtime.sessions() as session:
        message = await session.get(Message, message_id)
    assert message is not None
    return message.media


async def _queue(runtime: Runtime) -> list[TwilioDeletion]:
    async with runtime.sessions() as session:
        return list((await session.scalars(select(TwilioDeletion))).all())


async def test_without_consent_the_photo_is_never_fetched_and_is_deleted_at_twilio(runtime: Runtime) -> None:
    fake = attach_fake_twilio(runtime)
    for consent, phone in ((None, "+573001111111"), (False, "+573002222222")):  # never asked, declined
        fake.requests.clear()
        conversation, contact, message = await _photo_message(runtime, fake, consent=consent, phone=phone)
        [media_sid] = fake.media_sids()
        media, payload = await prepare_media(runtime, conversation, contact, message)
        assert payload == HELD_MEDIA_PAYLOAD
        assert [item["held"] for item in media] == [HELD_FOR_CONSENT]
        assert "key" not in media[0] and await _stored(runtime, message.id) == media
        assert [method for method, _ in fake.requests] == ["DELETE"]  # no GET: never downloaded
        assert fake.requests[0][1].endswith(f"/Media/{media_sid}.json")
        assert fake.media_sids() == set() and media_files(runtime.settings.media_dir) == []
        assert await _queue(runtime) == []  # deleted: nothing left to retry


async def test_with_consent_the_photo_is_stored_then_deleted_at_twilio(runtime: Runtime) -> None:
    fake = attach_fake_twilio(runtime)
    conversation, contact, message = await _photo_message(runtime, fake, consent=True)
    [media_sid] = fake.media_sids()
    media, payload = await prepare_media(runtime, conversation, contact, message)
    assert payload is None and media[0]["sid"] == media_sid and "held" not in media[0]
    [path] = media_files(runtime.settings.media_dir)
    assert path == runtime.settings.media_dir / media[0]["key"]
    assert path.read_bytes() == b"\x89PNG photo" and path.stat().st_mode & 0o777 == 0o600
    assert [method for method, _ in fake.requests] == ["GET", "DELETE"]
    assert fake.media_sids() == set() and await _queue(runtime) == []
    again, _ = await prepare_media(runtime, conversation, contact, message)  # a retried turn
    assert again == media and [method for method, _ in fake.requests] == ["GET", "DELETE"]


async def test_a_failed_delete_does_not_fail_the_turn_and_is_retried_later(runtime: Runtime) -> None:
    fake = attach_fake_twilio(runtime)
    conversation, contact, message = await _photo_message(runtime, fake, consent=True)
    await fake.fail_deletes(1)
    media, _ = await prepare_media(runtime, conversation, contact, message)
    assert media[0]["key"] and len(fake.media_sids()) == 1  # stored here, still at Twilio
    [row] = await _queue(runtime)
    assert (row.message_sid, row.media_sid, row.reason, row.attempts) == (
        message.twilio_sid,
        media[0]["sid"],
        "downloaded",
        1,
    )
    assert row.next_attempt_at > utcnow() + timedelta(seconds=50) and "503" in (row.last_error or "")
    assert await retry_due_deletions(runtime) and len(fake.media_sids()) == 1  # not due yet
    async with runtime.sessions() as session, session.begin():
        await session.execute(update(TwilioDeletion).values(next_attempt_at=utcnow()))
    assert await retry_due_deletions(runtime)
    assert fake.media_sids() == set() and await _queue(runtime) == []


async def test_a_media_url_without_twilio_sids_is_never_fetched_nor_names_a_file(runtime: Runtime) -> None:
    fake = attach_fake_twilio(runtime)
    base = runtime.settings.twilio_api_base_url
    bad = f"{base}/2010-04-01/Accounts/{runtime.settings.twilio_account_sid}/Messages/x/Media/..%2F..%2Fpwn"
    conversation, contact, message = await _photo_message(runtime, fake, consent=True, url=bad)
    media, _ = await prepare_media(runtime, conversation, contact, message)
    assert media[0]["error"].startswith("media URL") and "key" not in media[0]
    assert fake.requests == [] and media_files(runtime.settings.media_dir) == []


class ConsentRasa:
    """Rasa asked for consent (its ``consentimiento`` slot is false): the gateway shows the question."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(json.loads(request.content))
        return httpx.Response(200, json=[{"recipient_id": "x", "custom": {"famibot_command": "ask_consent"}}])

    def client(self) -> RasaClient:
        http = httpx.AsyncClient(transport=httpx.MockTransport(self.handler))
        return RasaClient(base_url="http://rasa", token="tok", client=http, timeout_s=2)


async def test_the_reply_says_the_file_was_not_kept_and_asks_for_consent(runtime: Runtime) -> None:
    fake = attach_fake_twilio(runtime)
    conversation, contact, _ = await _photo_message(runtime, fake, consent=None)
    async with runtime.sessions() as session, session.begin():
        claimed = await claim_next_inbound(session, conversation_id=conversation.id)
    assert claimed is not None
    rasa = ConsentRasa()
    replies = await take_turn(runtime, rasa.client(), conversation, contact, claimed[0])
    [call] = rasa.calls
    assert call["message"] == HELD_MEDIA_PAYLOAD and call["metadata"]["media"] == []
    text = "\n".join(reply.body for reply in replies)
    assert text.startswith(CONSENT.media_held) and CONSENT.rendered in text  # then the question
    assert "no lo guardamos" in CONSENT.media_held and "envíelo de nuevo" in CONSENT.media_held
    assert fake.media_sids() == set() and media_files(runtime.settings.media_dir) == []
