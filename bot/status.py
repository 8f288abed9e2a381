"""Apply a Twilio status callback to our outbound row: forward only, every event kept."""

from __future__ import annotations

from bot.db import conversations, messages
from bot.db.engine import SessionFactory
from bot.db.models import Conversation, utcnow
from bot.logs import get_logger
from bot.metrics import OUTBOUND_STATUS
from bot.twilio_adapter.records import StatusUpdate
from bot.twilio_adapter.statuses import ERROR_MEANINGS, ERROR_WHATSAPP_WINDOW_CLOSED, is_opt_out_error

log = get_logger(__name__)


async def apply_status(sessions: SessionFactory, update: StatusUpdate) -> bool:
    """Return True when the row moved forward. Unknown messages are recorded and acknowledged."""
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
            return False
        if row.twilio_sid is not None and row.twilio_sid != update.message_sid:
            log.warning("status sid does not match the row", outbound_id=row.id, sid=update.message_sid)
            return False
        if row.twilio_sid is None:
            await messages.record_sid(session, message_id=row.id, sid=update.message_sid)
        extra: dict[str, object] = {}
        if update.error_code is not None:
            extra = {"error_code": update.error_code, "error_detail": ERROR_MEANINGS.get(update.error_code)}
        moved = await messages.advance_status(session, message_id=row.id, status=update.status, **extra)
        if is_opt_out_error(update.error_code) or update.error_code == ERROR_WHATSAPP_WINDOW_CLOSED:
            conversation = await session.get(Conversation, row.conversation_id)
            if conversation is not None and is_opt_out_error(update.error_code):
                await conversations.mark_opted_out(
                    session, contact_id=conversation.contact_id, at=utcnow(), reason="twilio_21610"
                )
            elif conversation is not None:
                await conversations.mark_whatsapp_window_closed(
                    session, contact_id=conversation.contact_id, at=utcnow()
                )
    if moved:
        OUTBOUND_STATUS.labels(status=update.status).inc()
    return moved
