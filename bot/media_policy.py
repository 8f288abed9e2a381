"""Inbound media and consent (Ley 1581 de 2012): a person's files are fetched only with their consent.

Without an accepted consent (the contact's latest answer in ``consents``), media are not downloaded:
each item keeps ``"held": "no_consent"``, its copy at Twilio is deleted (we never fetch it), and the
turn asks the dialogue for the consent question (``HELD_MEDIA_PAYLOAD``), which the gateway opens
with ``media_held`` of data/consent.yml: the file was not kept, please send it again after accepting.
With consent, each item is downloaded into MEDIA_DIR and its copy at Twilio is deleted right away.
A delete that fails stays queued and is retried later (bot/twilio_copies.py); it never fails a turn.
"""

from __future__ import annotations

from typing import Any

from bot.db import consents, messages
from bot.db.models import Contact, Conversation, Message
from bot.logs import get_logger
from bot.media import store_media
from bot.runtime import Runtime
from bot.twilio_copies import delete_copies, media_copies, queue_copies, retry_due_deletions

log = get_logger(__name__)

HELD_FOR_CONSENT = "no_consent"
# Rasa asks for consent on a loan request when its ``consentimiento`` slot is false (nlu/data/rules).
HELD_MEDIA_PAYLOAD = "/request_loan"


def has_held_media(media: list[dict[str, Any]] | None) -> bool:
    return any(isinstance(item, dict) and item.get("held") for item in media or [])


async def prepare_media(
    runtime: Runtime, conversation: Conversation, contact: Contact, message: Message
) -> tuple[list[dict[str, Any]], str | None]:
    """Download (with consent) or hold (without) the message's media; return the media list and,
    when media were held, the payload the dialogue must get instead of the message's text."""
    media = list(message.media or [])
    todo = [item for item in media if not (item.get("key") or item.get("error") or item.get("held"))]
    if not todo:  # nothing new (a retried turn keeps what the first attempt decided)
        return media, HELD_MEDIA_PAYLOAD if has_held_media(media) else None
    async with runtime.sessions() as session:
        consented = await consents.has_accepted_consent(session, contact_id=contact.id)
    if consented:
        before = media
        media = await store_media(
            runtime.twilio,
            runtime.settings.media_dir,
            conversation_id=conversation.id,
            message_sid=message.twilio_sid or "",
            media=before,
        )
        downloaded = [
            new for old, new in zip(before, media, strict=True) if new.get("key") and not old.get("key")
        ]
        copies = media_copies(downloaded)
        reason = "downloaded"
    else:
        media = [{**item, "held": HELD_FOR_CONSENT} if item in todo else item for item in media]
        copies = media_copies(todo)
        reason = "held"
        log.info("media held until consent", conversation_id=conversation.id, items=len(todo))
    async with runtime.sessions() as session, session.begin():
        await messages.set_status(session, message_id=message.id, media=media)
        await queue_copies(session, copies, reason=reason)
    message.media = media  # the rest of the turn (and the consent question) sees the decision
    if copies and await delete_copies(runtime, copies):
        await retry_due_deletions(runtime)  # Twilio answers: a good moment for older failures
    return media, None if consented else HELD_MEDIA_PAYLOAD
