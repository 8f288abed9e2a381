"""Ticket queries (handoff_requests, ticket_events): the queue, ownership and what a summary reads.

Race safety lives here: one not-closed ticket per conversation is the partial unique index
``uq_handoff_requests_one_open`` (an insert that would break it does nothing), and a claim is one
conditional UPDATE (``WHERE status = 'open'``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import (
    Consent,
    Contact,
    Conversation,
    HandoffRequest,
    Message,
    PrequalEvaluation,
    TicketEvent,
    User,
)
from bot.db.upsert import dialect_insert
from bot.handoff.summary import LAST_MESSAGES, MessageFact, SummaryFacts

NOT_CLOSED = ("open", "claimed")


async def insert_unless_one_is_open(session: AsyncSession, **values: Any) -> int | None:
    """Insert a ticket; ``None`` when the conversation already has one not closed (nothing inserted)."""
    statement = (
        dialect_insert(session, HandoffRequest.__table__)
        .values(status="open", **values)
        .on_conflict_do_nothing(index_elements=["conversation_id"], index_where=text("status != 'closed'"))
        .returning(HandoffRequest.id)
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def not_closed_ticket(
    session: AsyncSession, *, conversation_id: int, for_update: bool = False
) -> HandoffRequest | None:
    query = select(HandoffRequest).where(
        HandoffRequest.conversation_id == conversation_id, HandoffRequest.status.in_(NOT_CLOSED)
    )
    if for_update:
        query = query.with_for_update()
    return await session.scalar(query.execution_options(populate_existing=True))


async def add_event(
    session: AsyncSession,
    *,
    ticket: HandoffRequest,
    kind: str,
    at: datetime,
    actor_id: int | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    session.add(
        TicketEvent(
            ticket_id=ticket.id,
            conversation_id=ticket.conversation_id,
            kind=kind,
            actor_id=actor_id,
            detail=detail or {},
            at=at,
        )
    )


async def claim_if_open(session: AsyncSession, *, ticket_id: int, user_id: int, at: datetime) -> bool:
    """The one conditional UPDATE that makes a claim atomic: True for the one claimer that wins."""
    result = await session.execute(
        update(HandoffRequest)
        .where(HandoffRequest.id == ticket_id, HandoffRequest.status == "open")
        .values(status="claimed", assignee_id=user_id, claimed_at=at, updated_at=at)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount) == 1  # type: ignore[attr-defined]


async def assignee_name(session: AsyncSession, *, ticket_id: int) -> str | None:
    return await session.scalar(
        select(User.display_name)
        .join(HandoffRequest, HandoffRequest.assignee_id == User.id)
        .where(HandoffRequest.id == ticket_id)
    )


async def set_owner(session: AsyncSession, *, conversation_id: int, owner: str) -> None:
    await session.execute(update(Conversation).where(Conversation.id == conversation_id).values(owner=owner))


async def conversation_ids_of(session: AsyncSession, *, contact_id: int) -> list[int]:
    found = await session.scalars(select(Conversation.id).where(Conversation.contact_id == contact_id))
    return list(found.all())


async def touch(session: AsyncSession, *, conversation_id: int, at: datetime) -> int | None:
    """A new inbound for the consultant: bump the not-closed ticket's ``updated_at``; its id."""
    ticket = await not_closed_ticket(session, conversation_id=conversation_id)
    if ticket is None:
        return None
    await session.execute(update(HandoffRequest).where(HandoffRequest.id == ticket.id).values(updated_at=at))
    return ticket.id


async def close_not_closed(
    session: AsyncSession, *, conversation_id: int, outcome: str, at: datetime, actor_id: int | None = None
) -> HandoffRequest | None:
    """Close the conversation's ticket (if any) with ``outcome``; the bot owns the conversation again."""
    ticket = await not_closed_ticket(session, conversation_id=conversation_id, for_update=True)
    if ticket is not None:
        ticket.status, ticket.outcome, ticket.closed_at, ticket.updated_at = "closed", outcome, at, at
        await add_event(
            session, ticket=ticket, kind="closed", at=at, actor_id=actor_id, detail={"outcome": outcome}
        )
    await set_owner(session, conversation_id=conversation_id, owner="bot")
    await session.flush()
    return ticket


