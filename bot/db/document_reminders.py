"""Queries behind the reminder for missing documents (bot/documents/reminder_job.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Contact, Conversation, DocumentItem, DocumentRequest, utcnow

MISSING_ITEM_STATUSES = ("pending", "rejected")  # still to be sent (again)


@dataclass(frozen=True, slots=True)
class DueReminder:
    request: DocumentRequest
    conversation: Conversation
    contact: Contact


async def due_reminders(
    session: AsyncSession, *, now: datetime, max_reminders: int, limit: int = 200
) -> Sequence[DueReminder]:
    """Collecting requests whose reminder is due, to contacts who did not opt out, in conversations
    the bot holds (while a consultant holds one, the consultant speaks). Oldest due first."""
    rows = await session.execute(
        select(DocumentRequest, Conversation, Contact)
        .join(Conversation, Conversation.id == DocumentRequest.conversation_id)
        .join(Contact, Contact.id == DocumentRequest.contact_id)
        .where(
            DocumentRequest.status == "collecting",
            DocumentRequest.next_reminder_at <= now,
            DocumentRequest.reminders_sent < max_reminders,
            Contact.opted_out_at.is_(None),
            Conversation.owner == "bot",
        )
        .order_by(DocumentRequest.next_reminder_at, DocumentRequest.id)
        .limit(limit)
    )
    return [DueReminder(request, conversation, contact) for request, conversation, contact in rows]


async def missing_items(session: AsyncSession, *, request_id: int) -> Sequence[str]:
    """The item ids still to be sent, in the order they are asked for."""
    result = await session.scalars(
        select(DocumentItem.item_id)
        .where(DocumentItem.request_id == request_id, DocumentItem.status.in_(MISSING_ITEM_STATUSES))
        .order_by(DocumentItem.position, DocumentItem.id)
    )
    return result.all()


async def claim_reminder(
    session: AsyncSession, *, request_id: int, sent: int, next_at: datetime | None
) -> bool:
    """Count reminder number ``sent + 1`` unless another worker did (or the request moved on)."""
    result = await session.execute(
        update(DocumentRequest)
        .where(
            DocumentRequest.id == request_id,
            DocumentRequest.reminders_sent == sent,
            DocumentRequest.status == "collecting",
        )
        .values(reminders_sent=sent + 1, next_reminder_at=next_at, updated_at=utcnow())
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def stop_reminders(session: AsyncSession, *, request_id: int, sent: int) -> bool:
    """No reminder for this request (nothing missing, or an SMS user chose an office or a call)."""
    result = await session.execute(
        update(DocumentRequest)
        .where(DocumentRequest.id == request_id, DocumentRequest.reminders_sent == sent)
        .values(next_reminder_at=None, updated_at=utcnow())
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
