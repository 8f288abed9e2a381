"""Data rights (Ley 1581): "mis datos" summarises, "borrar mis datos" erases after a confirmation."""

from __future__ import annotations

import base64

import pytest
import redis as redis_sync
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from bot.db.models import Contact, Conversation
from bot.privacy import ERASED
from bot.settings import to_async_url
from tests.conftest import REDIS_BASE
from tests.e2e.conftest import REDIS_DB, Stack, new_phone
from tests.e2e.db import messages_of

pytestmark = pytest.mark.e2e

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg=="
)


async def test_summary_then_erasure_keeps_only_what_the_law_needs(live: Stack) -> None:
    phone = new_phone()
    media = await live.http.post(
        "/fake-twilio/_control/media",
        json={"content_type": "image/png", "data_b64": base64.b64encode(PNG).decode()},
    )
    await live.send(
        phone,
        "",
        channel="whatsapp",
        NumMedia="1",
        MediaUrl0=media.json()["url"],
        MediaContentType0="image/png",
    )
    await live.wait_outbound(phone, 1, channel="whatsapp")
    [photo, _] = await messages_of(live.database_url, phone)
    stored_photo = live.logs / "media" / photo.media[0]["key"]
    assert stored_photo.exists()

    await live.send(phone, "mis datos", channel="whatsapp")
    replies = await live.wait_outbound(phone, 2, channel="whatsapp")
    assert f"terminado en {phone[-4:]}" in replies[1]["body"] and "1 archivo" in replies[1]["body"]

    await live.send(phone, "borren mis datos porfa", channel="whatsapp")
    replies = await live.wait_outbound(phone, 3, channel="whatsapp")
    assert "¿Quiere que borremos sus datos?" in replies[2]["body"]
    old_sender = await _sender_id(live, phone)
    await live.send(phone, "si", channel="whatsapp")
    replies = await live.wait_outbound(phone, 4, channel="whatsapp")
    assert replies[3]["body"].startswith("Listo, borramos sus datos.")

    rows = await messages_of(live.database_url, phone)
    assert {row.body for row in rows[:-1]} == {ERASED} and rows[-1].body.startswith("Listo, borramos")
    assert all(row.media == [] for row in rows)
    assert not stored_photo.exists()  # the photo itself is gone, not just hidden
    engine = create_async_engine(to_async_url(live.database_url))
    try:
        async with engine.connect() as connection:
            contact = (await connection.execute(select(Contact).where(Contact.phone_e164 == phone))).one()
    finally:
        await engine.dispose()
    assert contact.profile_name is None and contact.whatsapp_id is None and contact.phone_e164 == phone

    new_sender = await _sender_id(live, phone)
    assert new_sender != old_sender  # Rasa will never read the old tracker again…
    rasa_redis = redis_sync.Redis.from_url(f"{REDIS_BASE}/{REDIS_DB['rasa']}")
    try:
        ttl = rasa_redis.ttl(f"famibot:tracker:{old_sender}")
    finally:
        rasa_redis.close()
    assert 0 < int(ttl) <= 30 * 24 * 3600  # …and it expires (record_exp in nlu/endpoints.yml)


async def _sender_id(live: Stack, phone: str) -> str:
    rows = await messages_of(live.database_url, phone)
    engine = create_async_engine(to_async_url(live.database_url))
    try:
        async with engine.connect() as connection:
            result = await connection.execute(
                select(Conversation.rasa_sender_id).where(Conversation.id == rows[0].conversation_id)
            )
            return str(result.scalar_one())
    finally:
        await engine.dispose()
