"""Tickets: a hand-off request becomes one ticket per conversation; a consultant claims it and owns
the conversation (the worker stops calling Rasa for it) until it is handed back or closed.

Every function takes the caller's session, flushes and lets the caller commit. Race safety: two
requests at once make one ticket (the partial unique index; the loser updates the winner's), two
claims at once make one owner (one conditional UPDATE; the loser learns who took it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import tickets as db
from bot.db.models import Contact, Conversation, HandoffRequest
from bot.handoff.access import Actor, can_see
from bot.handoff.hours import OfficeHours
from bot.handoff.rules import HandoffRules
from bot.handoff.summary import build_summary
from bot.handoff.transcript import TranscriptEntry, transcript
from bot.handoff.wait import ExpectedWait, expected_wait
from bot.logs import get_logger

log = get_logger(__name__)

__all__ = [
    "ClaimResult",
    "QueueItem",
    "TranscriptEntry",
    "can_see",
    "claim",
    "queue",
    "request_handoff",
    "tickets_for",
    "transcript",
    "wait_for",
]

CONSULTANT = "consultant"


@dataclass(frozen=True, slots=True)
class ClaimResult:
    ok: bool
    owner_name: str | None  # who has it (the claimer when ok, the winner when not); None: not claimable


@dataclass(frozen=True, slots=True)
class QueueItem:
    """A waiting ticket as the queue lists it: no message bodies (those are in the conversation page)."""

    ticket_id: int
    conversation_id: int
    channel: str
    display_name: str
    branch: str | None
    reason: str
    reason_label: str
    priority: int
    waiting_since: datetime
    requests: int
    updated_at: datetime


async def request_handoff(
    session: AsyncSession,
    *,
    conversation_id: int,
    message_id: int | None,
    reason: str,
    answers: dict[str, Any],
    at: datetime,
    rules: HandoffRules,
) -> HandoffRequest:
    """Open a ticket, or update the conversation's open (or claimed) one: asked once more, more urgent
    if the new reason is, the summary rebuilt. An event says which."""
    priority = rules.reason(reason).priority
    facts = await db.summary_facts(session, conversation_id=conversation_id, request_answers=answers)
    summary = build_summary(facts, rules)
    municipality = (summary.get("municipality") or {}).get("code")
    created_id = await db.insert_unless_one_is_open(
        session,
        conversation_id=conversation_id,
        message_id=message_id,
        reason=reason,
        answers=answers,
        priority=priority,
        branch=rules.branch_for(municipality),
        summary=summary,
        requests=1,
        requested_at=at,
        updated_at=at,
    )
    ticket = await db.not_closed_ticket(session, conversation_id=conversation_id, for_update=True)
    if ticket is None:  # closed between our insert attempt and this read: try once more
        return await request_handoff(
            session,
            conversation_id=conversation_id,
            message_id=message_id,
            reason=reason,
            answers=answers,
            at=at,
            rules=rules,
        )
    if created_id == ticket.id:
        await db.add_event(session, ticket=ticket, kind="created", at=at, detail={"reason": reason})
    else:
        ticket.requests += 1
        if priority < ticket.priority:
            ticket.reason, ticket.priority = reason, priority
        ticket.answers = {**(ticket.answers or {}), **answers}
        ticket.summary = summary
        ticket.branch = rules.branch_for(municipality) if municipality else ticket.branch
        ticket.updated_at = at
        detail = {"reason": reason, "message_id": message_id}  # the ticket keeps the first message
        await db.add_event(session, ticket=ticket, kind="requested_again", at=at, detail=detail)
    await session.flush()
    log.info("ticket requested", ticket_id=ticket.id, reason=reason, requests=ticket.requests)
    return ticket


async def wait_for(
    session: AsyncSession, *, ticket: HandoffRequest, rules: HandoffRules, hours: OfficeHours, now: datetime
) -> ExpectedWait:
    """What the person is told about this ticket's wait (the queue ahead of it, recent claim times)."""
    wait_rules = rules.data.expected_wait
    return expected_wait(
        hours=hours,
        rules=wait_rules,
        now=now,
        ahead=await db.tickets_ahead(session, ticket=ticket),
        recent_claims=await db.recent_claim_times(
            session, branch=ticket.branch, limit=wait_rules.recent_tickets
        ),
    )


async def claim(session: AsyncSession, *, ticket_id: int, user: Actor, at: datetime) -> ClaimResult:
    """Take the ticket: the one conditional UPDATE decides; the winner owns the conversation."""
    if not await db.claim_if_open(session, ticket_id=ticket_id, user_id=user.id, at=at):
        return ClaimResult(False, await db.assignee_name(session, ticket_id=ticket_id))
    ticket = await session.get(HandoffRequest, ticket_id, populate_existing=True)
    assert ticket is not None  # we just updated it
    await db.set_owner(session, conversation_id=ticket.conversation_id, owner=CONSULTANT)
    await db.add_event(session, ticket=ticket, kind="claimed", at=at, actor_id=user.id)
    await session.flush()
    log.info("ticket claimed", ticket_id=ticket_id, user_id=user.id)
    return ClaimResult(True, user.display_name)


async def queue(
    session: AsyncSession,
    *,
    branch: str | None,
    reason: str | None,
    now: datetime,
    rules: HandoffRules | None = None,
) -> list[QueueItem]:
    """Waiting tickets by priority then waiting time; ``branch``/``reason`` None: all of them."""
    del now  # the console computes "waiting for" from waiting_since at render time
    return [_item(t, c, p, rules) for t, c, p in await db.waiting(session, branch=branch, reason=reason)]


async def tickets_for(
    session: AsyncSession, *, user: Actor, rules: HandoffRules | None = None
) -> list[QueueItem]:
    """The tickets this consultant has claimed (their conversations), most recently active first."""
    return [_item(t, c, p, rules) for t, c, p in await db.claimed_by(session, user_id=user.id)]


async def close_on_opt_out(session: AsyncSession, *, contact_id: int, at: datetime) -> list[HandoffRequest]:
    """The person opted out (a keyword, the dialogue, or Twilio's 21610): the tickets of their
    conversations close with outcome "opted_out" and the bot owns them again (it stays silent: the
    contact is opted out)."""
    closed = []
    for conversation_id in await db.conversation_ids_of(session, contact_id=contact_id):
        ticket = await db.close_not_closed(
            session, conversation_id=conversation_id, outcome="opted_out", at=at
        )
        if ticket is not None:
            closed.append(ticket)
    return closed


async def note_inbound_for_consultant(
    session: AsyncSession, *, conversation_id: int, at: datetime
) -> int | None:
    """An inbound message in an owned conversation: the ticket's ``updated_at`` moves (the console
    polls on it); the ticket's id."""
    return await db.touch(session, conversation_id=conversation_id, at=at)


def _item(
    ticket: HandoffRequest, conversation: Conversation, contact: Contact, rules: HandoffRules | None
) -> QueueItem:
    """``rules`` gives the reason's Spanish label (without them: the reason's id)."""
    reason = rules.data.reasons.get(ticket.reason) if rules else None
    name = (ticket.summary or {}).get("name") or contact.profile_name
    return QueueItem(
        ticket_id=ticket.id,
        conversation_id=conversation.id,
        channel=conversation.channel,
        display_name=name or f"Número terminado en {contact.phone_e164[-4:]}",
        branch=ticket.branch,
        reason=ticket.reason,
        reason_label=reason.label if reason else ticket.reason,
        priority=ticket.priority,
        waiting_since=ticket.requested_at,
        requests=ticket.requests,
        updated_at=ticket.updated_at,
    )
