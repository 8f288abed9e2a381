"""The end of a consultant's turn with a conversation: hand it back to the bot, or close it.

Both close the ticket and give the conversation back to the bot (``Conversation.owner = "bot"``) in
one transaction, with a ticket event; then a worker job tells Rasa what the consultant said
(``bot.handoff.rasa_context``) before the bot's next turn. Replies still held for a closed WhatsApp
window stay held and go out when the person answers, whoever owns the conversation then.
"""

from __future__ import annotations

from datetime import datetime

from bot.db import consultant as queries
from bot.db.models import Conversation
from bot.handoff.access import ActionResult, Actor, refusal_to_act, refused
from bot.handoff.content import HANDED_BACK
from bot.logs import get_logger
from bot.queue import enqueue_tell_rasa
from bot.runtime import Runtime

log = get_logger(__name__)


async def hand_back(runtime: Runtime, *, ticket_id: int, user: Actor, at: datetime) -> ActionResult:
    """The bot takes the conversation again (outcome "handed_back")."""
    return await _close(
        runtime, ticket_id=ticket_id, user=user, outcome=HANDED_BACK, kind="handed_back", at=at
    )


async def close_ticket(
    runtime: Runtime, *, ticket_id: int, user: Actor, outcome: str, at: datetime
) -> ActionResult:
    """Close with one of data/handoff.yml's outcomes; the bot takes the conversation again."""
    if runtime.consultant.outcome(outcome) is None:
        return refused("unknown_outcome")
    return await _close(runtime, ticket_id=ticket_id, user=user, outcome=outcome, kind="closed", at=at)


async def _close(
    runtime: Runtime, *, ticket_id: int, user: Actor, outcome: str, kind: str, at: datetime
) -> ActionResult:
    async with runtime.sessions() as session, session.begin():
        ticket = await queries.ticket_for_update(session, ticket_id=ticket_id)
        refusal = refusal_to_act(ticket, user, open_ok=kind == "closed")
        if refusal is not None or ticket is None:
            return refused(refusal or "not_found")
        ticket.status, ticket.closed_at, ticket.outcome = "closed", at, outcome
        conversation = await session.get(Conversation, ticket.conversation_id)
        if conversation is not None:
            conversation.owner = "bot"
        await queries.add_event(
            session, ticket=ticket, kind=kind, actor_id=user.id, at=at, detail={"outcome": outcome}
        )
        conversation_id = ticket.conversation_id
    await enqueue_tell_rasa(runtime.redis, conversation_id=conversation_id, ticket_id=ticket_id)
    log.info("ticket closed", ticket_id=ticket_id, outcome=outcome)
    return ActionResult(True, "handed_back" if kind == "handed_back" else "ticket_closed")
