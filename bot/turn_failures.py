"""A turn that failed: retry it, wait for Rasa, or give up on the message — never leave silence.

A try counts only while Rasa answers (Rasa down says nothing about the message: the conversation
waits, in order, as before). After ``MAX_TURN_ATTEMPTS`` counted tries the message is set aside
("dead_letter", the reason in ``error_detail``), a consultant is asked to look (a hand-off request,
reason ``bot_failure``, which consultants list with the others), the person gets one honest apology
(not one per failed message), and the conversation goes on with the next message.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.db import messages
from bot.db.models import Conversation, Message, utcnow
from bot.handoff.hours import handoff_reply
from bot.handoff.tickets import request_handoff, wait_for
from bot.logs import get_logger
from bot.metrics import TURN_FAILURES
from bot.rasa_client import BotReply, RasaClient, TrackedTurn
from bot.replies import add_replies
from bot.runtime import Runtime

log = get_logger(__name__)

APOLOGY_PURPOSE = "failure_apology"
# Failures seen in Rasa's tracker: a retry must not take that try's replies for an answer.
FAILED_TURN_REASONS = ("no_reply", "action_server_down")
HANDOFF_REASON = "bot_failure"
MAX_RETRY_S = 60.0


class TurnFailed(Exception):
    """Rasa recorded the message but the turn did not complete (a custom action failed, no reply)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TurnPostponed(Exception):
    """Try the conversation again later; ``retry_in_s`` None means "back off as for an outage"."""

    def __init__(self, reason: str, retry_in_s: float | None) -> None:
        super().__init__(reason)
        self.retry_in_s = retry_in_s


@dataclass(frozen=True, slots=True)
class Settled:
    """A failure the conversation moves past: the message was set aside; ``rows`` is the apology."""

    rows: list[Message]


def turn_failure(turn: TrackedTurn, replies: list[BotReply], actions_healthy: bool) -> str | None:
    """Why a turn Rasa recorded did not really happen, or ``None`` when it did."""
    if not replies and not turn.replies:
        return "no_reply"
    if not actions_healthy and turn.custom_actions:
        return "action_server_down"
    return None


def failure_reason(exc: Exception) -> str:
    """The reason a failed try is recorded under (``TurnFailed``'s own, the deadline, a Rasa error)."""
    if isinstance(exc, TurnFailed):
        return exc.reason
    if isinstance(exc, TimeoutError):
        return "deadline"
    return "rasa_error"


def retry_delay_s(base_s: float, attempts: int) -> float:
    """base, 4x base, 16x base … capped: a message that keeps failing is not hammered."""
    return float(min(MAX_RETRY_S, base_s * 4 ** max(attempts - 1, 0)))


async def settle_failure(
    runtime: Runtime,
    rasa: RasaClient,
    conversation: Conversation,
    message: Message,
    reason: str,
) -> Settled:
    """Record a failed try of ``message``; raise :class:`TurnPostponed` to retry, or give up on it."""
    log_ = log.bind(conversation_id=conversation.id, message_id=message.id, reason=reason)
    async with runtime.sessions() as session:
        current = await session.get(Message, message.id)
    if current is not None and current.status not in messages.PENDING_INBOUND:
        # The turn was stored before the deadline hit: only its sending is left, for the next job.
        raise TurnPostponed(f"{reason} after the turn was stored", retry_in_s=None)
    if not await rasa.is_up():
        async with runtime.sessions() as session, session.begin():
            await messages.forgive_attempt(session, message_id=message.id)
        TURN_FAILURES.labels(reason=reason, outcome="waiting_for_rasa").inc()
        log_.warning("turn postponed: Rasa is down")
        raise TurnPostponed(f"{reason}; Rasa is down", retry_in_s=None)
    settings = runtime.settings
    if message.attempts < settings.max_turn_attempts:
        delay = retry_delay_s(settings.turn_retry_base_s, message.attempts)
        async with runtime.sessions() as session, session.begin():  # the retry reads it
            await messages.set_status(
                session, message_id=message.id, error_detail=f"{reason} (try {message.attempts})"
            )
        TURN_FAILURES.labels(reason=reason, outcome="retry").inc()
        log_.warning("turn failed; retrying", attempts=message.attempts, retry_in_s=delay)
        raise TurnPostponed(reason, retry_in_s=delay)
    rows = await give_up(runtime, conversation, message, reason)
    TURN_FAILURES.labels(reason=reason, outcome="dead_letter").inc()
    log_.error("message set aside after repeated failures", attempts=message.attempts, apology=bool(rows))
    return Settled(rows)


async def give_up(
    runtime: Runtime, conversation: Conversation, message: Message, reason: str
) -> list[Message]:
    """Set the message aside, ask a consultant (the conversation's ticket, opened or updated),
    apologise once; all in one transaction."""
    now = utcnow()
    async with runtime.sessions() as session, session.begin():
        ticket = await request_handoff(
            session,
            conversation_id=conversation.id,
            message_id=message.id,
            reason=HANDOFF_REASON,
            answers={},
            at=now,
            rules=runtime.handoff,
        )
        wait = await wait_for(
            session, ticket=ticket, rules=runtime.handoff, hours=runtime.office_hours, now=now
        )
        apology = BotReply(
            text=handoff_reply(runtime.office_hours, now, wait=wait.when, replies=runtime.failures.apology)
        )
        already_apologised = (
            await messages.last_outbound_purpose(session, conversation_id=conversation.id) == APOLOGY_PURPOSE
        )
        rows: list[Message] = []
        if not already_apologised:  # the menu asked before stays remembered: the dialogue was rewound
            rows, _ = await add_replies(
                runtime, session, conversation, message, [apology], purpose=APOLOGY_PURPOSE
            )
        await messages.set_status(
            session,
            message_id=message.id,
            status=messages.DEAD_LETTER,
            answered_at=None,
            error_detail=f"{reason} (after {message.attempts} tries)",
        )
    return rows
