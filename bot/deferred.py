"""Proactive messages held back by the contact hours go out when the hours open.

The outbox stores a proactive row the send policy deferred (bot/send_policy.py) as "deferred": out of
the unsent set, so neither the recovery sweep nor a retry touches it at night. The worker runs
:func:`release_deferred` every minute; while the contact hours are open it makes those rows "pending"
again and enqueues their conversations, whose job sends them through the policy once more (an opt-out
in between cancels them). The hours are the same for everyone, so a row needs no time of its own: all
deferred rows are due at the next opening (e.g. Monday 07:00 after a Saturday 15:00).
"""

from __future__ import annotations

from bot.db import messages
from bot.logs import get_logger
from bot.queue import enqueue_drain
from bot.runtime import Runtime

log = get_logger(__name__)


async def release_deferred(runtime: Runtime) -> int:
    """Hand deferred rows back to the outbox if the contact hours are open; return the conversations."""
    if not runtime.contact_hours.is_open(runtime.clock()):
        return 0
    async with runtime.sessions() as session, session.begin():
        conversation_ids = await messages.release_deferred(session)
    for conversation_id in conversation_ids:
        await enqueue_drain(runtime.redis, conversation_id=conversation_id, reason="deferred")
    if conversation_ids:
        log.info("deferred messages released", conversations=len(conversation_ids))
    return len(conversation_ids)
