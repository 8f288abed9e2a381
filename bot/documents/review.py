"""A consultant reviews the documents of an application: approve or send back each received item.

Who may: whoever may see the conversation's ticket (its branch's consultants, a supervisor: every
branch), unless another consultant holds the ticket (then only they or a supervisor). Each review is
one transaction on the locked ticket: the item's new state, a ticket event, and for a rejection the
reason's ``ask`` (data/documents.yml) to the person through the outbox, exactly like a consultant's
reply (``bot.handoff.consultant.queue_consultant_text``: send policy, GSM-7 on SMS, the WhatsApp window
and its template). A rejected item is asked for again, so its request goes back to "collecting" (the
gateway takes new files only then). When every item is approved the request is closed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import consultant as ticket_queries
from bot.db import document_review as queries
from bot.db.models import Contact, Conversation, DocumentItem, DocumentRequest, HandoffRequest
from bot.documents.content import DocumentsData
from bot.documents.reminders import schedule_reminder
from bot.handoff.access import Actor, is_supervisor, refusal_to_see
from bot.handoff.consultant import Queued, drain_queued, queue_consultant_text
from bot.logs import get_logger
from bot.runtime import Runtime

log = get_logger(__name__)

DOCUMENT_REJECTED = "document_rejected"  # Message.purpose of the re-request, and its TicketEvent.kind
DOCUMENT_APPROVED = "document_approved"  # TicketEvent.kind
DOCUMENTS_CLOSED = "documents_closed"  # TicketEvent.kind: every item approved, the request closed
# Who asks is not allowed: the console answers 404 (an id of another branch is not confirmed to exist).
ACCESS_REFUSALS = frozenset({"not_found", "other_branch"})


@dataclass(frozen=True, slots=True)
class ReviewOutcome:
    """``code`` names a notice of data/handoff.yml (``notices``), shown to the consultant with
    ``params`` (``item``: the item's title)."""

    ok: bool
    code: str
    params: dict[str, str] = field(default_factory=dict)


def refusal_to_review(ticket: HandoffRequest | None, user: Actor) -> str | None:
    if (refusal := refusal_to_see(ticket, user)) is not None or ticket is None:
        return refusal or "not_found"
    if ticket.status == "claimed" and ticket.assignee_id != user.id and not is_supervisor(user):
        return "not_yours"
    return None


def item_title(documents: DocumentsData, item_id: str) -> str:
    """The item's title of data/documents.yml (its id if the data no longer lists it)."""
    return next((item.title for item in documents.items if item.id == item_id), item_id)


@dataclass(slots=True)
class _Locked:
    ticket: HandoffRequest
    item: DocumentItem
    request: DocumentRequest
    title: str


async def _review(
    runtime: Runtime,
    session: AsyncSession,
    *,
    ticket_id: int,
    item_row_id: int,
    user: Actor,
    status: str,
    reason: str | None,
    at: datetime,
) -> _Locked | ReviewOutcome:
    """Lock the ticket, find the item in its conversation and mark it ``status`` (with ``reason``);
    a :class:`ReviewOutcome` says why not (not allowed, not found, not reviewable)."""
    locked = await _lock(runtime, session, ticket_id=ticket_id, item_row_id=item_row_id, user=user)
    if isinstance(locked, ReviewOutcome):
        return locked
    if not await queries.review_item(
        session, item=locked.item, status=status, reason=reason, user_id=user.id, at=at
    ):
        return ReviewOutcome(False, "document_not_reviewable", {"item": locked.title})
    return locked


async def _lock(
    runtime: Runtime, session: AsyncSession, *, ticket_id: int, item_row_id: int, user: Actor
) -> _Locked | ReviewOutcome:
    ticket = await ticket_queries.ticket_for_update(session, ticket_id=ticket_id)
    if (refusal := refusal_to_review(ticket, user)) is not None or ticket is None:
        return ReviewOutcome(False, refusal or "not_found")
    found = await queries.item_of_conversation(
        session, item_row_id=item_row_id, conversation_id=ticket.conversation_id
    )
    if found is None:
        return ReviewOutcome(False, "not_found")
    item, request = found
    title = item_title(runtime.documents, item.item_id)
    if item.status != "received" or request.status == "closed":
        return ReviewOutcome(False, "document_not_reviewable", {"item": title})
    return _Locked(ticket, item, request, title)


async def approve_item(
    runtime: Runtime, *, ticket_id: int, item_row_id: int, user: Actor, at: datetime
) -> ReviewOutcome:
    async with runtime.sessions() as session, session.begin():
        locked = await _review(
            runtime, session, ticket_id=ticket_id, item_row_id=item_row_id, user=user,
            status="approved", reason=None, at=at,
        )  # fmt: skip
        if isinstance(locked, ReviewOutcome):
            return locked
        ticket, item, request = locked.ticket, locked.item, locked.request
        params = {"item": locked.title}
        detail = {"request_id": request.id, "item": item.item_id}
        await ticket_queries.add_event(
            session, ticket=ticket, kind=DOCUMENT_APPROVED, actor_id=user.id, at=at, detail=detail
        )
        closed = await queries.all_approved(session, request_id=request.id)
        if closed:
            await queries.set_request_status(session, request=request, status="closed", at=at)
            await ticket_queries.add_event(
                session, ticket=ticket, kind=DOCUMENTS_CLOSED, actor_id=user.id, at=at,
                detail={"request_id": request.id},
            )  # fmt: skip
    log.info("document approved", ticket_id=ticket_id, item_row_id=item_row_id, request_closed=closed)
    return ReviewOutcome(True, "documents_approved" if closed else "document_approved", params)


async def reject_item(
    runtime: Runtime, *, ticket_id: int, item_row_id: int, reason: str, user: Actor, at: datetime
) -> ReviewOutcome:
    if runtime.rejection_reasons.get(reason) is None:
        return ReviewOutcome(False, "unknown_rejection_reason")
    async with runtime.sessions() as session, session.begin():
        locked = await _review(
            runtime, session, ticket_id=ticket_id, item_row_id=item_row_id, user=user,
            status="rejected", reason=reason, at=at,
        )  # fmt: skip
        if isinstance(locked, ReviewOutcome):
            return locked
        ticket, request = locked.ticket, locked.request
        params = {"item": locked.title}
        if request.status != "collecting":
            await queries.set_request_status(session, request=request, status="collecting", at=at)
        # The item must come again: the reminder clock restarts (bot/documents/reminders.py).
        schedule_reminder(request, at, hours=runtime.contact_hours, reminders=runtime.documents.reminders)
        queued = await _ask_again(runtime, session, ticket, locked, reason=reason, user=user, at=at)
    if queued.message is not None:
        await drain_queued(runtime, queued, conversation_id=ticket.conversation_id)
    log.info("document rejected", ticket_id=ticket_id, item_row_id=item_row_id, reason=reason,
             outcome=queued.kind)  # fmt: skip
    code = {"refused": "document_rejected_unsent", "sent": "document_rejected"}.get(
        queued.kind, "document_rejected_held"
    )
    return ReviewOutcome(True, code, params)


async def _ask_again(
    runtime: Runtime,
    session: AsyncSession,
    ticket: HandoffRequest,
    locked: _Locked,
    *,
    reason: str,
    user: Actor,
    at: datetime,
) -> Queued:
    """The reason's sentence to the person, with its ticket event; without a send (the person opted
    out) the event is recorded all the same, marked unsent."""
    detail = {"request_id": locked.request.id, "item": locked.item.item_id, "reason": reason}
    conversation = await session.get(Conversation, ticket.conversation_id)
    contact = await session.get(Contact, conversation.contact_id) if conversation else None
    queued = Queued("refused", refusal="not_found")
    if conversation is not None and contact is not None:
        queued = await queue_consultant_text(
            runtime, session, ticket=ticket, conversation=conversation, contact=contact, user=user,
            text=runtime.rejection_reasons.ask_text(reason, locked.title), purpose=DOCUMENT_REJECTED,
            event_kind=DOCUMENT_REJECTED, event_detail=detail, at=at,
        )  # fmt: skip
    if queued.message is None:
        detail = {**detail, "sent": False, "why": queued.refusal or "not_found"}
        await ticket_queries.add_event(
            session, ticket=ticket, kind=DOCUMENT_REJECTED, actor_id=user.id, at=at, detail=detail
        )
    return queued
