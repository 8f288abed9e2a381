"""Figures for the supervisor page: the queue now, tickets by reason and outcome, load per consultant,
and the funnel contacts -> consent -> pre-qualified -> hand-off -> outcome over a period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Consent, Contact, Conversation, HandoffRequest, PrequalEvaluation, User


@dataclass(frozen=True, slots=True)
class QueueNow:
    waiting: int
    oldest_wait: timedelta | None
    average_wait: timedelta | None
    claimed: int


@dataclass(frozen=True, slots=True)
class Funnel:
    contacts: int
    consented: int
    prequalified: int
    handed_off: int
    with_outcome: int

    def steps(self) -> list[tuple[str, int]]:
        return [("Contactos", self.contacts), ("Autorizaron datos", self.consented),
                ("Pre-aprobados", self.prequalified), ("Pidieron asesor", self.handed_off),
                ("Con resultado", self.with_outcome)]  # fmt: skip


async def queue_now(session: AsyncSession, *, now: datetime, branch: str | None = None) -> QueueNow:
    waiting_query = select(HandoffRequest.requested_at).where(HandoffRequest.status == "open")
    claimed_query = select(func.count()).where(HandoffRequest.status == "claimed")
    if branch:
        waiting_query = waiting_query.where(HandoffRequest.branch == branch)
        claimed_query = claimed_query.where(HandoffRequest.branch == branch)
    since = list((await session.scalars(waiting_query)).all())
    waits = [now - at for at in since]
    return QueueNow(
        waiting=len(waits),
        oldest_wait=max(waits) if waits else None,
        average_wait=sum(waits, timedelta()) / len(waits) if waits else None,
        claimed=int(await session.scalar(claimed_query) or 0),
    )


async def tickets_by_reason(session: AsyncSession, *, since: datetime) -> list[tuple[str, int]]:
    rows = await session.execute(
        select(HandoffRequest.reason, func.count())
        .where(HandoffRequest.requested_at >= since)
        .group_by(HandoffRequest.reason)
        .order_by(func.count().desc())
    )
    return [(reason, int(count)) for reason, count in rows.all()]


async def tickets_by_outcome(session: AsyncSession, *, since: datetime) -> list[tuple[str, int]]:
    rows = await session.execute(
        select(HandoffRequest.outcome, func.count())
        .where(HandoffRequest.status == "closed", HandoffRequest.closed_at >= since)
        .group_by(HandoffRequest.outcome)
        .order_by(func.count().desc())
    )
    return [(outcome or "sin_resultado", int(count)) for outcome, count in rows.all()]


async def load_per_consultant(session: AsyncSession, *, since: datetime) -> list[tuple[str, int, int]]:
    """(name, conversations held now, tickets closed in the period) for every active consultant."""
    held = (
        select(HandoffRequest.assignee_id, func.count().label("n"))
        .where(HandoffRequest.status == "claimed")
        .group_by(HandoffRequest.assignee_id)
        .subquery()
    )
    closed = (
        select(HandoffRequest.assignee_id, func.count().label("n"))
        .where(HandoffRequest.status == "closed", HandoffRequest.closed_at >= since)
        .group_by(HandoffRequest.assignee_id)
        .subquery()
    )
    rows = await session.execute(
        select(User.display_name, func.coalesce(held.c.n, 0), func.coalesce(closed.c.n, 0))
        .outerjoin(held, held.c.assignee_id == User.id)
        .outerjoin(closed, closed.c.assignee_id == User.id)
        .where(User.active.is_(True), User.role == "consultant")
        .order_by(User.display_name)
    )
    return [(name, int(now_held), int(done)) for name, now_held, done in rows.all()]


async def funnel(session: AsyncSession, *, since: datetime) -> Funnel:
    """Contacts first seen in the period, and how many of them reached each later step."""
    new_contacts = select(Contact.id).where(Contact.created_at >= since)
    consented = select(func.count(distinct(Consent.contact_id))).where(
        Consent.accepted.is_(True), Consent.kind == "general", Consent.contact_id.in_(new_contacts)
    )
    prequalified = select(func.count(distinct(PrequalEvaluation.contact_id))).where(
        PrequalEvaluation.outcome == "prequalified", PrequalEvaluation.contact_id.in_(new_contacts)
    )
    ticket_contacts = (
        select(func.count(distinct(Conversation.contact_id)))
        .join(HandoffRequest, HandoffRequest.conversation_id == Conversation.id)
        .where(Conversation.contact_id.in_(new_contacts))
    )
    with_outcome = ticket_contacts.where(
        HandoffRequest.status == "closed", HandoffRequest.outcome.is_not(None),
        HandoffRequest.outcome != "handed_back",
    )  # fmt: skip
    return Funnel(
        contacts=int(await session.scalar(select(func.count()).select_from(new_contacts.subquery())) or 0),
        consented=int(await session.scalar(consented) or 0),
        prequalified=int(await session.scalar(prequalified) or 0),
        handed_off=int(await session.scalar(ticket_contacts) or 0),
        with_outcome=int(await session.scalar(with_outcome) or 0),
    )
