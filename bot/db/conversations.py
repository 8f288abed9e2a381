"""Contacts and conversations: queries used by the webhook, the worker and the console."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Contact, Conversation
from bot.db.upsert import dialect_insert


async def upsert_contact(
    session: AsyncSession,
    *,
    phone_e164: str,
    seen_at: datetime,
    channel: str,
    profile_name: str | None = None,
    whatsapp_id: str | None = None,
) -> int:
    """Create the contact or record its inbound time, in one race-safe statement; return its id."""
    changes: dict[str, object] = {"last_inbound_at": seen_at}
    if channel == "whatsapp":
        changes["last_whatsapp_inbound_at"] = seen_at
        if whatsapp_id:
            changes["whatsapp_id"] = whatsapp_id
    if profile_name:
        changes["profile_name"] = profile_name[:200]
    statement = (
        dialect_insert(session, Contact.__table__)
        .values(phone_e164=phone_e164, language="es", created_at=seen_at, **changes)
        .on_conflict_do_update(index_elements=["phone_e164"], set_=changes)
        .returning(Contact.id)
    )
    return int((await session.execute(statement)).scalar_one())


async def upsert_conversation(
    session: AsyncSession, *, contact_id: int, channel: str, seen_at: datetime
) -> int:
    statement = (
        dialect_insert(session, Conversation.__table__)
        .values(
            contact_id=contact_id,
            channel=channel,
            rasa_sender_id=uuid.uuid4().hex,
            owner="bot",
            created_at=seen_at,
            last_inbound_at=seen_at,
        )
        .on_conflict_do_update(index_elements=["contact_id", "channel"], set_={"last_inbound_at": seen_at})
        .returning(Conversation.id)
    )
    return int((await session.execute(statement)).scalar_one())


async def get_conversation(session: AsyncSession, *, conversation_id: int) -> Conversation | None:
    return await session.get(Conversation, conversation_id)


async def get_contact(session: AsyncSession, *, contact_id: int) -> Contact | None:
    return await session.get(Contact, contact_id)


async def mark_opted_out(session: AsyncSession, *, contact_id: int, at: datetime, reason: str) -> None:
    await session.execute(
        update(Contact)
        .where(Contact.id == contact_id, Contact.opted_out_at.is_(None))
        .values(opted_out_at=at, opt_out_reason=reason)
    )


async def mark_opted_in(session: AsyncSession, *, contact_id: int) -> None:
    await session.execute(
        update(Contact).where(Contact.id == contact_id).values(opted_out_at=None, opt_out_reason=None)
    )


async def mark_whatsapp_window_closed(session: AsyncSession, *, contact_id: int, at: datetime) -> None:
    await session.execute(
        update(Contact).where(Contact.id == contact_id).values(whatsapp_window_closed_at=at)
    )


async def contact_for_conversation(session: AsyncSession, *, conversation_id: int) -> Contact | None:
    return await session.scalar(
        select(Contact)
        .join(Conversation, Conversation.contact_id == Contact.id)
        .where(Conversation.id == conversation_id)
    )


async def new_rasa_sender_ids(session: AsyncSession, *, contact_id: int) -> dict[int, str]:
    """Point the contact's conversations at fresh Rasa trackers (after erasing their data)."""
    ids = (await session.scalars(select(Conversation.id).where(Conversation.contact_id == contact_id))).all()
    fresh = {conversation_id: uuid.uuid4().hex for conversation_id in ids}
    for conversation_id, sender_id in fresh.items():
        await session.execute(
            update(Conversation).where(Conversation.id == conversation_id).values(rasa_sender_id=sender_id)
        )
    return fresh
