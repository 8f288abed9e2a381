"""A request whose every item is in: a summary to the person and a ticket for the consultants' review.

The conversation has one ticket that is not closed: ``request_handoff`` updates it (the one a
"prequalified" result opened, usually); ``documents_review`` is more urgent than "prequalified" in
data/handoff.yml, so the ticket takes that reason and the review queue shows it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import documents as db
from bot.db.models import Conversation, Message
from bot.documents.flow import Target, standing
from bot.documents.steps import is_complete
from bot.handoff.tickets import request_handoff
from bot.logs import get_logger
from bot.rasa_client import BotReply
from bot.runtime import Runtime

log = get_logger(__name__)


async def finish_if_complete(
    runtime: Runtime,
    session: AsyncSession,
    target: Target,
    conversation: Conversation,
    message: Message,
    *,
    at: datetime,
) -> list[BotReply] | None:
    """Complete the request when every item is received (or approved): its status, the review
    ticket, and the summary for the person; ``None`` while something is missing."""
    request = target.request
    if request.status != "collecting":
        return None
    now = await standing(runtime, session, target, conversation)
    situation = now.situation
    if not is_complete(situation.items, asks_formal=situation.asks_formal, formal=situation.formal):
        return None
    await db.complete(session, request=request, at=at)
    ticket = await request_handoff(
        session,
        conversation_id=request.conversation_id,  # the owner's conversation, also from a relative's
        message_id=message.id if message.conversation_id == request.conversation_id else None,
        reason="documents_review",
        answers={},
        at=at,
        rules=runtime.handoff,
    )
    log.info("document request complete", request_id=request.id, ticket_id=ticket.id)
    titles = ", ".join(state.item.title for state in situation.items)
    return [BotReply(text=runtime.documents.conversation.complete.format(titles=titles))]
