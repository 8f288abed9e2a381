"""What the gateway does itself, before or instead of the bot's words: keywords (opt-out, opt-in,
help) and commands Rasa returns as a custom payload (``{"famibot_command": "opt_out" | "request_human"}``)."""

from __future__ import annotations

from bot.db import conversations, handoffs, messages
from bot.db.models import Contact, Conversation, Message, utcnow
from bot.handoff import handoff_reply
from bot.keywords import KeywordKind
from bot.logs import get_logger
from bot.rasa_client import BotReply, RasaClient
from bot.replies import add_replies
from bot.runtime import Runtime

log = get_logger(__name__)

COMMAND_KEY = "famibot_command"


def commands_in(replies: list[BotReply]) -> set[str]:
    return {str(reply.custom[COMMAND_KEY]) for reply in replies if COMMAND_KEY in reply.custom}


async def answer_keyword(
    runtime: Runtime,
    conversation: Conversation,
    contact: Contact,
    message: Message,
    keyword: KeywordKind,
    *,
    reason: str,
) -> list[Message]:
    """Apply the keyword to the contact and store its one confirmation, in one transaction."""
    reply = [BotReply(text=runtime.keywords.rule(keyword).reply)]
    now = utcnow()
    async with runtime.sessions() as session, session.begin():
        if keyword == "opt_out":
            await conversations.mark_opted_out(session, contact_id=contact.id, at=now, reason=reason)
            canceled = await messages.cancel_unsent_to_contact(session, contact_id=contact.id)
            contact.opted_out_at = contact.opted_out_at or now
            log.info("contact opted out", conversation_id=conversation.id, canceled=canceled)
        elif keyword == "opt_in":
            await conversations.mark_opted_in(session, contact_id=contact.id)
            contact.opted_out_at = None
        stored, _ = await add_replies(
            runtime, session, conversation, message, reply, purpose=_KEYWORD_PURPOSE[keyword]
        )
    return stored


_KEYWORD_PURPOSE: dict[KeywordKind, str] = {
    "opt_out": "opt_out_confirmation",
    "opt_in": "opt_in_confirmation",
    "help": "help",
}


async def request_human(
    runtime: Runtime, rasa: RasaClient, conversation: Conversation, message: Message, replies: list[BotReply]
) -> list[Message]:
    """Record a real hand-off request with the answers so far, and say honestly when someone writes."""
    answers = await rasa.answers(sender_id=conversation.rasa_sender_id)
    now = utcnow()
    told = [reply for reply in replies if not reply.custom] + [
        BotReply(text=handoff_reply(runtime.office_hours, now))
    ]
    async with runtime.sessions() as session, session.begin():
        request = await handoffs.record_handoff_request(
            session,
            conversation_id=conversation.id,
            message_id=message.id,
            reason="user_asked",
            answers=answers,
            at=now,
        )
        stored, _ = await add_replies(runtime, session, conversation, message, told, purpose="reply")
    log.info("hand-off requested", conversation_id=conversation.id, handoff_id=request.id)
    return stored
