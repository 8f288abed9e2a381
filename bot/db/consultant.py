"""Queries behind what a consultant does to a conversation: replies, held replies, ticket events."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.messages import HELD
from bot.db.models import HandoffRequest, Message, TicketEvent, User, utcnow

CONSULTANT_REPLY = "consultant_reply"  # Message.purpose of what a consultant wrote
REOPEN_TEMPLATE = "reopen_template"  # Message.purpose of the template sent for a held reply
RASA_TOLD = "rasa_told"  # TicketEvent.kind: Rasa was given the consultant's lines (bot/handoff/rasa_context)
# A template in one of these states did not reach the person: a new reply may send another.
NOT_DELIVERED = ("failed", "undelivered", "refused", "canceled")
# A consultant's line in one of these states never reached the person: Rasa is not told about it.
NEVER_SENT = ("refused", "canceled", "failed", "undelivered")


async def ticket_for_update(session: AsyncSession, *, ticket_id: int) -> HandoffRequest | None:
    """The ticket, locked for this transaction on PostgreSQL (SQLite serialises writers anyway)."""
    return await session.scalar(
        select(HandoffRequest).where(HandoffRequest.id == ticket_id).with_for_update()
    )


async def add_event(
    session: AsyncSession,
    *,
    ticket: HandoffRequest,
    kind: str,
    actor_id: int | None,
    at: datetime,
    detail: dict[str, Any] | None = None,
    body: str | None = None,
) -> TicketEvent:
    event = TicketEvent(
        ticket_id=ticket.id,
        conversation_id=ticket.conversation_id,
        kind=kind,
        actor_id=actor_id,
        detail=detail or {},
        body=body,
        at=at,
    )
    session.add(event)
    ticket.updated_at = at
    await session.flush()
    return event


async def held_replies(session: AsyncSession, *, conversation_id: int) -> Sequence[Message]:
    result = await session.scalars(
        select(Message)
        .where(Message.conversation_id == conversation_id, Message.direction == "out", Message.status == HELD)
        .order_by(Message.id)
    )
    return result.all()


async def release_held(session: AsyncSession, *, conversation_id: int, status: str) -> Sequence[Message]:
    """Held replies become ``status`` ("sending": the caller sends them now; "pending": the outbox will)."""
    rows = await held_replies(session, conversation_id=conversation_id)
    if not rows:
        return rows
    now = utcnow()
    values: dict[str, Any] = {"status": status, "updated_at": now}
    if status == "sending":
        values.update(send_started_at=now, attempts=Message.attempts + 1)
    await session.execute(
        update(Message)
        .where(Message.id.in_([row.id for row in rows]), Message.status == HELD)
        .values(**values)
    )
    for row in rows:
        await session.refresh(row)
    return rows


async def template_waiting(session: AsyncSession, *, conversation_id: int, since: datetime | None) -> bool:
    """A reopen template went out after the person's last message and may still reach them."""
    query = select(Message.id).where(
        Message.conversation_id == conversation_id,
        Message.direction == "out",
        Message.purpose == REOPEN_TEMPLATE,
        Message.status.not_in(NOT_DELIVERED),
    )
    if since is not None:
        query = query.where(Message.created_at > since)
    return (await session.scalar(query.limit(1))) is not None


async def active_user(session: AsyncSession, *, user_id: int) -> User | None:
    user = await session.get(User, user_id)
    return user if user is not None and user.active else None


def untold_ticket_filter(conversation_id: Any) -> tuple[ColumnElement[bool], ...]:
    """The conversation's closed tickets a consultant held whose lines Rasa has not been given yet."""
    told = exists().where(TicketEvent.ticket_id == HandoffRequest.id, TicketEvent.kind == RASA_TOLD)
    return (
        HandoffRequest.conversation_id == conversation_id,
        HandoffRequest.status == "closed",
        HandoffRequest.claimed_at.is_not(None),
        ~told,
    )


async def tickets_to_tell_rasa(session: AsyncSession, *, conversation_id: int) -> Sequence[HandoffRequest]:
    """Closed tickets a consultant held whose lines Rasa has not been given yet, oldest first."""
    result = await session.scalars(
        select(HandoffRequest).where(*untold_ticket_filter(conversation_id)).order_by(HandoffRequest.id)
    )
    return result.all()


async def consultant_lines(session: AsyncSession, *, ticket_id: int) -> Sequence[Message]:
    """What consultants wrote while they held the ticket (its "reply" events), in order."""
    details = await session.scalars(
        select(TicketEvent.detail).where(TicketEvent.ticket_id == ticket_id, TicketEvent.kind == "reply")
    )
    ids = [int(detail["message_id"]) for detail in details if isinstance(detail.get("message_id"), int)]
    if not ids:
        return []
    result = await session.scalars(
        select(Message).where(Message.id.in_(ids), Message.status.not_in(NEVER_SENT)).order_by(Message.id)
    )
    return result.all()
