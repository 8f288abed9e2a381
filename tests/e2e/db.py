"""Read the stack's database from a test (the same models the app uses)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from bot.db.engine import make_session_factory
from bot.db.models import Base, Contact, Conversation, Message
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


async def sms_turn_sizes(database_url: str) -> list[tuple[int, bool]]:
    """(segments, all GSM-7) for every bot turn sent over SMS in this database."""
    engine = create_async_engine(to_async_url(database_url))
    try:
        async with make_session_factory(engine)() as session:
            rows = await session.execute(
                select(Message.reply_to_id, Message.segments, Message.encoding)
                .join(Conversation, Conversation.id == Message.conversation_id)
                .where(
                    Conversation.channel == "sms",
                    Message.direction == "out",
                    Message.reply_to_id.is_not(None),
                )
            )
            turns: dict[int, tuple[int, bool]] = {}
            for reply_to_id, segments, encoding in rows:
                total, gsm7 = turns.get(reply_to_id, (0, True))
                turns[reply_to_id] = (total + (segments or 0), gsm7 and encoding == "GSM-7")
            return list(turns.values())
    finally:
        await engine.dispose()


async def every_stored_value(database_url: str) -> str:
    """Every row of every table of the app's database, as one text to search for a person's data."""
    engine = create_async_engine(to_async_url(database_url))
    try:
        async with engine.connect() as connection:
            parts = []
            for table in Base.metadata.sorted_tables:
                rows = await connection.execute(select(table))
                parts.extend(repr(tuple(row)) for row in rows)
            return "\n".join(parts)
    finally:
        await engine.dispose()
