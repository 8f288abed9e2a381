"""Rasa is told what consultants said before the bot answers a conversation again.

While a consultant owns a conversation the worker never calls Rasa, so Rasa's tracker ends with the
bot's last turn before the hand-off. When the ticket is closed (handed back or closed with an
outcome), the consultant's lines are appended to the tracker as ``bot`` events (BotUttered, metadata
``famibot_consultant``: the ticket id) through Rasa's HTTP API, so the dialogue has them.

The person's messages of that time are not appended: a ``user`` event without Rasa's own NLU parse
would enter the policies' state as a turn with no intent, and could change what the bot predicts next.
They stay in our transcript.

It happens under the conversation's lock: in the ``tell_rasa`` job enqueued by the hand-back, and in
any case in the next turn before Rasa is asked (``bot.turns``); if Rasa is down, that turn waits and
retries like any turn. A ticket event ``rasa_told`` records that a ticket's lines were given (once).
A crash between Rasa's answer and that record would give the lines twice; nothing else repeats.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.db import consultant as queries
from bot.db.models import Conversation, HandoffRequest, Message, utcnow
from bot.logs import get_logger
from bot.rasa_client import RasaClient, RasaUnavailable
from bot.runtime import Runtime

log = get_logger(__name__)

CONSULTANT_KEY = "famibot_consultant"


def consultant_events(lines: Sequence[Message], ticket_id: int) -> list[dict[str, Any]]:
    return [{"event": "bot", "text": line.body, "metadata": {CONSULTANT_KEY: ticket_id}} for line in lines]


async def tell_rasa(runtime: Runtime, rasa: RasaClient, conversation: Conversation) -> int:
    """Give Rasa the lines of every closed ticket not told yet; return how many. Hold the lock.

    Raises ``RasaUnavailable`` (nothing recorded: the next try gives the same lines).
    """
    async with runtime.sessions() as session:
        tickets = await queries.tickets_to_tell_rasa(session, conversation_id=conversation.id)
        pending = [
            (ticket.id, await queries.consultant_lines(session, ticket_id=ticket.id)) for ticket in tickets
        ]
    told = 0
    for ticket_id, lines in pending:
        if lines:
            events = consultant_events(lines, ticket_id)
            await rasa.append_events(sender_id=conversation.rasa_sender_id, events=events)
        async with runtime.sessions() as session, session.begin():
            ticket = await session.get(HandoffRequest, ticket_id)
            if ticket is not None:
                detail = {"lines": len(lines)}
                await queries.add_event(
                    session, ticket=ticket, kind=queries.RASA_TOLD, actor_id=None, at=utcnow(), detail=detail
                )
        told += len(lines)
        log.info("rasa told what the consultant said", conversation_id=conversation.id, lines=len(lines))
    return told


async def tell_rasa_before_turn(runtime: Runtime, rasa: RasaClient, conversation: Conversation) -> None:
    """Before the bot answers: Rasa down waits (``RasaUnavailable``, the turn is retried as any turn);
    Rasa up but refusing the lines does not stop the person's turn (they are offered again next turn)."""
    try:
        await tell_rasa(runtime, rasa, conversation)
    except RasaUnavailable as exc:
        if not await rasa.is_up():
            raise
        log.warning("rasa refused the consultant's lines; answering without them", reason=str(exc))
