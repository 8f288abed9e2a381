"""Data rights (Ley 1581) end to end: the real web app, worker, trained Rasa, action server, Redis and
the fake Twilio API (messages sent through the simulator, so Twilio holds them as it would).

- A photo sent before consent is never fetched: the reply says so and asks for consent; Twilio's copy
  is deleted. After consent, a photo is stored and Twilio's copy deleted at once.
- "mis datos" summarises; "borrar mis datos", confirmed, leaves nothing of the person's words, photos
  or cédula number in the database, on disk, in Redis (the app's and Rasa's databases) or at Twilio.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import time
from typing import Any

import pytest
import redis as redis_sync
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from bot.consent import load_consent
from bot.db.models import Contact, Conversation
from bot.media_policy import HELD_FOR_CONSENT
from bot.privacy import ERASED
from bot.settings import to_async_url
from bot.text import fold_accents
from tests.conftest import REDIS_BASE
from tests.e2e.conftest import REDIS_DB, ROOT, Stack, new_phone
from tests.e2e.db import every_stored_value, messages_of

pytestmark = pytest.mark.e2e

CONSENT = load_consent(ROOT / "data" / "consent.yml")
PROFILE = "Marleny Z."
NAME = "Marleny Zapata Ocampo"  # names no other test uses: Rasa's Redis is shared by the whole suite
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg=="
)


async def _say(
    live: Stack,
    phone: str,
    text: str = "",
    *,
    expect: str,
    photo: bool = False,
    button: str | None = None,
    profile: str = "Usuaria de prueba",
) -> dict[str, Any]:
    """Send through the simulator (Twilio logs the inbound message and its media); return the reply:
    the first outbound message not seen before (an erasure deletes the earlier ones at Twilio)."""
    seen = {message["sid"] for message in await live.outbound(phone, channel="whatsapp")}
    payload: dict[str, Any] = {"channel": "whatsapp", "phone": phone, "text": text, "profile_name": profile}
    if photo:
        payload["media"] = {"content_type": "image/png", "data_b64": base64.b64encode(PNG).decode()}
    if button:
        payload |= {"button_payload": button, "button_text": text}
    response = await live.http.post("/simulator/api/send", json=payload)
    assert response.status_code == 200 and response.json()["ok"], response.text
    deadline = time.monotonic() + 30
    while True:
        new = [m for m in await live.outbound(phone, channel="whatsapp") if m["sid"] not in seen]
        if new or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.1)
    assert new, f"no reply to {text!r}:\n{live.worker.tail()}"
    reply = new[0]
    assert fold_accents(expect).lower() in fold_accents(reply["body"]).lower(), reply["body"]
    return reply


async def _twilio(live: Stack, phone: str) -> tuple[list[dict[str, Any]], set[str]]:
    """What the (fake) Twilio still holds: this person's messages both ways, and every media SID."""
    address = f"whatsapp:{phone}"
    found = (await live.http.get("/fake-twilio/_control/messages")).json()["messages"]
    media = (await live.http.get("/fake-twilio/_control/media")).json()["media"]
    return [m for m in found if address in (m["to"], m["from"])], {item["sid"] for item in media}


def _redis_text(url: str) -> bytes:
    """Every key and value of one Redis database, whatever its type."""
    client = redis_sync.Redis.from_url(url)
    parts: list[bytes] = []
    try:
        for key in client.scan_iter(count=1000):
            parts.append(key)
            kind = client.type(key)
            if kind == b"string":
                parts.append(client.get(key) or b"")
            elif kind == b"hash":
                parts.extend(b"%s=%s" % pair for pair in client.hgetall(key).items())
            elif kind == b"list":
                parts.extend(client.lrange(key, 0, -1))
            elif kind == b"set":
                parts.extend(client.smembers(key))
            elif kind == b"zset":
                parts.extend(client.zrange(key, 0, -1))
            elif kind == b"stream":
                parts.extend(repr(entry).encode() for entry in client.xrange(key))
    finally:
        client.close()
    return b"\n".join(parts)


