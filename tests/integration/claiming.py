"""Claim a conversation's next message as the worker's turn does (bot/turns.py: one transaction)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import messages
from bot.db.models import Message


async def claim_next_inbound(session: AsyncSession, *, conversation_id: int) -> tuple[Message, bool] | None:
    """The oldest waiting message, now "processing", and whether an earlier attempt had claimed it."""
    message = await messages.next_pending_inbound(session, conversation_id=conversation_id)
    if message is None:
        return None
    return message, await messages.claim(session, message)
