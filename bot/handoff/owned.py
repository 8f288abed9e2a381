"""A message in a conversation a consultant owns: stored for them, never sent to Rasa.

Rasa's own pause (``ConversationPaused``) ends at its next session start, 60 minutes without
messages, so ownership lives in our database and the worker does not call Rasa at all. Keywords
(opt-out, opt-in, help) are answered before this step, as for every conversation.
"""

from __future__ import annotations

from bot.db import messages
from bot.db.models import Contact, Conversation, Message, utcnow
from bot.handoff.tickets import note_inbound_for_consultant
from bot.logs import get_logger
from bot.media_policy import prepare_media
from bot.runtime import Runtime

log = get_logger(__name__)

# The inbound message's status: stored for the consultant (the console shows it), no bot turn.
FOR_CONSULTANT = "for_consultant"


async def keep_for_consultant(
    runtime: Runtime, conversation: Conversation, contact: Contact, message: Message
) -> list[Message]:
    """Store the message for the consultant (its files too, kept or held as for the bot: consent
    first) and move the ticket's ``updated_at`` so the console shows it; no reply."""
    await prepare_media(runtime, conversation, contact, message)
    async with runtime.sessions() as session, session.begin():
        await messages.set_status(session, message_id=message.id, status=FOR_CONSULTANT, error_detail=None)
        ticket_id = await note_inbound_for_consultant(session, conversation_id=conversation.id, at=utcnow())
    log.info(
        "message kept for the consultant",
        conversation_id=conversation.id,
        message_id=message.id,
        ticket_id=ticket_id,
    )
    return []
