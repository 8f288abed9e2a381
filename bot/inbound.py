"""Store one verified inbound message (contact, conversation, message) in a single transaction."""

from __future__ import annotations

from dataclasses import dataclass

from bot.db import conversations, messages
from bot.db.engine import SessionFactory
from bot.db.models import utcnow
from bot.twilio_adapter.records import InboundMessage


@dataclass(frozen=True, slots=True)
class StoredInbound:
    conversation_id: int
    message_id: int


async def store_inbound(sessions: SessionFactory, message: InboundMessage) -> StoredInbound | None:
    """Return the stored ids, or ``None`` for a duplicate MessageSid (then nothing changes)."""
    now = utcnow()
    async with sessions() as session, session.begin():
        contact_id = await conversations.upsert_contact(
            session,
            phone_e164=message.from_e164,
            seen_at=now,
            channel=message.channel,
            profile_name=message.profile_name,
            whatsapp_id=message.whatsapp_id,
        )
        conversation_id = await conversations.upsert_conversation(
            session, contact_id=contact_id, channel=message.channel, seen_at=now
        )
        message_id = await messages.insert_inbound(
            session,
            conversation_id=conversation_id,
            message_sid=message.message_sid,
            body=message.body,
            media=[{"url": item.url, "content_type": item.content_type} for item in message.media],
            button_payload=message.button_payload,
            received_at=now,
        )
        if message_id is None:
            await session.rollback()
            return None
    return StoredInbound(conversation_id=conversation_id, message_id=message_id)
