"""Apply a Twilio status callback to our outbound row: forward only, every event kept, always 2xx.

Every callback is recorded as a status event, whatever its status. Known statuses move the row forward
through ``row_status_for`` (Twilio's "sending" is our "queued"; "received"/"receiving" only recorded);
a status we do not know is logged at INFO and only recorded. Any callback for a row proves Twilio has
its message, so a row still unsent takes the callback's SID and leaves the unsent set ("queued" at
least): the recovery sweep stops re-draining its conversation.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.db import conversations
from bot.db.engine import SessionFactory
from bot.db.models import Conversation, utcnow
from bot.db.status_writes import StatusApplied, apply_status_batch
from bot.db.sync_lane import SyncLane
from bot.handoff.tickets import close_on_opt_out
from bot.logs import get_logger
from bot.metrics import OUTBOUND_STATUS, STATUS_CALLBACKS
from bot.twilio_adapter.records import StatusUpdate
from bot.twilio_adapter.statuses import ERROR_WHATSAPP_WINDOW_CLOSED, TWILIO_STATUSES, is_opt_out_error

log = get_logger(__name__)


async def apply_status(lane: SyncLane, sessions: SessionFactory, update: StatusUpdate) -> bool:
    """Return True when the row moved forward. Unknown messages and statuses are recorded too."""
    [moved] = await apply_statuses(lane, sessions, [update])
    return moved


async def apply_statuses(
    lane: SyncLane, sessions: SessionFactory, updates: Sequence[StatusUpdate]
) -> list[bool]:
    """Apply callbacks in arrival order, in one transaction (a burst costs one write, not one each)."""
    now = utcnow()
    results = await lane.run(lambda connection: apply_status_batch(connection, updates, now))
    return [await _after(sessions, update, applied) for update, applied in zip(updates, results, strict=True)]


async def _after(sessions: SessionFactory, update: StatusUpdate, applied: StatusApplied) -> bool:
    """Logs, metrics and the rare consequences for the contact, once the transaction is committed."""
    known = update.status in TWILIO_STATUSES
    if not known:
        log.info("status we do not know recorded", sid=update.message_sid, status=update.status)
    if not applied.matched:
        why = (
            "status for unknown message"
            if applied.outbound_id is None
            else "status sid does not match the row"
        )
        log.warning(why, outbound_id=applied.outbound_id, sid=update.message_sid, status=update.status)
        STATUS_CALLBACKS.labels(outcome="unmatched").inc()
        return False
    outcome = ("advanced" if applied.moved else "kept") if known else "unknown_status"
    STATUS_CALLBACKS.labels(outcome=outcome).inc()
    if applied.moved and applied.new_status:
        OUTBOUND_STATUS.labels(status=applied.new_status).inc()
    if applied.conversation_id is not None and (
        is_opt_out_error(update.error_code) or update.error_code == ERROR_WHATSAPP_WINDOW_CLOSED
    ):
        await _contact_consequences(sessions, conversation_id=applied.conversation_id, update=update)
    return applied.moved


async def _contact_consequences(
    sessions: SessionFactory, *, conversation_id: int, update: StatusUpdate
) -> None:
    """Rare callbacks that change the contact: 21610 (opted out at the carrier: the person's tickets
    close too) and 63016 (the WhatsApp window is closed)."""
    now = utcnow()
    async with sessions() as session, session.begin():
        conversation = await session.get(Conversation, conversation_id)
        if conversation is None:
            return
        if is_opt_out_error(update.error_code):
            await conversations.mark_opted_out(
                session, contact_id=conversation.contact_id, at=now, reason="twilio_21610"
            )
            await close_on_opt_out(session, contact_id=conversation.contact_id, at=now)
        else:
            await conversations.mark_whatsapp_window_closed(
                session, contact_id=conversation.contact_id, at=now
            )
