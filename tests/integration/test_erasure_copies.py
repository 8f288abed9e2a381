"""Erasure reaches the copies outside our database: Rasa's tracker in Redis and Twilio's messages and
media (the fake Twilio API in-process, behind the adapter's real client). Real database and Redis."""

from __future__ import annotations

import uuid

import pytest
from redis.asyncio import Redis
from sqlalchemy import select, update

from bot.commands import delete_my_data
from bot.consent import load_consent
from bot.db import conversations, messages
from bot.db.models import Consent, Contact, Conversation, Message, TwilioDeletion, utcnow
from bot.privacy import ERASED
from bot.rasa_trackers import tracker_keys
from bot.runtime import Runtime
from bot.twilio_adapter.records import OutboundRequest
from bot.twilio_copies import retry_due_deletions
from tests.conftest import ROOT
from tests.integration.fake_twilio_app import FakeTwilio, attach_fake_twilio, media_files
from webhooks.dev.fake_twilio_store import FakeMessage

CONSENT = load_consent(ROOT / "data" / "consent.yml")
PHONE = "+573001234567"
CEDULA = "1032456789"


async def _person(runtime: Runtime, fake: FakeTwilio) -> tuple[Conversation, Contact, Message, set[str]]:
    """A consenting person who wrote their cédula, sent a photo and got a reply, then confirmed
    "borrar mis datos": their conversation, contact, the confirming message and every SID at Twilio."""
    settings = runtime.settings
    address = f"whatsapp:{PHONE}"
    text_sid, photo_sid, confirm_sid = (
        "SM" + uuid.uuid4().hex,
        "MM" + uuid.uuid4().hex,
        "SM" + uuid.uuid4().hex,
    )
    url = await fake.register_media(photo_sid, b"photo of " + CEDULA.encode())
    for sid, body, urls in (
        (text_sid, f"mi cedula es {CEDULA}", ()),
        (photo_sid, "", (url,)),
        (confirm_sid, "si", ()),
    ):
        fake.store.add_message(  # Twilio keeps every inbound message (the simulator logs them the same way)
            FakeMessage(sid=sid, account_sid=settings.twilio_account_sid, to=settings.twilio_whatsapp_from,
                        from_=address, body=body, direction="inbound", status="received", media_urls=urls)
        )  # fmt: skip
    sent = await runtime.twilio.send(
        OutboundRequest(to=address, from_=settings.twilio_whatsapp_from, body=f"¿Su cédula es {CEDULA}?")
    )
    assert await fake.store.drain(5)  # delivered: Twilio lets it be deleted
    key = "7/photo.png"
    (settings.media_dir / "7").mkdir(parents=True)
    (settings.media_dir / key).write_bytes(b"photo")
    async with runtime.sessions() as session, session.begin():
        contact_id = await conversations.upsert_contact(
            session, phone_e164=PHONE, seen_at=utcnow(), channel="whatsapp", profile_name="Ana"
        )
        conversation_id = await conversations.upsert_conversation(
            session, contact_id=contact_id, channel="whatsapp", seen_at=utcnow()
        )
        session.add(
            Consent(contact_id=contact_id, conversation_id=conversation_id, accepted=True, channel="whatsapp",
                    message_sid=text_sid, text_version=CONSENT.version, purposes=[], answered_at=utcnow())
        )  # fmt: skip
        ids = {}
        for sid, body, media in (
            (text_sid, f"mi cedula es {CEDULA}", []),
            (photo_sid, "", [{"url": url, "content_type": "image/png", "key": key, "sid": url[-34:]}]),
            (confirm_sid, "si", []),
        ):
            ids[sid] = await messages.insert_inbound(
                session, conversation_id=conversation_id, message_sid=sid, body=body, media=media,
                button_payload=None, received_at=utcnow(),
            )  # fmt: skip
        reply = await messages.add_outbound(
            session, conversation_id=conversation_id, reply_to_id=None, position=0, body=f"¿Su cédula es {CEDULA}?"
        )  # fmt: skip
        reply.twilio_sid = sent.sid
    async with runtime.sessions() as session:
        conversation = await session.get(Conversation, conversation_id)
        contact = await session.get(Contact, contact_id)
        confirm = await session.get(Message, ids[confirm_sid])
    assert conversation is not None and contact is not None and confirm is not None
    for key in tracker_keys(conversation.rasa_sender_id):  # the log, its head, the old format
        await runtime.redis.set(key, f'{{"text": "mi cedula es {CEDULA}"}}')
    for key in _lesson_keys(conversation.id):  # a course being chosen, a question asked after a quiz
        await runtime.redis.set(key, "cuentas_claras")
    return conversation, contact, confirm, {text_sid, photo_sid, confirm_sid, sent.sid}


