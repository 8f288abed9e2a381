"""The consent step's two gateway commands: show the consent text (and remember which version was
shown), and store the answer as proof (Ley 1581 de 2012) with the replies, atomically."""

from __future__ import annotations

from bot.command_payloads import without_commands
from bot.db.models import Consent, Contact, Conversation, Message, utcnow
from bot.logs import get_logger
from bot.media_policy import has_held_media
from bot.menus import remember_menu
from bot.rasa_client import BotReply
from bot.replies import add_replies, store_replies
from bot.runtime import Runtime

log = get_logger(__name__)

CONSENT_ASKED_TTL_S = 7 * 24 * 3600
CONSENT_RECENT_S = 30 * 60  # the full text is still on the screen above: a re-ask may refer to it


def _consent_key(conversation_id: int) -> str:
    return f"famibot:consent-asked:{conversation_id}"


def _consent_recent_key(conversation_id: int) -> str:
    return f"famibot:consent-shown-recently:{conversation_id}"


async def ask_consent(
    runtime: Runtime, conversation: Conversation, message: Message, replies: list[BotReply]
) -> list[Message]:
    """Show the consent text of data/consent.yml and remember which version was shown; a file sent
    before consent was not kept (bot/media_policy.py), and the question starts by saying so.

    Asked again on SMS right after answering another question ("¿cuánto es el interés?"), or within
    ``CONSENT_RECENT_S`` of showing the full text, the full text is still on the screen above (and the
    answer and the full text together would not fit the turn's SMS budget): the short re-ask refers to
    it, and the version shown before stays the one recorded.
    """
    key, words = _consent_key(conversation.id), without_commands(replies)
    recent = _consent_recent_key(conversation.id)
    shown_before = await runtime.redis.get(key) is not None
    # A reply that is not an answer ("q? no entiendo") right after the full text: the short re-ask too.
    again = (
        conversation.channel == "sms" and shown_before and (bool(words) or await runtime.redis.exists(recent))
    )
    if not again:
        await runtime.redis.set(key, runtime.consent.version, ex=CONSENT_ASKED_TTL_S)
        await runtime.redis.set(recent, 1, ex=CONSENT_RECENT_S)
    held = [BotReply(text=runtime.consent.media_held)] if has_held_media(message.media) else []
    question = runtime.consent.question(again=again)
    return await store_replies(runtime, conversation, message, [*held, *words, question])


async def record_consent(
    runtime: Runtime,
    conversation: Conversation,
    contact: Contact,
    message: Message,
    replies: list[BotReply],
    *,
    accepted: bool,
) -> list[Message]:
    """Store the proof (time, channel, MessageSid, text version, purposes) with the replies, atomically."""
    shown = await runtime.redis.get(_consent_key(conversation.id))
    version = shown.decode() if isinstance(shown, bytes) else runtime.consent.version
    async with runtime.sessions() as session, session.begin():
        session.add(
            Consent(
                contact_id=contact.id,
                conversation_id=conversation.id,
                accepted=accepted,
                channel=conversation.channel,
                message_sid=message.twilio_sid,
                text_version=version,
                purposes=list(runtime.consent.purposes),
                answered_at=utcnow(),
            )
        )
        stored, menu = await add_replies(
            runtime, session, conversation, message, without_commands(replies), purpose="reply"
        )
    await remember_menu(runtime.redis, conversation.id, menu)
    log.info("consent recorded", conversation_id=conversation.id, accepted=accepted)
    return stored