async def test_a_photo_before_consent_is_not_kept_and_the_reply_asks_for_consent(live: Stack) -> None:
    phone = new_phone()
    reply = await _say(live, phone, photo=True, expect="Antes de pedirle datos")
    assert reply["body"].startswith(CONSENT.media_held)
    [photo] = [row for row in await messages_of(live.database_url, phone) if row.direction == "in"]
    assert [item.get("held") for item in photo.media] == [HELD_FOR_CONSENT] and "key" not in photo.media[0]
    assert not (live.logs / "media" / str(photo.conversation_id)).exists()  # never fetched
    at_twilio, media_at_twilio = await _twilio(live, phone)
    [inbound] = [message for message in at_twilio if message["direction"] == "inbound"]
    assert inbound["sid"] == photo.twilio_sid and len(inbound["media_urls"]) == 1
    assert inbound["media_urls"][0].rsplit("/", 1)[-1] not in media_at_twilio  # deleted at Twilio

    await _say(live, phone, "Acepto", button="/affirm", expect="10 preguntas")
    await _say(live, phone, photo=True, expect="Recibimos su archivo")
    rows = [row for row in await messages_of(live.database_url, phone) if row.direction == "in"]
    [stored] = rows[-1].media
    assert (live.logs / "media" / stored["key"]).read_bytes() == PNG  # with consent: kept…
    assert stored["sid"] not in (await _twilio(live, phone))[1]  # …and Twilio's copy deleted at once


async def test_erasure_leaves_nothing_of_the_person_anywhere(live: Stack) -> None:
    phone, name = new_phone(), NAME
    cedula = "10" + phone[-8:]  # unique to this person
    say = functools.partial(_say, live, phone, profile=PROFILE)  # WhatsApp's profile name: theirs too
    await say("quiero un credito", expect="Antes de pedirle datos")
    await say("Acepto", button="/affirm", expect="10 preguntas")
    await say(f"me llamo {name}", expect="años tiene")
    await say("38", expect="cedula")
    await say(f"mi cedula es {cedula}", expect="municipio")
    await say(photo=True, expect="Recibimos su archivo")
    [photo] = [item for row in await messages_of(live.database_url, phone) for item in row.media]
    assert (live.logs / "media" / photo["key"]).exists()
    summary = await say("mis datos", expect=f"terminado en {phone[-4:]}")
    assert "1 archivo" in summary["body"]
    await say("borrar mis datos", expect="¿Quiere que borremos sus datos?")
    before_erasure, _ = await _twilio(live, phone)
    old_senders = await _sender_ids(live, phone)
    await say("si", expect="Listo, borramos sus datos")

    secrets = [cedula, f"{int(cedula):,}".replace(",", "."), name, "Marleny"]
    stored = await every_stored_value(live.database_url)
    assert not [secret for secret in secrets if secret in stored]  # the database (this backend)
    rows = await messages_of(live.database_url, phone)
    assert {row.body for row in rows[:-1]} == {ERASED} and all(row.media == [] for row in rows)
    conversation_dir = live.logs / "media" / photo["key"].split("/")[0]
    assert [path for path in conversation_dir.rglob("*") if path.is_file()] == []  # disk (MEDIA_DIR)
    for database in (REDIS_DB[live.backend], REDIS_DB["rasa"]):  # the app's and Rasa's Redis
        text = _redis_text(f"{REDIS_BASE}/{database}")
        assert not [secret for secret in secrets if secret.encode() in text], database
    rasa_redis = redis_sync.Redis.from_url(f"{REDIS_BASE}/{REDIS_DB['rasa']}")
    try:  # the old trackers are deleted now, not left to expire in 30 days
        assert [rasa_redis.exists(f"famibot:tracker:{sender}") for sender in old_senders] == [0]
    finally:
        rasa_redis.close()
    left, media = await _twilio(live, phone)  # Twilio: only the confirmation, sent after the erasure
    assert [m["body"] for m in left] == [CONSENT.erased] and len(before_erasure) >= 16
    assert photo["sid"] not in media
    engine = create_async_engine(to_async_url(live.database_url))
    try:
        async with engine.connect() as connection:
            contact = (await connection.execute(select(Contact).where(Contact.phone_e164 == phone))).one()
    finally:
        await engine.dispose()
    assert contact.profile_name is None and contact.whatsapp_id is None and contact.phone_e164 == phone


async def _sender_ids(live: Stack, phone: str) -> list[str]:
    engine = create_async_engine(to_async_url(live.database_url))
    try:
        async with engine.connect() as connection:
            result = await connection.execute(
                select(Conversation.rasa_sender_id)
                .join(Contact, Contact.id == Conversation.contact_id)
                .where(Contact.phone_e164 == phone)
            )
            return [str(sender) for sender in result.scalars()]
    finally:
        await engine.dispose()