def _lesson_keys(conversation_id: int) -> list[str]:
    return [f"famibot:lesson-course-asked:{conversation_id}", f"famibot:lesson-elsewhere:{conversation_id}"]


def _at_twilio(fake: FakeTwilio) -> tuple[set[str], set[str]]:
    return {message.sid for message in fake.store.messages()}, fake.media_sids()


async def _bodies(runtime: Runtime) -> list[str]:
    async with runtime.sessions() as session:
        return [row.body for row in (await session.scalars(select(Message).order_by(Message.id))).all()]


async def test_erasure_deletes_the_rasa_tracker_and_every_copy_at_twilio(runtime: Runtime) -> None:
    fake = attach_fake_twilio(runtime)
    conversation, contact, confirm, sids = await _person(runtime, fake)
    old_sender = conversation.rasa_sender_id
    assert _at_twilio(fake)[0] == sids and len(_at_twilio(fake)[1]) == 1
    [reply] = await delete_my_data(runtime, conversation, contact, confirm)
    assert reply.body == CONSENT.erased
    assert _at_twilio(fake) == (set(), set())  # messages (both ways) and media: gone at Twilio
    assert await runtime.redis.exists(*tracker_keys(old_sender)) == 0  # deleted now, not in 30 days
    assert await runtime.redis.exists(*_lesson_keys(conversation.id)) == 0  # the lessons' own keys
    assert conversation.rasa_sender_id != old_sender
    assert media_files(runtime.settings.media_dir) == []
    assert [body for body in await _bodies(runtime)] == [ERASED] * 4 + [CONSENT.erased]
    async with runtime.sessions() as session:
        assert (await session.scalars(select(TwilioDeletion))).all() == []


@pytest.mark.parametrize("failure", [503, 409])  # Twilio down; or 20009, "not complete yet"
async def test_twilio_failing_does_not_stop_the_erasure_and_is_retried(
    runtime: Runtime, failure: int
) -> None:
    fake = attach_fake_twilio(runtime)
    conversation, contact, confirm, sids = await _person(runtime, fake)
    old_sender = conversation.rasa_sender_id
    await fake.fail_deletes(1000, http_status=failure)
    [reply] = await delete_my_data(runtime, conversation, contact, confirm)
    assert reply.body == CONSENT.erased  # "pedimos … borrar sus copias": asked, and asked again later
    assert await runtime.redis.exists(*tracker_keys(old_sender)) == 0
    assert ERASED in await _bodies(runtime) and media_files(runtime.settings.media_dir) == []
    assert _at_twilio(fake)[0] == sids  # still there…
    async with runtime.sessions() as session:
        queued = (await session.scalars(select(TwilioDeletion))).all()
    assert {row.message_sid for row in queued} == sids and {row.attempts for row in queued} == {1}
    assert len(queued) == 5 and {row.reason for row in queued} == {"erasure"}  # 4 messages + 1 media
    await fake.fail_deletes(0)
    assert await retry_due_deletions(runtime)  # …and not retried before their time
    assert _at_twilio(fake)[0] == sids
    async with runtime.sessions() as session, session.begin():
        await session.execute(update(TwilioDeletion).values(next_attempt_at=utcnow()))
    assert await retry_due_deletions(runtime)  # the worker's periodic retry (bot.twilio_copies.retry_job)
    assert _at_twilio(fake) == (set(), set())


async def test_tracker_in_another_redis_database_is_deleted_there(runtime: Runtime) -> None:
    settings = runtime.settings
    rasa_db = 15 if settings.redis_url.endswith("/14") else 14
    rasa_url = settings.redis_url.rsplit("/", 1)[0] + f"/{rasa_db}"
    runtime.settings = settings.model_copy(update={"rasa_tracker_redis_url": rasa_url})
    fake = attach_fake_twilio(runtime)
    conversation, contact, confirm, _ = await _person(runtime, fake)
    old_keys = tracker_keys(conversation.rasa_sender_id)
    for index, key in enumerate(old_keys):
        await runtime.redis.rename(key, f"moved-{index}")  # the app's database has no tracker…
    rasa_redis = Redis.from_url(rasa_url)
    try:
        for key in old_keys:
            await rasa_redis.set(key, CEDULA)  # …Rasa's has it
        await delete_my_data(runtime, conversation, contact, confirm)
        assert await rasa_redis.exists(*old_keys) == 0
    finally:
        await rasa_redis.delete(*old_keys)
        await rasa_redis.aclose()