async def waiting(
    session: AsyncSession, *, branch: str | None, reason: str | None
) -> Sequence[tuple[HandoffRequest, Conversation, Contact]]:
    """Open tickets, most urgent first, then longest waiting."""
    query = (
        select(HandoffRequest, Conversation, Contact)
        .join(Conversation, Conversation.id == HandoffRequest.conversation_id)
        .join(Contact, Contact.id == Conversation.contact_id)
        .where(HandoffRequest.status == "open")
        .order_by(HandoffRequest.priority, HandoffRequest.requested_at, HandoffRequest.id)
    )
    if branch is not None:
        query = query.where(HandoffRequest.branch == branch)
    if reason is not None:
        query = query.where(HandoffRequest.reason == reason)
    return [(t, c, p) for t, c, p in (await session.execute(query)).all()]


async def claimed_by(
    session: AsyncSession, *, user_id: int
) -> Sequence[tuple[HandoffRequest, Conversation, Contact]]:
    query = (
        select(HandoffRequest, Conversation, Contact)
        .join(Conversation, Conversation.id == HandoffRequest.conversation_id)
        .join(Contact, Contact.id == Conversation.contact_id)
        .where(HandoffRequest.status == "claimed", HandoffRequest.assignee_id == user_id)
        .order_by(HandoffRequest.updated_at.desc())
    )
    return [(t, c, p) for t, c, p in (await session.execute(query)).all()]


async def tickets_ahead(session: AsyncSession, *, ticket: HandoffRequest) -> int:
    """Open tickets of the branch a consultant takes before this one (more urgent, or as urgent and older)."""
    before = or_(
        HandoffRequest.priority < ticket.priority,
        and_(HandoffRequest.priority == ticket.priority, HandoffRequest.requested_at < ticket.requested_at),
    )
    found = await session.scalars(
        select(HandoffRequest.id).where(
            HandoffRequest.status == "open",
            HandoffRequest.branch == ticket.branch,
            HandoffRequest.id != ticket.id,
            before,
        )
    )
    return len(found.all())


async def recent_claim_times(session: AsyncSession, *, branch: str | None, limit: int) -> list[timedelta]:
    """Time from request to claim of the branch's last ``limit`` claimed tickets."""
    rows = await session.execute(
        select(HandoffRequest.requested_at, HandoffRequest.claimed_at)
        .where(HandoffRequest.branch == branch, HandoffRequest.claimed_at.is_not(None))
        .order_by(HandoffRequest.claimed_at.desc())
        .limit(limit)
    )
    return [claimed - requested for requested, claimed in rows.all() if claimed and claimed >= requested]


async def summary_facts(
    session: AsyncSession, *, conversation_id: int, request_answers: dict[str, Any]
) -> SummaryFacts:
    conversation = await session.get(Conversation, conversation_id)
    if conversation is None:
        raise ValueError(f"no conversation {conversation_id}")
    contact = await session.get(Contact, conversation.contact_id)
    consent = await session.scalar(
        select(Consent)
        .where(Consent.contact_id == conversation.contact_id, Consent.kind == "general")
        .order_by(Consent.answered_at.desc(), Consent.id.desc())
        .limit(1)
    )
    evaluation = await session.scalar(
        select(PrequalEvaluation)
        .where(PrequalEvaluation.contact_id == conversation.contact_id)
        .order_by(PrequalEvaluation.created_at.desc(), PrequalEvaluation.id.desc())
        .limit(1)
    )
    last = (
        await session.scalars(
            select(Message)
            .where(Message.conversation_id == conversation_id)
            .order_by(Message.id.desc())
            .limit(LAST_MESSAGES)
        )
    ).all()
    return SummaryFacts(
        channel=conversation.channel,
        profile_name=contact.profile_name if contact else None,
        consent=(consent.accepted, consent.answered_at) if consent else None,
        prequal_name=evaluation.full_name if evaluation else None,
        prequal_answers=dict(evaluation.answers or {}) if evaluation else {},
        evaluation=dict(evaluation.evaluation or {}) if evaluation else None,
        evaluated_at=evaluation.created_at if evaluation else None,
        request_answers=request_answers,
        messages=[
            MessageFact(m.id, m.direction, m.body, m.created_at, len(m.media or [])) for m in reversed(last)
        ],
    )
