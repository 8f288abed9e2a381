"""One conversation's turns, in arrival order, one at a time.

The worker calls :func:`run_conversation` for every inbound message. Holding the conversation's
Redis lock, it first finishes any unsent replies, then takes each pending inbound message in id order:
Rasa → render → store the replies (outbox) and mark the message answered in one transaction → send.
If the worker dies mid-turn the message stays "processing"; the retry asks Rasa's tracker whether
the turn already ran, so Rasa never sees a message twice and no reply is sent twice.

One job drains a conversation; a job that finds it busy does not spin: the holder looks for new
messages after releasing the lock, and the busy job comes back once, when the holder's lock would
expire (a holder that died leaves its lock until then). A job stops taking turns at
``turn_deadline_s`` (before arq's job timeout, which arq 0.28 would count as a failure, not a
retry) and is retried. A failed turn
(Rasa error, no reply, the action server down, the deadline) is settled by :mod:`bot.turn_failures`:
retried with backoff, or — after ``max_turn_attempts`` — set aside with one apology to the person.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from redis.asyncio.lock import Lock
from redis.exceptions import LockError

from bot.commands import answer_keyword, apply_commands
from bot.db import messages
from bot.db.models import Contact, Conversation, Message, utcnow
from bot.db.turn_facts import TurnFacts, turn_facts
from bot.documents.turn import documents_turn
from bot.handoff.consultant import release_held_replies
from bot.handoff.owned import keep_for_consultant
from bot.handoff.rasa_context import tell_rasa_before_turn
from bot.lessons.turn import lessons_turn
from bot.logs import get_logger
from bot.media_policy import prepare_media
from bot.menus import payload_for
from bot.metrics import RASA_CALLS, TURN_LATENCY
from bot.outbox import send_rows
from bot.queue import conversation_lock_key, enqueue_drain
from bot.rasa_client import BotReply, RasaClient, RasaUnavailable
from bot.replies import store_replies
from bot.runtime import Runtime
from bot.turn_failures import (
    FAILED_TURN_REASONS,
    TurnFailed,
    TurnPostponed,
    failure_reason,
    settle_failure,
    turn_failure,
)

log = get_logger(__name__)

MEDIA_ONLY_PAYLOAD = "/enviar_documento"
BUSY_MARGIN_S = 0.2


class ConversationBusy(Exception):
    """Another job holds the conversation; come back in ``retry_in_s`` (when its lock would expire)."""

    def __init__(self, retry_in_s: float) -> None:
        super().__init__(f"busy for {retry_in_s:.1f} s")
        self.retry_in_s = retry_in_s


STOP_FORM_PAYLOAD = "/stop_form"
CONFIRM_OPT_OUT_PAYLOAD = "/opt_out"


async def run_conversation(runtime: Runtime, rasa: RasaClient, conversation_id: int) -> int:
    """Drain the conversation; return the number of turns taken.

    Raises :class:`ConversationBusy` when another job holds the conversation: that job takes our
    message too; we come back once, when its lock would have expired, in case it died.
    """
    now = asyncio.get_running_loop().time()
    deadline = now + runtime.settings.turn_deadline_s
    halfway = now + runtime.settings.turn_job_timeout_s / 2
    turns = 0
    while True:
        lock = Lock(
            runtime.redis,
            conversation_lock_key(conversation_id),
            timeout=runtime.settings.turn_job_timeout_s,
            blocking=False,
        )
        if not await lock.acquire():
            if turns:  # we drained and released; another job took the lock since: it has the rest
                return turns
            # The holder looks for new messages after it releases the lock, so ours is taken then.
            # Come back once when the lock would expire, in case the holder died (a crash, a kill).
            ttl_ms = await runtime.redis.pttl(conversation_lock_key(conversation_id))
            raise ConversationBusy(max(ttl_ms, 0) / 1000 + BUSY_MARGIN_S)
        try:
            taken, handed_over = await _drain(runtime, rasa, conversation_id, lock, deadline, halfway)
            turns += taken
        finally:
            try:
                await lock.release()
            except LockError:
                log.warning("conversation lock expired before release", conversation_id=conversation_id)
        if handed_over:
            return turns
        async with runtime.sessions() as session:  # a message stored while we held the lock?
            if not await messages.has_pending_inbound(session, conversation_id=conversation_id):
                return turns
        if asyncio.get_running_loop().time() > halfway:
            await enqueue_drain(runtime.redis, conversation_id=conversation_id, reason="late-arrivals")
            return turns


async def _drain(
    runtime: Runtime, rasa: RasaClient, conversation_id: int, lock: Lock, deadline: float, halfway: float
) -> tuple[int, bool]:
    """Take the waiting turns under the lock: (turns taken, whether the rest went to a new job)."""
    loop = asyncio.get_running_loop()
    turns = 0
    conversation: Conversation | None = None
    leftovers: Sequence[Message] = []
    while True:
        # One transaction per turn reads what the turn needs, then claims the message. Reads first:
        # on SQLite the write lock is taken at the claim's UPDATE, and held to the commit.
        async with runtime.sessions() as session, session.begin():
            if conversation is None:  # the job's first look: replies a crashed job left unsent, too
                conversation = await session.get(Conversation, conversation_id)
                if conversation is None:
                    return 0, False
                leftovers = await messages.unsent_outbound(session, conversation_id=conversation_id)
            message = await messages.next_pending_inbound(session, conversation_id=conversation_id)
            if message is None and not leftovers:
                return turns, False
            # A consultant may have claimed (or handed back) the conversation since the last turn.
            facts = await turn_facts(session, conversation_id=conversation_id)
            claimed_before = bool(facts and message and await messages.claim(session, message))
        if facts is None:
            return turns, False
        conversation.owner = facts.owner
        contact = facts.contact
        if leftovers:  # replies a crashed or postponed job did not finish sending come first
            # Proactive rows wait for their send-rate slot, unless the person's message is waiting.
            await _send_before(
                deadline, runtime, leftovers, contact, conversation.channel, fresh=False, pace=message is None
            )
            leftovers = []
        if message is None:
            return turns, False
        if runtime.keywords.match(message.body) != "opt_out":  # the person answered: held replies first
            released = await release_held_replies(runtime, conversation, contact)
            await _send_before(deadline, runtime, released, contact, conversation.channel, fresh=True)
        try:
            async with asyncio.timeout_at(deadline):
                replies = await take_turn(
                    runtime, rasa, conversation, contact, message, claimed_before=claimed_before, facts=facts
                )
        except (TurnFailed, RasaUnavailable, TimeoutError) as exc:
            replies = (await settle_failure(runtime, rasa, conversation, message, failure_reason(exc))).rows
        await _send_before(deadline, runtime, replies, contact, conversation.channel, fresh=True)
        TURN_LATENCY.observe((utcnow() - message.created_at).total_seconds())
        turns += 1
        if loop.time() > halfway:
            # Leave time before the job's timeout: hand the rest to a fresh job.
            await enqueue_drain(runtime.redis, conversation_id=conversation_id, reason=f"after-{message.id}")
            return turns, True
        await lock.reacquire()


async def _send_before(
    deadline: float,
    runtime: Runtime,
    rows: Sequence[Message],
    contact: Contact,
    channel: str,
    *,
    fresh: bool,
    pace: bool = True,
) -> None:
    if not rows:
        return
    try:
        async with asyncio.timeout_at(deadline):
            await send_rows(runtime, rows, contact, channel, fresh=fresh, pace=pace)
    except TimeoutError:  # rows left "sending" are reconciled with Twilio by the next job
        raise TurnPostponed("deadline while sending", retry_in_s=None) from None


async def take_turn(
    runtime: Runtime,
    rasa: RasaClient,
    conversation: Conversation,
    contact: Contact,
    message: Message,
    *,
    claimed_before: bool = False,
    facts: TurnFacts | None = None,
) -> list[Message]:
    """Answer one claimed message; return the reply rows stored (status "sending").

    ``facts``, read with the claim, spare the turn the reads that find nothing for most people (no
    consultant's lines to give Rasa, no course); without them those reads are made here.
    """
    log_ = log.bind(conversation_id=conversation.id, message_id=message.id)
    keyword = None if message.button_payload else runtime.keywords.match(message.body)
    if keyword is None and contact.opted_out and runtime.keywords.says_back_in(message.body):
        keyword = "opt_in"  # "ya quiero volver a recibir mensajes": as ALTA, without Rasa
    instead = None
    if keyword == "opt_out" and not contact.opted_out:
        instead = await _asked_before_stopping(runtime, rasa, conversation, message)
        keyword = None if instead else keyword
    if keyword is not None:  # opt-out, opt-in and help come before everything else
        log_.info("keyword", keyword=keyword)
        return await answer_keyword(runtime, conversation, contact, message, keyword, reason="keyword")
    if contact.opted_out:
        await _finish(runtime, message, status="skipped", detail="contact opted out")
        log_.info("turn skipped", reason="contact opted out")
        return []
    if conversation.owner != "bot":  # a consultant owns it: Rasa is not called at all
        return await keep_for_consultant(runtime, conversation, contact, message)
    if answered := await documents_turn(runtime, conversation, contact, message):
        return answered  # files for a document request, a relative's code: the gateway answers
    learner = facts is None or facts.learner
    if answered := await lessons_turn(runtime, conversation, contact, message, learner=learner):
        return answered  # a course button, a quiz answer, "siguiente": bot/lessons/turn.py
    media, held_payload = await prepare_media(runtime, conversation, contact, message)  # consent first
    instead = instead or held_payload
    replies = None
    if claimed_before:  # an earlier attempt may have reached Rasa
        replies = await _recover_earlier_try(rasa, conversation, message)
        if replies is not None:
            log_.info("turn recovered from Rasa's tracker", replies=len(replies))
    if replies is None:
        if facts is None or facts.untold_tickets:
            await tell_rasa_before_turn(runtime, rasa, conversation)  # what a consultant said, first
        replies = await _ask_rasa(runtime, rasa, conversation, contact, message, media, instead)
    handled = await apply_commands(runtime, rasa, conversation, contact, message, replies)
    if handled is not None:
        return handled
    stored = await store_replies(runtime, conversation, message, replies)
    log_.info("turn answered", replies=len(replies))
    return stored


async def _recover_earlier_try(
    rasa: RasaClient, conversation: Conversation, message: Message
) -> list[BotReply] | None:
    """The replies of an earlier try that reached Rasa and went well; else undo it (``None``).

    A try that ended in a failure we saw (``error_detail`` names it) is never taken for an answer:
    Rasa may hold its fallback reply ("No le entendí") for a turn whose custom action failed.
    """
    sid = message.twilio_sid or ""
    earlier = await rasa.turn_in_tracker(sender_id=conversation.rasa_sender_id, message_sid=sid)
    if earlier is None:
        return None
    failed_before = (message.error_detail or "").startswith(FAILED_TURN_REASONS)
    if not failed_before and turn_failure(earlier, [], await rasa.actions_healthy()) is None:
        return earlier.replies
    if not earlier.reverted:  # it reached Rasa and did not go well: undo it, then ask again
        await rasa.rewind(sender_id=conversation.rasa_sender_id, message_sid=sid)
    return None


async def _asked_before_stopping(
    runtime: Runtime, rasa: RasaClient, conversation: Conversation, message: Message
) -> str | None:
    """What Rasa hears instead of "CANCELAR" while the bot runs the conversation: in the loan
    questions it pauses them; anywhere else the bot asks whether to stop every message (the privacy
    rules' confirmation). ``None``: the word opts out at once (PARAR, or a consultant owns it)."""
    if not runtime.keywords.asks_first(message.body) or conversation.owner != "bot":
        return None
    in_a_form = await rasa.active_loop(sender_id=conversation.rasa_sender_id) is not None
    return STOP_FORM_PAYLOAD if in_a_form else CONFIRM_OPT_OUT_PAYLOAD


async def _ask_rasa(
    runtime: Runtime,
    rasa: RasaClient,
    conversation: Conversation,
    contact: Contact,
    message: Message,
    media: list[dict[str, Any]],
    instead: str | None = None,
) -> list[BotReply]:
    text = instead or await _text_for_rasa(runtime, rasa, conversation, message)
    metadata = {
        "channel": conversation.channel,
        "message_sid": message.twilio_sid,
        "media": [item["key"] for item in media if item.get("key")],
        "profile_name": contact.profile_name,
    }
    sender_id = conversation.rasa_sender_id
    try:
        answer = await rasa.answer(sender_id=sender_id, message=text, metadata=metadata)
    except RasaUnavailable:
        RASA_CALLS.labels(outcome="unavailable").inc()
        raise
    replies = answer.replies
    actions_healthy = await rasa.actions_healthy(answer)  # no probe when Rasa met no error
    if replies and actions_healthy:
        RASA_CALLS.labels(outcome="ok").inc()
        return replies
    # Rasa answers [] or a partial list when an action fails: what did the turn really do?
    turn = await rasa.turn_in_tracker(sender_id=sender_id, message_sid=message.twilio_sid or "")
    if turn is None:
        if replies:  # not in the tracker, yet answered: take the answer
            RASA_CALLS.labels(outcome="ok").inc()
            return replies
        RASA_CALLS.labels(outcome="dropped").inc()
        raise RasaUnavailable("Rasa answered [] without recording the message")
    failure = turn_failure(turn, replies, actions_healthy)
    if failure is None:
        RASA_CALLS.labels(outcome="ok").inc()
        return replies or turn.replies
    RASA_CALLS.labels(outcome=failure).inc()
    if not turn.reverted:  # the retry starts from the same dialogue state
        await rasa.rewind(sender_id=sender_id, message_sid=message.twilio_sid or "")
    raise TurnFailed(failure)


async def _text_for_rasa(
    runtime: Runtime, rasa: RasaClient, conversation: Conversation, message: Message
) -> str:
    if message.button_payload:
        return message.button_payload
    body = message.body.strip()
    if not body and message.media:
        return MEDIA_ONLY_PAYLOAD
    choice = await payload_for(runtime.redis, rasa, conversation.id, conversation.rasa_sender_id, body)
    return choice or body


async def _finish(runtime: Runtime, message: Message, *, status: str, detail: str) -> None:
    async with runtime.sessions() as session, session.begin():
        await messages.set_status(session, message_id=message.id, status=status, error_detail=detail)
