"""Status callbacks' writes, a batch as one synchronous transaction on a write lane.

Same rules as the outbox (bot/db/outbound_status.py): the row moves forward only, every callback is
kept as a status event, a callback for a row still unsent gives it the SID and at least "queued". What
a rare callback does to the contact (21610, 63016) is bot/status.py's, after this transaction.

The rows are looked up first (on SQLite that runs before the transaction takes the write lock), then
the batch is two statements, each an executemany: the status events, then the rows (the same UPDATE
the outbox uses, applied in arrival order, so a row moves through a batch's callbacks one by one).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, insert, select

from bot.db.models import Message, StatusEvent
from bot.db.outbound_status import AT_TWILIO, AtTwilio, at_least_floor
from bot.twilio_adapter.records import StatusUpdate
from bot.twilio_adapter.statuses import ERROR_MEANINGS, STATUS_RANK, row_status_for

MESSAGES: Table = Message.__table__  # type: ignore[assignment]
EVENTS: Table = StatusEvent.__table__  # type: ignore[assignment]
INSERT_EVENT = insert(EVENTS)
OUTBOUND = select(MESSAGES.c.id, MESSAGES.c.twilio_sid, MESSAGES.c.conversation_id, MESSAGES.c.status).where(
    MESSAGES.c.direction == "out"
)


@dataclass(frozen=True, slots=True)
class StatusApplied:
    matched: bool  # a row of ours, and the SID agrees with it
    moved: bool = False  # as far as the batch saw the row: the UPDATE itself is forward only
    new_status: str | None = None
    outbound_id: int | None = None
    conversation_id: int | None = None


@dataclass(slots=True)
class _Row:
    id: int
    twilio_sid: str | None
    conversation_id: int
    status: str


def apply_status_batch(
    connection: Connection, updates: Sequence[StatusUpdate], now: datetime
) -> list[StatusApplied]:
    """Apply callbacks in arrival order: one INSERT of their events, one UPDATE of the rows (executemany)."""
    rows = _find_outbound(connection, updates)
    events: list[dict[str, Any]] = []
    moves: list[dict[str, Any]] = []
    applied = []
    for update_ in updates:
        row = rows.get(update_.outbound_id) if update_.outbound_id is not None else None
        row = row or rows.get(update_.message_sid)
        events.append(
            {
                "message_id": row.id if row else None,
                "twilio_sid": update_.message_sid,
                "status": update_.status,
                "error_code": update_.error_code,
                "received_at": now,
            }
        )
        if row is None or (row.twilio_sid is not None and row.twilio_sid != update_.message_sid):
            applied.append(StatusApplied(matched=False, outbound_id=row.id if row else None))
            continue
        move = _move(row, update_, now)
        moves.append(move.params())
        moved = STATUS_RANK[move.status] > STATUS_RANK.get(row.status, 99)
        if moved:
            row.status = move.status
        row.twilio_sid = update_.message_sid
        applied.append(
            StatusApplied(
                matched=True,
                moved=moved,
                new_status=move.status if moved else row_status_for(update_.status),
                outbound_id=row.id,
                conversation_id=row.conversation_id,
            )
        )
    connection.execute(INSERT_EVENT, events)
    if moves:
        connection.execute(AT_TWILIO, moves)
    return applied


def _move(row: _Row, update_: StatusUpdate, now: datetime) -> AtTwilio:
    """Where the callback moves the row: its status (with its error), or at least "queued"."""
    new_status = row_status_for(update_.status)
    target = at_least_floor(new_status)
    error = update_.error_code if target == new_status else None
    return AtTwilio(
        message_id=row.id,
        sid=update_.message_sid,
        status=target,
        at=now,
        error_code=error,
        error_detail=ERROR_MEANINGS.get(error) if error is not None else None,
    )


def _find_outbound(connection: Connection, updates: Sequence[StatusUpdate]) -> dict[int | str, _Row]:
    """The batch's rows, by our id and by Twilio's SID (a callback without our id, or for a row we
    no longer have by that id, is matched by its SID): at most two SELECTs."""
    found: dict[int | str, _Row] = {}
    ids = {update_.outbound_id for update_ in updates if update_.outbound_id is not None}
    if ids:
        for item in connection.execute(OUTBOUND.where(MESSAGES.c.id.in_(ids))):
            row = _Row(item.id, item.twilio_sid, item.conversation_id, item.status)
            found[row.id] = row
    sids = {u.message_sid for u in updates if u.outbound_id is None or u.outbound_id not in found}
    if sids:
        for item in connection.execute(OUTBOUND.where(MESSAGES.c.twilio_sid.in_(sids))):
            row = found.get(item.id) or _Row(item.id, item.twilio_sid, item.conversation_id, item.status)
            found[row.id] = row
            found[item.twilio_sid] = row
    return found
