"""Build a conversation whose ticket a consultant has claimed, straight in the database.

The queue and the claim are another module's work (bot/handoff/tickets.py); these tests set the
columns a claim sets: status "claimed", assignee_id, claimed_at and Conversation.owner "consultant".
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from bot.db.models import Contact, Conversation, HandoffRequest, Message, TicketEvent, User, utcnow
from bot.runtime import Runtime


@dataclass(frozen=True)
class Claimed:
    ticket_id: int
    conversation_id: int
    contact_id: int
    consultant: User


async def add_user(
    runtime: Runtime,
    name: str,
    *,
    role: str = "consultant",
    branch: str | None = "medellin",
    active: bool = True,
) -> User:
    async with runtime.sessions() as session, session.begin():
        user = User(
            username=f"{name.split()[0].lower()}-{uuid.uuid4().hex[:6]}",
            display_name=name,
            password_hash="not-a-real-hash",
            role=role,
            branch=branch if role == "consultant" else None,
            active=active,
        )
        session.add(user)
    return user


async def claimed_conversation(
    runtime: Runtime,
    *,
    channel: str = "sms",
    phone: str = "+573001112233",
    profile_name: str | None = "Ana María",
    last_inbound: datetime | None = None,
    consultant: User | None = None,
    branch: str = "medellin",
) -> Claimed:
    consultant = consultant or await add_user(runtime, "Carla Gómez", branch=branch)
    last_inbound = last_inbound or utcnow() - timedelta(minutes=5)
    async with runtime.sessions() as session, session.begin():
        contact = Contact(
            phone_e164=phone,
            profile_name=profile_name,
            last_inbound_at=last_inbound,
            last_whatsapp_inbound_at=last_inbound if channel == "whatsapp" else None,
        )
        session.add(contact)
        await session.flush()
        conversation = Conversation(
            rasa_sender_id=uuid.uuid4().hex,
            contact_id=contact.id,
            channel=channel,
            owner="consultant",
            last_inbound_at=last_inbound,
        )
        session.add(conversation)
        await session.flush()
        ticket = HandoffRequest(
            conversation_id=conversation.id,
            reason="user_asked",
            answers={},
            status="claimed",
            branch=branch,
            requested_at=last_inbound,
            assignee_id=consultant.id,
            claimed_at=last_inbound + timedelta(seconds=30),
        )
        session.add(ticket)
        await session.flush()
        return Claimed(ticket.id, conversation.id, contact.id, consultant)


async def outbound(runtime: Runtime, conversation_id: int) -> list[Message]:
    async with runtime.sessions() as session:
        rows = await session.scalars(
            select(Message)
            .where(Message.conversation_id == conversation_id, Message.direction == "out")
            .order_by(Message.id)
        )
        return list(rows.all())


async def events(runtime: Runtime, ticket_id: int) -> list[TicketEvent]:
    async with runtime.sessions() as session:
        rows = await session.scalars(
            select(TicketEvent).where(TicketEvent.ticket_id == ticket_id).order_by(TicketEvent.id)
        )
        return list(rows.all())


async def ticket(runtime: Runtime, ticket_id: int) -> tuple[HandoffRequest, Conversation]:
    async with runtime.sessions() as session:
        found = await session.get(HandoffRequest, ticket_id)
        assert found is not None
        conversation = await session.get(Conversation, found.conversation_id)
        assert conversation is not None
        return found, conversation
