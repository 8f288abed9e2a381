"""The webhook's one write (bot/db/inbound_store.py) on SQLite and PostgreSQL: what a row holds after
a first message, a later one, a duplicate, WhatsApp fields and concurrent messages of a new contact."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

from sqlalchemy import func, select

from bot.db.models import Contact, Conversation, Message, utcnow
from bot.runtime import Runtime
from bot.twilio_adapter.records import InboundMessage, MediaItem


def _sid() -> str:
    return "SM" + uuid.uuid4().hex


def _message(phone: str, body: str = "hola", **fields: object) -> InboundMessage:
    values: dict[str, object] = {
        "message_sid": _sid(),
        "channel": "sms",
        "from_e164": phone,
        "to": "+15005550006",
    }
    values.update(fields)
    return InboundMessage(body=body, **values)  # type: ignore[arg-type]


async def _one(runtime: Runtime, model: type, **where: object) -> object:
    async with runtime.sessions() as session:
        return (await session.scalars(select(model).filter_by(**where))).one()


async def test_first_message_creates_contact_conversation_and_message(runtime: Runtime) -> None:
    now = utcnow()
    media = (MediaItem(url="https://api.twilio.com/x/Media/ME1", content_type="image/jpeg"),)
    stored = await runtime.inbound.store(_message("+573011112233", "hola", media=media), now=now)
    assert stored is not None
    message = await _one(runtime, Message, id=stored.message_id)
    assert isinstance(message, Message)
    assert (message.direction, message.status, message.body, message.conversation_id) == (
        "in", "received", "hola", stored.conversation_id,
    )  # fmt: skip
    assert message.media == [{"url": "https://api.twilio.com/x/Media/ME1", "content_type": "image/jpeg"}]
    assert message.created_at == now
    conversation = await _one(runtime, Conversation, id=stored.conversation_id)
    assert isinstance(conversation, Conversation)
    assert (conversation.channel, conversation.owner, conversation.last_inbound_at) == ("sms", "bot", now)
    assert len(conversation.rasa_sender_id) == 32 and "573011112233" not in conversation.rasa_sender_id
    contact = await _one(runtime, Contact, phone_e164="+573011112233")
    assert isinstance(contact, Contact)
    assert (contact.last_inbound_at, contact.last_whatsapp_inbound_at, contact.language) == (now, None, "es")


async def test_later_message_updates_times_and_keeps_whatsapp_fields(runtime: Runtime) -> None:
    first_at = utcnow() - timedelta(hours=2)
    whatsapp = _message(
        "+573012223344", channel="whatsapp", profile_name="Luz Dary", whatsapp_id="573012223344"
    )
    stored_wa = await runtime.inbound.store(whatsapp, now=first_at)
    later = utcnow()
    stored_sms = await runtime.inbound.store(_message("+573012223344"), now=later)
    assert stored_wa and stored_sms and stored_wa.conversation_id != stored_sms.conversation_id
    contact = await _one(runtime, Contact, phone_e164="+573012223344")
    assert isinstance(contact, Contact)
    # An SMS does not open or close the WhatsApp window, nor erase the WhatsApp name.
    assert contact.last_inbound_at == later
    assert contact.last_whatsapp_inbound_at == first_at
    assert (contact.profile_name, contact.whatsapp_id) == ("Luz Dary", "573012223344")
    again = await runtime.inbound.store(
        _message("+573012223344", channel="whatsapp", profile_name="Luz"), now=later
    )
    assert again is not None and again.conversation_id == stored_wa.conversation_id
    contact = await _one(runtime, Contact, phone_e164="+573012223344")
    assert isinstance(contact, Contact)
    assert (contact.last_whatsapp_inbound_at, contact.profile_name) == (later, "Luz")


async def test_duplicate_sid_changes_nothing(runtime: Runtime) -> None:
    first_at = utcnow() - timedelta(minutes=5)
    message = _message("+573013334455", channel="whatsapp")
    assert await runtime.inbound.store(message, now=first_at) is not None
    assert await runtime.inbound.store(message, now=utcnow()) is None
    contact = await _one(runtime, Contact, phone_e164="+573013334455")
    assert isinstance(contact, Contact)
    assert (contact.last_inbound_at, contact.last_whatsapp_inbound_at) == (first_at, first_at)
    async with runtime.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Message)) == 1


async def test_concurrent_first_messages_of_one_contact(runtime: Runtime) -> None:
    phone = "+573014445566"
    messages = [_message(phone, f"mensaje {i}") for i in range(12)]
    stored = await asyncio.gather(*(runtime.inbound.store(m, now=utcnow()) for m in messages))
    assert all(item is not None for item in stored)
    assert len({item.conversation_id for item in stored if item}) == 1
    async with runtime.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Contact)) == 1
        assert await session.scalar(select(func.count()).select_from(Message)) == 12
