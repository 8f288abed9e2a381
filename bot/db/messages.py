"""Message queries: the inbound log, the outbox and status updates."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Conversation, Message, StatusEvent, utcnow
from bot.db.upsert import insert_ignoring_conflicts
from bot.twilio_adapter.statuses import AT_TWILIO_FLOOR, STATUS_RANK, UNSENT_STATUSES

PENDING_INBOUND = ("received", "processing")
# An inbound message the bot gave up on after MAX_TURN_ATTEMPTS (error_detail says why).
DEAD_LETTER = "dead_letter"
UNSENT_OUTBOUND = UNSENT_STATUSES
HELD = "held"  # a consultant's reply waiting for the WhatsApp window to open (bot/handoff/consultant.py)


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


async def claim_next_inbound(session: AsyncSession, *, conversation_id: int) -> tuple[Message, bool] | None:
    """The conversation's oldest waiting message, now marked "processing" (one more attempt).

    The flag says whether an earlier attempt had already claimed it: that attempt may have reached
    Rasa, so the caller must look in Rasa's tracker before sending the message again.
    """
    message = await next_pending_inbound(session, conversation_id=conversation_id)
    if message is None:
        return None
    claimed_before = message.status == "processing"
    message.status = "processing"
    message.attempts += 1
    message.updated_at = utcnow()
    await session.flush()
    return message, claimed_before


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
) -> Message:
    now = utcnow()
    sending = status == "sending"
    message = Message(
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
    session.add(message)
    await session.flush()
    return message


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


async def find_outbound(session: AsyncSession, *, outbound_id: int | None, sid: str) -> Message | None:
    if outbound_id is not None:
        message = await session.get(Message, outbound_id)
        if message is not None and message.direction == "out":
            return message
    return await session.scalar(select(Message).where(Message.twilio_sid == sid, Message.direction == "out"))


async def record_status_event(
    session: AsyncSession, *, message_id: int | None, sid: str, status: str, error_code: int | None
) -> None:
    session.add(StatusEvent(message_id=message_id, twilio_sid=sid, status=status, error_code=error_code))


async def set_status(session: AsyncSession, *, message_id: int, **values: Any) -> None:
    values.setdefault("updated_at", utcnow())
    await session.execute(update(Message).where(Message.id == message_id).values(**values))


async def record_sid(session: AsyncSession, *, message_id: int, sid: str) -> None:
    """Set the Twilio SID once (a status callback may have set it first)."""
    await session.execute(
        update(Message).where(Message.id == message_id, Message.twilio_sid.is_(None)).values(twilio_sid=sid)
    )


async def advance_status(session: AsyncSession, *, message_id: int, status: str, **values: Any) -> bool:
    """Move the status forward only, atomically: a late 'sent' never overwrites 'delivered'."""
    rank = STATUS_RANK.get(status)
    if rank is None:
        return False
    lower = [name for name, value in STATUS_RANK.items() if value < rank]
    result = await session.execute(
        update(Message)
        .where(Message.id == message_id, Message.status.in_(lower))
        .values(status=status, updated_at=utcnow(), **values)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def claim_for_send(session: AsyncSession, *, message_id: int) -> bool:
    """Mark an unsent row "sending" (one more attempt) unless something moved it on or gave it a SID.

    False means do not send: a status callback (of an earlier, ambiguous attempt) got there first.
    """
    result = await session.execute(
        update(Message)
        .where(*_unsent_without_sid(message_id))
        .values(
            status="sending", send_started_at=utcnow(), attempts=Message.attempts + 1, updated_at=utcnow()
        )
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def _unsent_without_sid(message_id: int) -> tuple[ColumnElement[bool], ...]:
    """The row is still ours to send: unsent, and Twilio gave it no SID (no callback got there)."""
    return (Message.id == message_id, Message.status.in_(UNSENT_OUTBOUND), Message.twilio_sid.is_(None))


async def leave_sending(session: AsyncSession, *, message_id: int, status: str, **values: Any) -> bool:
    """Set the outcome of a send attempt only if the row is still "sending".

    A status callback may have moved the row on while the send was in flight (Twilio calls back
    before answering, or the answer timed out): then the row keeps what Twilio said, and False says so.
    """
    result = await session.execute(
        update(Message)
        .where(Message.id == message_id, Message.status == "sending")
        .values(status=status, updated_at=utcnow(), **values)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def settle_unsent(session: AsyncSession, *, message_id: int, status: str, **values: Any) -> bool:
    """Give a final status (e.g. "refused") to a row that is still unsent; never to one Twilio has."""
    result = await session.execute(
        update(Message)
        .where(*_unsent_without_sid(message_id))
        .values(status=status, updated_at=utcnow(), **values)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def mark_at_twilio(session: AsyncSession, *, message_id: int, sid: str, status: str | None) -> bool:
    """Twilio has this row's message: keep its SID, take its status, and leave the unsent set.

    ``status`` is a row status (see ``row_status_for``), None when Twilio's says nothing for the row.
    Forward only; a row with a SID is at least "queued", so the recovery sweep stops looking at it.
    """
    await record_sid(session, message_id=message_id, sid=sid)
    moved = bool(status) and await advance_status(session, message_id=message_id, status=status or "")
    return await advance_status(session, message_id=message_id, status=AT_TWILIO_FLOOR) or moved


async def sid_is_taken(session: AsyncSession, *, sid: str) -> bool:
    return (await session.scalar(select(Message.id).where(Message.twilio_sid == sid))) is not None


async def cancel_unsent_to_contact(session: AsyncSession, *, contact_id: int) -> int:
    """Cancel everything still waiting to go to this contact (opt-out); in-flight sends are left."""
    conversation_ids = select(Conversation.id).where(Conversation.contact_id == contact_id)
    result = await session.execute(
        update(Message)
        .where(
            Message.direction == "out",
            Message.status.in_(("pending", HELD)),
            Message.conversation_id.in_(conversation_ids),
        )
        .values(status="canceled", error_detail="contact opted out", updated_at=utcnow())
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
