"""A status callback's writes, as one synchronous transaction on the web's write lane.

Same rules as the outbox (bot/db/messages.py): the row moves forward only, every callback is kept as
a status event, a callback for a row still unsent gives it the SID and at least "queued". What a
rare callback does to the contact (21610, 63016) is bot/status.py's, after this transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, Table, insert, select

from bot.db.models import Message, StatusEvent
from bot.db.outbound_status import forward_only, past_floor, sid_once
from bot.twilio_adapter.records import StatusUpdate
from bot.twilio_adapter.statuses import (
    AT_TWILIO_FLOOR,
    ERROR_MEANINGS,
    row_status_for,
)

MESSAGES: Table = Message.__table__  # type: ignore[assignment]
EVENTS: Table = StatusEvent.__table__  # type: ignore[assignment]


@dataclass(frozen=True, slots=True)
class StatusApplied:
    matched: bool  # a row of ours, and the SID agrees with it
    moved: bool = False
    new_status: str | None = None
    outbound_id: int | None = None
    conversation_id: int | None = None


def apply_status_update(connection: Connection, update_: StatusUpdate, now: datetime) -> StatusApplied:
    row = _find_outbound(connection, update_)
    connection.execute(
        insert(EVENTS).values(
            message_id=row.id if row else None,
            twilio_sid=update_.message_sid,
            status=update_.status,
            error_code=update_.error_code,
            received_at=now,
        )
    )
    if row is None or (row.twilio_sid is not None and row.twilio_sid != update_.message_sid):
        return StatusApplied(matched=False, outbound_id=row.id if row else None)
    new_status = row_status_for(update_.status)
    moved = False
    if new_status is not None:
        extra: dict[str, object] = {}
        if update_.error_code is not None:
            extra = {"error_code": update_.error_code, "error_detail": ERROR_MEANINGS.get(update_.error_code)}
        moved = _advance(connection, row.id, new_status, now, **extra)
    # Whatever the status says, Twilio has the message: keep its SID, and a row still unsent leaves
    # the unsent set ("queued" at least).
    if row.twilio_sid is None:
        connection.execute(sid_once(row.id, update_.message_sid))
    # A row that just moved to a status at or past the floor is there already: no second UPDATE.
    if not (moved and past_floor(new_status)) and _advance(connection, row.id, AT_TWILIO_FLOOR, now):
        moved, new_status = True, AT_TWILIO_FLOOR
    return StatusApplied(
        matched=True,
        moved=moved,
        new_status=new_status,
        outbound_id=row.id,
        conversation_id=row.conversation_id,
    )


def _find_outbound(connection: Connection, update_: StatusUpdate) -> Row[Any, Any, Any] | None:
    outbound = select(MESSAGES.c.id, MESSAGES.c.twilio_sid, MESSAGES.c.conversation_id).where(
        MESSAGES.c.direction == "out"
    )
    if update_.outbound_id is not None:
        row = connection.execute(outbound.where(MESSAGES.c.id == update_.outbound_id)).first()
        if row is not None:
            return row
    return connection.execute(outbound.where(MESSAGES.c.twilio_sid == update_.message_sid)).first()


def _advance(connection: Connection, message_id: int, status: str, now: datetime, **values: object) -> bool:
    statement = forward_only(message_id, status, now, **values)
    return statement is not None and bool(connection.execute(statement).rowcount)
