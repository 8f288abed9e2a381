"""A conversation's whole transcript for the console: what the person wrote, what the bot and the
consultants answered (with delivery status), and system events — consent given or refused, opt-out,
opt-in, ticket events — in time order. Only for a logged-in user who ``can_see`` the ticket."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Consent, Contact, Conversation, Message, TicketEvent, User

# Outbound purposes that mark a system event (the confirmation of a keyword).
EVENT_OF_PURPOSE = {"opt_out_confirmation": "opt_out", "opt_in_confirmation": "opt_in"}


@dataclass(frozen=True, slots=True)
class TranscriptEntry:
    """kind: inbound | outbound | event. ``author``: "bot", a consultant's name, or None (the person).
    ``event``: consent_given | consent_refused | opt_out | opt_in | ticket_<kind> (created, claimed…)."""

    at: datetime
    kind: str
    message_id: int | None = None
    body: str = ""
    media: list[dict[str, Any]] = field(default_factory=list)
    author: str | None = None
    status: str | None = None
    error_code: int | None = None
    error_detail: str | None = None
    event: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)


async def transcript(session: AsyncSession, *, conversation_id: int) -> list[TranscriptEntry]:
    conversation = await session.get(Conversation, conversation_id)
    if conversation is None:
        return []
    entries: list[TranscriptEntry] = []
    rows = await session.execute(
        select(Message, User.display_name)
        .outerjoin(User, User.id == Message.author_id)
        .where(Message.conversation_id == conversation_id)
        .order_by(Message.id)
    )
    for message, author in rows.all():
        if message.direction == "in":
            entries.append(
                TranscriptEntry(
                    message.created_at,
                    "inbound",
                    message.id,
                    message.body,
                    list(message.media or []),
                    status=message.status,
                )
            )
            continue
        entries.append(
            TranscriptEntry(
                message.created_at,
                "outbound",
                message.id,
                message.body,
                list(message.media or []),
                author=author or "bot",
                status=message.status,
                error_code=message.error_code,
                error_detail=message.error_detail,
                detail={"purpose": message.purpose},
            )
        )
        if message.purpose in EVENT_OF_PURPOSE:
            entries.append(
                TranscriptEntry(message.created_at, "event", event=EVENT_OF_PURPOSE[message.purpose])
            )
    consents = await session.scalars(select(Consent).where(Consent.conversation_id == conversation_id))
    for consent in consents:
        event = "consent_given" if consent.accepted else "consent_refused"
        entries.append(TranscriptEntry(consent.answered_at, "event", event=event))
    contact = await session.get(Contact, conversation.contact_id)
    if contact and contact.opted_out_at and (contact.opt_out_reason or "").startswith("twilio"):
        entries.append(  # an opt-out Twilio reported (21610): no confirmation message marks it
            TranscriptEntry(contact.opted_out_at, "event", event="opt_out", detail={"by": "twilio"})
        )
    events = await session.execute(
        select(TicketEvent, User.display_name)
        .outerjoin(User, User.id == TicketEvent.actor_id)
        .where(TicketEvent.conversation_id == conversation_id)
        .order_by(TicketEvent.id)
    )
    for ticket_event, actor in events.all():
        entries.append(
            TranscriptEntry(
                ticket_event.at,
                "event",
                body=ticket_event.body or "",
                author=actor,
                event=f"ticket_{ticket_event.kind}",
                detail={"ticket_id": ticket_event.ticket_id, **ticket_event.detail},
            )
        )
    # Stable: messages keep their id order when times are equal; events after the message they follow.
    return sorted(entries, key=lambda entry: entry.at)
