"""Apply a Twilio status callback to our outbound row: forward only, every event kept, always 2xx.

Every callback is recorded as a status event, whatever its status. Known statuses move the row forward
through ``row_status_for`` (Twilio's "sending" is our "queued"; "received"/"receiving" only recorded);
a status we do not know is logged at INFO and only recorded. Any callback for a row proves Twilio has
its message, so a row still unsent takes the callback's SID and leaves the unsent set ("queued" at
least): the recovery sweep stops re-draining its conversation.
"""

from __future__ import annotations

from bot.db import conversations, messages
from bot.db.engine import SessionFactory
from bot.db.models import Conversation, utcnow
from bot.handoff.tickets import close_on_opt_out
from bot.logs import get_logger
from bot.metrics import OUTBOUND_STATUS, STATUS_CALLBACKS
from bot.twilio_adapter.records import StatusUpdate
from bot.twilio_adapter.statuses import (
    AT_TWILIO_FLOOR,
    ERROR_MEANINGS,
    ERROR_WHATSAPP_WINDOW_CLOSED,
    TWILIO_STATUSES,
    is_opt_out_error,
    row_status_for,
)

log = get_logger(__name__)


async def apply_status(sessions: SessionFactory, update: StatusUpdate) -> bool:
    """Return True when the row moved forward. Unknown messages and statuses are recorded too."""
    known = update.status in TWILIO_STATUSES
    if not known:
        log.info("status we do not know recorded", sid=update.message_sid, status=update.status)
    async with sessions() as session, session.begin():
        row = await messages.find_outbound(session, outbound_id=update.outbound_id, sid=update.message_sid)
        await messages.record_status_event(
            session,
            message_id=row.id if row else None,
            sid=update.message_sid,
            status=update.status,
            error_code=update.error_code,
        )
        if row is None:
            log.warning("status for unknown message", sid=update.message_sid, status=update.status)
            STATUS_CALLBACKS.labels(outcome="unmatched").inc()
            return False
        if row.twilio_sid is not None and row.twilio_sid != update.message_sid:
            log.warning("status sid does not match the row", outbound_id=row.id, sid=update.message_sid)
            STATUS_CALLBACKS.labels(outcome="unmatched").inc()
            return False
        new_status = row_status_for(update.status)
        moved = False
        if new_status is not None:
            extra: dict[str, object] = {}
            if update.error_code is not None:
                extra = {
                    "error_code": update.error_code,
                    "error_detail": ERROR_MEANINGS.get(update.error_code),
                }
            moved = await messages.advance_status(session, message_id=row.id, status=new_status, **extra)
        # Whatever the status says, Twilio has the message: keep its SID, and a row still unsent
        # leaves the unsent set ("queued" at least).
        if await messages.mark_at_twilio(session, message_id=row.id, sid=update.message_sid, status=None):
            moved, new_status = True, AT_TWILIO_FLOOR
        if is_opt_out_error(update.error_code) or update.error_code == ERROR_WHATSAPP_WINDOW_CLOSED:
            conversation = await session.get(Conversation, row.conversation_id)
            if conversation is not None and is_opt_out_error(update.error_code):
                await conversations.mark_opted_out(
                    session, contact_id=conversation.contact_id, at=utcnow(), reason="twilio_21610"
                )
                await close_on_opt_out(session, contact_id=conversation.contact_id, at=utcnow())
            elif conversation is not None:
                await conversations.mark_whatsapp_window_closed(
                    session, contact_id=conversation.contact_id, at=utcnow()
                )
    STATUS_CALLBACKS.labels(outcome=("advanced" if moved else "kept") if known else "unknown_status").inc()
    if moved and new_status:
        OUTBOUND_STATUS.labels(status=new_status).inc()
    return moved
