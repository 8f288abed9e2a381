"""STOP-GAP for the console branch: the minimum of the issue-9 contract the console calls, written
because bot/handoff/tickets.py (helper "tickets") and bot/handoff/consultant.py (helper
"consultant-replies") were not on main yet. Same names and keyword arguments as the contract; the lead
replaces every import of this module by theirs and deletes it. Queries are inline here on purpose
(the real modules keep them in bot/db/).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.accounts import ConsoleUser
from bot.db import messages
from bot.db.models import Contact, Conversation, HandoffRequest, Message, TicketEvent, User
from bot.gsm7 import fold_to_gsm7, sms_size
from bot.queue import enqueue_drain
from bot.runtime import Runtime
from bot.send_policy import WHATSAPP_WINDOW, whatsapp_window_open


@dataclass(frozen=True, slots=True)
class ClaimResult:
    ok: bool
    owner_name: str | None


@dataclass(frozen=True, slots=True)
class QueueItem:
    ticket_id: int
    conversation_id: int
    channel: str
    display_name: str
    branch: str | None
    reason: str
    priority: int
    waiting_since: datetime
    requests: int
    status: str = "open"
    assignee_name: str | None = None


@dataclass(frozen=True, slots=True)
class TranscriptEntry:
    kind: str  # inbound | outbound | event
    at: datetime
    text: str
    author: str | None = None  # "bot", a consultant's name, or None for the person
    status: str | None = None
    error_code: int | None = None
    error_detail: str | None = None
    detail: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class WindowState:
    open: bool
    closes_at: datetime | None


@dataclass(frozen=True, slots=True)
class ReplyOutcome:
    result: str  # sent | refused
    reason: str | None = None  # Spanish, for the consultant


def can_see(user: ConsoleUser, ticket: HandoffRequest) -> bool:
    return user.is_supervisor or (user.branch is not None and ticket.branch == user.branch)


async def _items(session: AsyncSession, query: Any) -> list[QueueItem]:
    rows = (await session.execute(query)).all()
    return [
        QueueItem(
            ticket_id=ticket.id,
            conversation_id=ticket.conversation_id,
            channel=channel,
            display_name=profile_name or f"Persona {ticket.conversation_id}",
            branch=ticket.branch,
            reason=ticket.reason,
            priority=ticket.priority,
            waiting_since=ticket.requested_at,
            requests=ticket.requests,
            status=ticket.status,
            assignee_name=assignee,
        )
        for ticket, channel, profile_name, assignee in rows
    ]


def _base_query() -> Any:
    return (
        select(HandoffRequest, Conversation.channel, Contact.profile_name, User.display_name)
        .join(Conversation, Conversation.id == HandoffRequest.conversation_id)
        .join(Contact, Contact.id == Conversation.contact_id)
        .outerjoin(User, User.id == HandoffRequest.assignee_id)
    )


async def queue(
    session: AsyncSession, *, branch: str | None, reason: str | None, now: datetime
) -> list[QueueItem]:
    query = _base_query().where(HandoffRequest.status == "open")
    if branch:
        query = query.where(HandoffRequest.branch == branch)
    if reason:
        query = query.where(HandoffRequest.reason == reason)
    return await _items(session, query.order_by(HandoffRequest.priority, HandoffRequest.requested_at))


async def tickets_for(session: AsyncSession, *, user: ConsoleUser) -> list[QueueItem]:
    query = _base_query().where(HandoffRequest.status == "claimed", HandoffRequest.assignee_id == user.id)
    return await _items(session, query.order_by(HandoffRequest.claimed_at))


async def claim(session: AsyncSession, *, ticket_id: int, user: ConsoleUser, at: datetime) -> ClaimResult:
    taken = await session.execute(
        update(HandoffRequest)
        .where(HandoffRequest.id == ticket_id, HandoffRequest.status == "open")
        .values(status="claimed", assignee_id=user.id, claimed_at=at, updated_at=at)
    )
    ticket = await session.get(HandoffRequest, ticket_id, populate_existing=True)
    if taken.rowcount != 1 or ticket is None:  # type: ignore[attr-defined]
        owner = await session.get(User, ticket.assignee_id) if ticket and ticket.assignee_id else None
        return ClaimResult(False, owner.display_name if owner else None)
    await session.execute(
        update(Conversation).where(Conversation.id == ticket.conversation_id).values(owner="consultant")
    )
    session.add(TicketEvent(ticket_id=ticket_id, conversation_id=ticket.conversation_id, kind="claimed",
                            actor_id=user.id, detail={}, at=at))  # fmt: skip
    await session.flush()
    return ClaimResult(True, user.display_name)


async def transcript(session: AsyncSession, *, conversation_id: int) -> list[TranscriptEntry]:
    authors = {u.id: u.display_name for u in (await session.scalars(select(User))).all()}
    entries: list[TranscriptEntry] = []
    for m in (await session.scalars(select(Message).where(Message.conversation_id == conversation_id))).all():
        if m.direction == "in":
            entries.append(TranscriptEntry("inbound", m.created_at, m.body))
        else:
            author = authors.get(m.author_id, "asesor") if m.author_id else "bot"
            entries.append(TranscriptEntry("outbound", m.created_at, m.body, author, m.status, m.error_code,
                                           m.error_detail))  # fmt: skip
    events = await session.scalars(select(TicketEvent).where(TicketEvent.conversation_id == conversation_id))
    for e in events.all():
        text = e.body if e.kind == "note" else e.kind
        entries.append(
            TranscriptEntry("event", e.at, text or "", authors.get(e.actor_id or 0), detail=e.detail)
        )
    return sorted(entries, key=lambda entry: entry.at)


def window_state(contact: Contact, channel: str, now: datetime) -> WindowState:
    if channel != "whatsapp":
        return WindowState(True, None)
    last = contact.last_whatsapp_inbound_at
    return WindowState(whatsapp_window_open(contact, now), last + WHATSAPP_WINDOW if last else None)


async def _event(session: AsyncSession, ticket: HandoffRequest, kind: str, user: ConsoleUser, at: datetime,
                 detail: dict[str, Any] | None = None, body: str | None = None) -> None:  # fmt: skip
    session.add(TicketEvent(ticket_id=ticket.id, conversation_id=ticket.conversation_id, kind=kind,
                            actor_id=user.id, detail=detail or {}, body=body, at=at))  # fmt: skip
    await session.flush()


async def consultant_reply(
    runtime: Runtime, *, ticket_id: int, user: ConsoleUser, text: str, at: datetime
) -> ReplyOutcome:
    async with runtime.sessions() as session, session.begin():
        ticket = await session.get(HandoffRequest, ticket_id)
        if ticket is None or ticket.status != "claimed" or ticket.assignee_id != user.id:
            return ReplyOutcome("refused", "Solo quien tomó la conversación puede responder.")
        conversation = await session.get(Conversation, ticket.conversation_id)
        sms = conversation is not None and conversation.channel == "sms"
        body = fold_to_gsm7(text) if sms else text  # what the console's preview showed
        size = sms_size(body) if sms else None
        row = await messages.add_outbound(session, conversation_id=ticket.conversation_id, reply_to_id=None,
                                          position=0, body=body, purpose="consultant_reply",
                                          encoding=size.encoding if size else None,
                                          segments=size.segments if size else None)  # fmt: skip
        row.author_id = user.id
        await _event(session, ticket, "reply", user, at, {"message_id": row.id})
    await enqueue_drain(runtime.redis, conversation_id=ticket.conversation_id, reason=f"reply-{row.id}")
    return ReplyOutcome("sent")


async def _finish(runtime: Runtime, ticket_id: int, user: ConsoleUser, at: datetime, outcome: str) -> None:
    async with runtime.sessions() as session, session.begin():
        ticket = await session.get(HandoffRequest, ticket_id)
        if ticket is None or ticket.status == "closed":
            return
        ticket.status, ticket.outcome, ticket.closed_at = "closed", outcome, at
        await session.execute(
            update(Conversation).where(Conversation.id == ticket.conversation_id).values(owner="bot")
        )
        await _event(session, ticket, "handed_back" if outcome == "handed_back" else "closed", user, at,
                     {"outcome": outcome})  # fmt: skip


async def hand_back(runtime: Runtime, *, ticket_id: int, user: ConsoleUser, at: datetime) -> None:
    await _finish(runtime, ticket_id, user, at, "handed_back")


async def close_ticket(
    runtime: Runtime, *, ticket_id: int, user: ConsoleUser, outcome: str, at: datetime
) -> None:
    await _finish(runtime, ticket_id, user, at, outcome)


async def transfer(
    session: AsyncSession, *, ticket_id: int, user: ConsoleUser, to_user_id: int, at: datetime
) -> None:
    ticket = await session.get(HandoffRequest, ticket_id)
    if ticket is None or ticket.status != "claimed":
        return
    ticket.assignee_id = to_user_id
    await _event(session, ticket, "transferred", user, at, {"to_user_id": to_user_id})


async def add_note(
    session: AsyncSession, *, ticket_id: int, user: ConsoleUser, body: str, at: datetime
) -> None:
    ticket = await session.get(HandoffRequest, ticket_id)
    if ticket is not None:
        await _event(session, ticket, "note", user, at, body=body)
