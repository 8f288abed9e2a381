"""Read the stack's database from a test (the same models the app uses)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from bot.db.engine import make_session_factory
from bot.db.models import Contact, Conversation, Message
from bot.settings import to_async_url


async def messages_of(database_url: str, phone: str) -> Sequence[Message]:
    engine = create_async_engine(to_async_url(database_url))
    try:
        async with make_session_factory(engine)() as session:
            contact = await session.scalar(select(Contact).where(Contact.phone_e164 == phone))
            if contact is None:
                return []

            rows = await session.scalars(
                select(Message)
                .join(Conversation, Conversation.id == Message.conversation_id)
                .where(Conversation.contact_id == contact.id)
                .order_by(Message.id)
            )
            return rows.all()
    finally:
        await engine.dispose()
