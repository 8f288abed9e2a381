"""Message queries: the inbound log, the outbox and status updates."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Conversation, Message, utcnow
from bot.db.upsert import insert_ignoring_conflicts
from bot.gsm7 import sms_size
from bot.twilio_adapter.statuses import UNSENT_STATUSES

PENDING_INBOUND = ("received", "processing")
# An inbound message the bot gave up on after MAX_TURN_ATTEMPTS (error_detail says why).
DEAD_LETTER = "dead_letter"
UNSENT_OUTBOUND = UNSENT_STATUSES
HELD = "held"  # a consultant's reply waiting for the WhatsApp window to open (bot/handoff/consultant.py)
DEFERRED = "deferred"  # a proactive message waiting for the contact hours to open (bot/deferred.py)


async def insert_inbound(
    session: AsyncSession,
    *,
    conversation_id: int,
    message_sid: str,
    body: str,
    media: list[dict[str, Any]],
    button_payload: str | None,
    received_at: datetime,
) -> int | None:
    """Store an inbound message; ``None`` when its MessageSid was already stored (a duplicate)."""
    result = await session.execute(
        insert_ignoring_conflicts(session, Message.__table__)
        .values(
            conversation_id=conversation_id,
            direction="in",
            twilio_sid=message_sid,
            body=body,
            media=media,
            button_payload=button_payload,
            status="received",
            attempts=0,
            position=0,
            created_at=received_at,
            updated_at=received_at,
        )
        .returning(Message.id)
    )
    return result.scalar_one_or_none()


async def next_pending_inbound(session: AsyncSession, *, conversation_id: int) -> Message | None:
    return await session.scalar(
        select(Message)
        .where(
            Message.conversation_id == conversation_id,
            Message.direction == "in",
            Message.status.in_(PENDING_INBOUND),
        )
        .order_by(Message.id)
        .limit(1)
    )


async def claim(session: AsyncSession, message: Message) -> bool:
    """Mark a pending message "processing" (one more attempt); whether an earlier attempt claimed it.

    An earlier attempt may have reached Rasa: then the caller must look in Rasa's tracker before
    sending the message again.
    """
    claimed_before = message.status == "processing"
    message.status = "processing"
    message.attempts += 1
    message.updated_at = utcnow()
    await session.flush()
    return claimed_before


async def has_pending_inbound(session: AsyncSession, *, conversation_id: int) -> bool:
    return await next_pending_inbound(session, conversation_id=conversation_id) is not None


async def forgive_attempt(session: AsyncSession, *, message_id: int) -> None:
    """Rasa was down: this try says nothing about the message, so it does not count."""
    await session.execute(
        update(Message)
        .where(Message.id == message_id, Message.attempts > 0)
        .values(attempts=Message.attempts - 1, updated_at=utcnow())
    )


async def last_outbound_purpose(session: AsyncSession, *, conversation_id: int) -> str | None:
    return await session.scalar(
        select(Message.purpose)
        .where(Message.conversation_id == conversation_id, Message.direction == "out")
        .order_by(Message.id.desc())
        .limit(1)
    )


async def dead_letters(session: AsyncSession, *, limit: int = 100) -> Sequence[Message]:
    """Messages the bot gave up on, newest first (for operators: ``python -m bot.cli dead-letters``)."""
    result = await session.scalars(
        select(Message)
        .where(Message.direction == "in", Message.status == DEAD_LETTER)
        .order_by(Message.id.desc())
        .limit(limit)
    )
    return result.all()


async def unsent_outbound(session: AsyncSession, *, conversation_id: int) -> Sequence[Message]:
    result = await session.scalars(
        select(Message)
        .where(
            Message.conversation_id == conversation_id,
            Message.direction == "out",
            Message.status.in_(UNSENT_OUTBOUND),
        )
        .order_by(Message.id)
    )
    return result.all()


async def add_proactive(
    session: AsyncSession,
    *,
    conversation_id: int,
    channel: str,
    body: str,
    purpose: str,
    content_sid: str | None,
    content_variables: dict[str, str] | None,
    created_at: datetime,
) -> Message:
    """A message the bot starts (a reminder): one pending outbox row, its SMS size measured; the
    outbox sends it through the send policy (contact hours, the WhatsApp window, opt-out)."""
    size = sms_size(body) if channel == "sms" else None
    return await add_outbound(
        session,
        conversation_id=conversation_id,
        reply_to_id=None,
        position=0,
        body=body,
        encoding=size.encoding if size else None,
        segments=size.segments if size else None,
        status="pending",
        purpose=purpose,
        content_sid=content_sid,
        content_variables=content_variables,
        created_at=created_at,
    )


async def add_outbound(
    session: AsyncSession,
    *,
    conversation_id: int,
    reply_to_id: int | None,
    position: int,
    body: str,
    media_urls: Sequence[str] = (),
    encoding: str | None = None,
    segments: int | None = None,
    status: str = "pending",
    error_detail: str | None = None,
    purpose: str = "reply",
    content_sid: str | None = None,
    content_variables: dict[str, str] | None = None,
    author_id: int | None = None,
    created_at: datetime | None = None,  # default now; a scheduled job passes its own clock's now
) -> Message:
    message = outbound_row(
        conversation_id=conversation_id,
        reply_to_id=reply_to_id,
        position=position,
        body=body,
        media_urls=media_urls,
        encoding=encoding,
        segments=segments,
        status=status,
        error_detail=error_detail,
        purpose=purpose,
        content_sid=content_sid,
        content_variables=content_variables,
        author_id=author_id,
        created_at=created_at,
    )
    session.add(message)
    await session.flush()
    return message


def outbound_row(
    *,
    conversation_id: int,
    reply_to_id: int | None,
    position: int,
    body: str,
    media_urls: Sequence[str] = (),
    encoding: str | None = None,
    segments: int | None = None,
    status: str = "pending",
    error_detail: str | None = None,
    purpose: str = "reply",
    content_sid: str | None = None,
    content_variables: dict[str, str] | None = None,
    author_id: int | None = None,
    created_at: datetime | None = None,
) -> Message:
    """An outbound row, not yet added: several added together are stored in one INSERT."""
    now = created_at or utcnow()
    sending = status == "sending"
    return Message(
        conversation_id=conversation_id,
        direction="out",
        body=body,
        media=[{"url": url} for url in media_urls],
        status=status,
        reply_to_id=reply_to_id,
        position=position,
        encoding=encoding,
        segments=segments,
        error_detail=error_detail,
        created_at=now,
        updated_at=now,
        send_started_at=now if sending else None,
        attempts=1 if sending else 0,
        purpose=purpose,
        content_sid=content_sid,
        content_variables=content_variables,
        author_id=author_id,
    )


_OUTBOUND_COLUMNS = (
    "conversation_id",
    "direction",
    "body",
    "media",
    "status",
    "reply_to_id",
    "position",
    "encoding",
    "segments",
    "error_detail",
    "created_at",
    "updated_at",
    "send_started_at",
    "attempts",
    "purpose",
    "content_sid",
    "content_variables",
    "author_id",
)


async def insert_outbound(session: AsyncSession, rows: Sequence[Message]) -> None:
    """Store new outbound rows of one turn (``outbound_row``, distinct positions) in one INSERT; each
    row gets its id. The rows stay outside the session: they are read, never changed through it."""
    if not rows:
        return
    values = [{name: getattr(row, name) for name in _OUTBOUND_COLUMNS} for row in rows]
    statement = insert(Message).values(values).returning(Message.id, Message.position)
    ids = {position: id_ for id_, position in (await session.execute(statement)).all()}
    for row in rows:
        row.id = ids[row.position]


async def stalled_inbound(
    session: AsyncSession, *, older_than: datetime, limit: int = 500
) -> Sequence[Message]:
    """Inbound messages still waiting for a turn (e.g. stored while Redis was down)."""
    result = await session.scalars(
        select(Message)
        .where(
            Message.direction == "in", Message.status.in_(PENDING_INBOUND), Message.updated_at < older_than
        )
        .order_by(Message.id)
        .limit(limit)
    )
    return result.all()


async def conversations_with_unsent_outbound(session: AsyncSession, *, older_than: datetime) -> Sequence[int]:
    result = await session.scalars(
        select(Message.conversation_id)
        .where(
            Message.direction == "out",
            Message.status.in_(UNSENT_OUTBOUND),
            Message.updated_at < older_than,
        )
        .distinct()
    )
    return result.all()


async def release_deferred(session: AsyncSession, *, limit: int = 1000) -> Sequence[int]:
    """Deferred rows become "pending" again; the conversations to drain, each once."""
    ids = select(Message.id).where(Message.direction == "out", Message.status == DEFERRED).limit(limit)
    result = await session.scalars(
        update(Message)
        .where(Message.id.in_(ids.scalar_subquery()), Message.status == DEFERRED)
        .values(status="pending", updated_at=utcnow())
        .returning(Message.conversation_id)
    )
    return sorted(set(result.all()))


async def set_status(session: AsyncSession, *, message_id: int, **values: Any) -> None:
    values.setdefault("updated_at", utcnow())
    await session.execute(update(Message).where(Message.id == message_id).values(**values))


async def sid_is_taken(session: AsyncSession, *, sid: str) -> bool:
    return (await session.scalar(select(Message.id).where(Message.twilio_sid == sid))) is not None


async def cancel_unsent_to_contact(session: AsyncSession, *, contact_id: int) -> int:
    """Cancel everything still waiting to go to this contact (opt-out); in-flight sends are left."""
    conversation_ids = select(Conversation.id).where(Conversation.contact_id == contact_id)
    result = await session.execute(
        update(Message)
        .where(
            Message.direction == "out",
            Message.status.in_(("pending", HELD, DEFERRED)),
            Message.conversation_id.in_(conversation_ids),
        )
        .values(status="canceled", error_detail="contact opted out", updated_at=utcnow())
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
