"""One conversation's turns, in arrival order, one at a time.

The worker calls :func:`run_conversation` for every inbound message. Holding the conversation's
Redis lock, it first finishes any unsent replies, then takes each pending inbound message in id order:
Rasa → render → store the replies (outbox) and mark the message answered in one transaction → send.
If the worker dies mid-turn the message stays "processing"; the retry asks Rasa's tracker whether
the turn already ran, so Rasa never sees a message twice and no reply is sent twice.
"""

from __future__ import annotations

import time
from typing import Any

from redis.asyncio.lock import Lock
from redis.exceptions import LockError

from bot.commands import answer_keyword, apply_commands
from bot.db import messages
from bot.db.models import Contact, Conversation, Message, utcnow
from bot.logs import get_logger
from bot.media_policy import prepare_media
from bot.menus import resolve_choice
from bot.metrics import RASA_CALLS, TURN_LATENCY
from bot.outbox import send_rows
from bot.queue import conversation_lock_key, enqueue_drain
from bot.rasa_client import BotReply, RasaClient, RasaUnavailable
from bot.replies import store_replies
from bot.runtime import Runtime

log = get_logger(__name__)

MEDIA_ONLY_PAYLOAD = "/enviar_documento"
STOP_FORM_PAYLOAD = "/stop_form"


class ConversationBusy(Exception):
    """Another job holds this conversation; this one retries shortly."""


async def run_conversation(runtime: Runtime, rasa: RasaClient, conversation_id: int) -> int:
    """Drain the conversation; return the number of turns taken."""
    timeout = runtime.settings.turn_job_timeout_s
    lock = Lock(runtime.redis, conversation_lock_key(conversation_id), timeout=timeout, blocking=False)
    if not await lock.acquire():
        raise ConversationBusy(conversation_id)
    started = time.monotonic()
    turns = 0
    try:
        async with runtime.sessions() as session:
            conversation = await session.get(Conversation, conversation_id)
            leftovers = await messages.unsent_outbound(session, conversation_id=conversation_id)
        if conversation is None:
            return 0
        while True:
            async with runtime.sessions() as session, session.begin():
                contact = await session.get(Contact, conversation.contact_id)
                claimed = await messages.claim_next_inbound(session, conversation_id=conversation_id)
            if contact is None:
                return turns
            if leftovers:  # replies a crashed or postponed job did not finish sending come first
                await send_rows(runtime, leftovers, contact, conversation.channel, fresh=False)
                leftovers = []
            if claimed is None:
                return turns
            message, claimed_before = claimed
            replies = await take_turn(
                runtime, rasa, conversation, contact, message, claimed_before=claimed_before
            )
            await send_rows(runtime, replies, contact, conversation.channel, fresh=True)
            TURN_LATENCY.observe((utcnow() - message.created_at).total_seconds())
            turns += 1
            if time.monotonic() - started > timeout / 2:
                # Leave time before the job's timeout: hand the rest to a fresh job.
                await enqueue_drain(
                    runtime.redis, conversation_id=conversation_id, reason=f"after-{message.id}"
                )
                return turns
            await lock.reacquire()
    finally:
        try:
            await lock.release()
        except LockError:
            log.warning("conversation lock expired before release", conversation_id=conversation_id)


async def take_turn(
    runtime: Runtime,
    rasa: RasaClient,
    conversation: Conversation,
    contact: Contact,
    message: Message,
    *,
    claimed_before: bool = False,
) -> list[Message]:
    """Answer one claimed message; return the reply rows stored (status "sending")."""
    log_ = log.bind(conversation_id=conversation.id, message_id=message.id)
    keyword = None if message.button_payload else runtime.keywords.match(message.body)
    instead = None
    if (
        keyword == "opt_out"
        and not contact.opted_out
        and await _only_stops_a_form(runtime, rasa, conversation, message)
    ):
        keyword, instead = None, STOP_FORM_PAYLOAD  # "CANCELAR" in the middle of the loan questions
    if keyword is not None:  # opt-out, opt-in and help come before everything else
        log_.info("keyword", keyword=keyword)
        return await answer_keyword(runtime, conversation, contact, message, keyword, reason="keyword")
    skip_reason = _skip_reason(conversation, contact)
    if skip_reason:
        await _finish(runtime, message, status="skipped", detail=skip_reason)
        log_.info("turn skipped", reason=skip_reason)
        return []
    media, held_payload = await prepare_media(runtime, conversation, contact, message)  # consent first
    instead = instead or held_payload
    replies = None
    if claimed_before:  # an earlier attempt may have reached Rasa
        replies = await rasa.replies_in_tracker(
            sender_id=conversation.rasa_sender_id, message_sid=message.twilio_sid or ""
        )
        if replies is not None:
            log_.info("turn recovered from Rasa's tracker", replies=len(replies))
    if replies is None:
        replies = await _ask_rasa(runtime, rasa, conversation, contact, message, media, instead)
    handled = await apply_commands(runtime, rasa, conversation, contact, message, replies)
    if handled is not None:
        return handled
    stored = await store_replies(runtime, conversation, message, replies)
    log_.info("turn answered", replies=len(replies))
    return stored


async def _only_stops_a_form(
    runtime: Runtime, rasa: RasaClient, conversation: Conversation, message: Message
) -> bool:
    if not runtime.keywords.only_stops_a_form(message.body) or conversation.owner != "bot":
        return False
    return await rasa.active_loop(sender_id=conversation.rasa_sender_id) is not None


def _skip_reason(conversation: Conversation, contact: Contact) -> str | None:
    if contact.opted_out:
        return "contact opted out"
    if conversation.owner != "bot":
        return f"conversation owned by {conversation.owner}"
    return None


async def _ask_rasa(
    runtime: Runtime,
    rasa: RasaClient,
    conversation: Conversation,
    contact: Contact,
    message: Message,
    media: list[dict[str, Any]],
    instead: str | None = None,
) -> list[BotReply]:
    text = instead or await _text_for_rasa(runtime, conversation, message)
    metadata = {
        "channel": conversation.channel,
        "message_sid": message.twilio_sid,
        "media": [item["key"] for item in media if item.get("key")],
        "profile_name": contact.profile_name,
    }
    try:
        replies = await rasa.send(sender_id=conversation.rasa_sender_id, message=text, metadata=metadata)
    except RasaUnavailable:
        RASA_CALLS.labels(outcome="unavailable").inc()
        raise
    if not replies:
        # Rasa answers [] after an internal error too: was our message recorded at all?
        recorded = await rasa.replies_in_tracker(
            sender_id=conversation.rasa_sender_id, message_sid=message.twilio_sid or ""
        )
        if recorded is None:
            RASA_CALLS.labels(outcome="dropped").inc()
            raise RasaUnavailable("Rasa answered [] without recording the message")
        RASA_CALLS.labels(outcome="empty").inc()
        log.warning("suspect: Rasa gave no reply to a user message", conversation_id=conversation.id)
        return recorded
    RASA_CALLS.labels(outcome="ok").inc()
    return replies


async def _text_for_rasa(runtime: Runtime, conversation: Conversation, message: Message) -> str:
    if message.button_payload:
        return message.button_payload
    body = message.body.strip()
    if not body and message.media:
        return MEDIA_ONLY_PAYLOAD
    choice = await resolve_choice(runtime.redis, conversation.id, body)
    return choice or body


async def _finish(runtime: Runtime, message: Message, *, status: str, detail: str) -> None:
    async with runtime.sessions() as session, session.begin():
        await messages.set_status(session, message_id=message.id, status=status, error_detail=detail)
