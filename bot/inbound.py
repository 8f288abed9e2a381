"""Store one verified inbound message (contact, conversation, message) in a single transaction."""

from __future__ import annotations

from bot.db.inbound_store import InboundStore, StoredInbound
from bot.db.models import utcnow
from bot.twilio_adapter.records import InboundMessage

__all__ = ["StoredInbound", "store_inbound"]


async def store_inbound(store: InboundStore, message: InboundMessage) -> StoredInbound | None:
    """Return the stored ids, or ``None`` for a duplicate MessageSid (then nothing changes)."""
    return await store.store(message, now=utcnow())
