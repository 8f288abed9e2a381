"""A request whose every item is in: a summary to the person and a ticket for the consultants' review.

The conversation has one ticket that is not closed: ``request_handoff`` updates it (the one a
"prequalified" result opened, usually); ``documents_review`` is more urgent than "prequalified" in
data/handoff.yml, so the ticket takes that reason and the review queue shows it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import documents as db
from bot.db import messages
from bot.db.models import Conversation, Message
from bot.documents.flow import Target, standing
from bot.documents.steps import is_complete
from bot.handoff.tickets import request_handoff
from bot.logs import get_logger
from bot.queue import RUN_CONVERSATION, ring_doorbell
from bot.rasa_client import BotReply
from bot.rendering import render_turn
from bot.runtime import Runtime

OWNER_SUMMARY_PURPOSE = "documents_complete"  # the summary to the owner when a relative sent the last file
SEND_AFTER_COMMIT = timedelta(seconds=2)

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
    summary = BotReply(text=runtime.documents.conversation.complete.format(titles=titles))
    if target.linked:
        await _tell_owner(runtime, session, request.conversation_id, summary)
    return [summary]


async def _tell_owner(
    runtime: Runtime, session: AsyncSession, conversation_id: int, summary: BotReply
) -> None:
    """The owner (on SMS, say) gets the summary too: an outbox row in their conversation, sent by a
    drain of that conversation queued to run just after this transaction commits."""
    owner = await session.get(Conversation, conversation_id)
    if owner is None:
        return
    rendered = render_turn(
        [summary], owner.channel, sms_segment_budget=runtime.settings.sms_segment_budget, templates=None
    )
    for position, part in enumerate(rendered.parts):
        await messages.add_outbound(
            session,
            conversation_id=owner.id,
            reply_to_id=None,
            position=position,
            body=part.body,
            encoding=part.encoding,
            segments=part.segments,
            purpose=OWNER_SUMMARY_PURPOSE,
        )
    await runtime.redis.enqueue_job(
        RUN_CONVERSATION,
        owner.id,
        _job_id=f"drain:documents-complete:{owner.id}",
        _defer_by=SEND_AFTER_COMMIT,
    )
    await ring_doorbell(runtime.redis)
