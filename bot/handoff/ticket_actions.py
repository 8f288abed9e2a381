"""Transfer a ticket to another consultant and leave internal notes (session functions: they flush,
the caller commits)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import consultant as queries
from bot.handoff.access import (
    ActionResult,
    Actor,
    may_transfer_to,
    refusal_to_act,
    refusal_to_note,
    refused,
)

MAX_NOTE_CHARS = 2000


async def transfer(
    session: AsyncSession, *, ticket_id: int, user: Actor, to_user_id: int, at: datetime
) -> ActionResult:
    """Give a claimed ticket to another active account: of the ticket's branch, or a supervisor;
    a supervisor may transfer to anyone. The conversation stays with a consultant."""
    ticket = await queries.ticket_for_update(session, ticket_id=ticket_id)
    refusal = refusal_to_act(ticket, user)
    if refusal is not None or ticket is None:
        return refused(refusal or "not_found")
    target = await queries.active_user(session, user_id=to_user_id)
    if target is None:
        return refused("transfer_target")
    if target.id == ticket.assignee_id:
        return refused("transfer_same")
    if not may_transfer_to(user, target, ticket):
        return refused("transfer_target")
    previous = ticket.assignee_id
    ticket.assignee_id = target.id
    await queries.add_event(
        session,
        ticket=ticket,
        kind="transferred",
        actor_id=user.id,
        at=at,
        detail={"from_user_id": previous, "to_user_id": target.id},
    )
    return ActionResult(True, "transferred", {"name": target.display_name})


async def add_note(
    session: AsyncSession, *, ticket_id: int, user: Actor, body: str, at: datetime
) -> ActionResult:
    """An internal note on the ticket (never sent to the person; erased with the conversation)."""
    ticket = await queries.ticket_for_update(session, ticket_id=ticket_id)
    refusal = refusal_to_note(ticket, user)
    if refusal is not None or ticket is None:
        return refused(refusal or "not_found")
    text = body.strip()
    if not text:
        return refused("note_empty")
    if len(text) > MAX_NOTE_CHARS:
        return refused("too_long", max=MAX_NOTE_CHARS)
    event = await queries.add_event(session, ticket=ticket, kind="note", actor_id=user.id, at=at, body=text)
    return ActionResult(True, "note_saved", {"event_id": event.id})
