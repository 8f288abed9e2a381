"""An outbound row's status: forward only, and the send's own outcome never overwrites what Twilio said.

Used by the outbox (bot/outbox.py, async) and the status callbacks' write lane (bot/db/status_writes.py,
whose synchronous transaction builds the same statements). Ranks: bot/twilio_adapter/statuses.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    String,
    Table,
    Update,
    and_,
    bindparam,
    case,
    func,
    or_,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Message, UTCDateTime, utcnow
from bot.twilio_adapter.statuses import AT_TWILIO_FLOOR, STATUS_RANK, UNSENT_STATUSES

MESSAGES: Table = Message.__table__  # type: ignore[assignment]
UNRANKED = 99  # a status we do not rank (none is stored today) never moves


def sid_once(message_id: int, sid: str) -> Update:
    """Set the Twilio SID once (a status callback may have set it first)."""
    return (
        update(Message).where(Message.id == message_id, Message.twilio_sid.is_(None)).values(twilio_sid=sid)
    )


def forward_only(message_id: int, status: str, at: datetime, **values: Any) -> Update | None:
    """Move the status forward only, atomically: a late 'sent' never overwrites 'delivered'.
    ``None`` for a status with no rank (nothing to move). Used by the outbox and the status lane."""
    rank = STATUS_RANK.get(status)
    if rank is None:
        return None
    lower = [name for name, value in STATUS_RANK.items() if value < rank]
    return (
        update(Message)
        .where(Message.id == message_id, Message.status.in_(lower))
        .values(status=status, updated_at=at, **values)
    )


async def record_sid(session: AsyncSession, *, message_id: int, sid: str) -> None:
    await session.execute(sid_once(message_id, sid))


async def advance_status(session: AsyncSession, *, message_id: int, status: str, **values: Any) -> bool:
    statement = forward_only(message_id, status, utcnow(), **values)
    if statement is None:
        return False
    return bool((await session.execute(statement)).rowcount)  # type: ignore[attr-defined]


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
    return (Message.id == message_id, Message.status.in_(UNSENT_STATUSES), Message.twilio_sid.is_(None))


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
    if moved and past_floor(status):
        return True
    return await advance_status(session, message_id=message_id, status=AT_TWILIO_FLOOR) or moved


def past_floor(status: str | None) -> bool:
    """A row that just moved to this status is at least "queued": the floor's UPDATE would change nothing."""
    return STATUS_RANK.get(status or "", -1) >= STATUS_RANK[AT_TWILIO_FLOOR]


async def snooze_unsent(session: AsyncSession, *, message_id: int, until: datetime) -> None:
    """A row waiting for its send-rate slot (bot/send_rate.py): its job comes back then, so the recovery
    sweep (unsent rows not touched for a minute) leaves it alone until a minute after ``until``."""
    await session.execute(
        update(Message)
        .where(Message.id == message_id, Message.status.in_(UNSENT_STATUSES), Message.twilio_sid.is_(None))
        .values(updated_at=until)
    )


@dataclass(frozen=True, slots=True)
class AtTwilio:
    """Twilio has a row's message: its SID, and the status to move the row forward to.

    ``error_code``/``error_detail`` are written only with a move (a failed or undelivered callback)."""

    message_id: int
    sid: str
    status: str
    at: datetime
    error_code: int | None = None
    error_detail: str | None = None

    def params(self) -> dict[str, Any]:
        return {
            "row_id": self.message_id,
            "sid": self.sid,
            "target": self.status,
            "target_rank": STATUS_RANK[self.status],
            "at": self.at,
            "new_error_code": self.error_code,
            "new_error_detail": self.error_detail,
        }


def at_least_floor(status: str | None) -> str:
    """The status a row with a SID moves to: Twilio's, or at least "queued"."""
    return status if status is not None and past_floor(status) else AT_TWILIO_FLOOR


def _at_twilio_statement() -> Update:
    """One UPDATE per row, run as one executemany for a batch: keep the row's SID (set it once), move
    its status forward only (its rank, from STATUS_RANK, below the target's) unless it has another SID.
    Every SET expression reads the row as it was, so the status, ``updated_at`` and the error agree."""
    rank = case(STATUS_RANK, value=MESSAGES.c.status, else_=UNRANKED)
    sid = bindparam("sid", type_=String)
    moving = and_(
        rank < bindparam("target_rank", type_=Integer),
        or_(MESSAGES.c.twilio_sid.is_(None), MESSAGES.c.twilio_sid == sid),
    )
    error_code = bindparam("new_error_code", type_=Integer)
    with_error = and_(moving, error_code.is_not(None))
    return (
        update(MESSAGES)
        .where(MESSAGES.c.id == bindparam("row_id", type_=Integer))
        .values(
            twilio_sid=func.coalesce(MESSAGES.c.twilio_sid, sid),
            status=case((moving, bindparam("target", type_=String)), else_=MESSAGES.c.status),
            updated_at=case((moving, bindparam("at", type_=UTCDateTime())), else_=MESSAGES.c.updated_at),
            error_code=case((with_error, error_code), else_=MESSAGES.c.error_code),
            error_detail=case(
                (with_error, bindparam("new_error_detail", type_=String)), else_=MESSAGES.c.error_detail
            ),
        )
    )


AT_TWILIO = _at_twilio_statement()


async def mark_many_at_twilio(session: AsyncSession, rows: Sequence[AtTwilio]) -> None:
    """Several rows' SIDs and statuses in one statement (executemany), in the caller's transaction."""
    if rows:
        connection = await session.connection()
        await connection.execute(AT_TWILIO, [row.params() for row in rows])
