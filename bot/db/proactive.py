"""Queries behind the per-person limit on proactive messages (bot/contact_hours.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Conversation, Message

# Rows that never reached the person and never will: they do not count against the limit.
NEVER_SENT = ("refused", "canceled")


async def sent_to_contact_since(
    session: AsyncSession, *, contact_id: int, purpose: str, since: datetime
) -> int:
    """Outbound rows of ``purpose`` to the contact (any of their conversations) stored since ``since``,
    sent or still on their way (pending, deferred)."""
    conversation_ids = select(Conversation.id).where(Conversation.contact_id == contact_id)
    count = await session.scalar(
        select(func.count(Message.id)).where(
            Message.conversation_id.in_(conversation_ids),
            Message.direction == "out",
            Message.purpose == purpose,
            Message.created_at >= since,
            Message.status.not_in(NEVER_SENT),
        )
    )
    return int(count or 0)


async def conversation_used_since(
    session: AsyncSession, *, contact_id: int, purpose: str, since: datetime
) -> int | None:
    """The conversation (so the channel) of the person's latest row of ``purpose`` stored since
    ``since``, sent or on its way; ``None`` when there is none."""
    conversation_ids = select(Conversation.id).where(Conversation.contact_id == contact_id)
    return await session.scalar(
        select(Message.conversation_id)
        .where(
            Message.conversation_id.in_(conversation_ids),
            Message.direction == "out",
            Message.purpose == purpose,
            Message.created_at >= since,
            Message.status.not_in(NEVER_SENT),
        )
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(1)
    )
