"""The outbox side of a turn: render the bot's replies for the channel and store them, atomically
with marking the inbound message answered. Rows are stored "sending": the caller sends them next.

The rendering (GSM-7 folding, splitting, menus) runs before the transaction, and the rows go in one
INSERT: on SQLite the write lock is held for two statements, whatever the number of parts.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import messages
from bot.db.models import Conversation, Message, utcnow
from bot.menus import remember_menu
from bot.rasa_client import BotReply, Button
from bot.rendering import RenderedTurn, render_turn
from bot.runtime import Runtime


async def store_replies(
    runtime: Runtime, conversation: Conversation, message: Message, replies: list[BotReply]
) -> list[Message]:
    """Store the rendered replies (the outbox) and mark the message answered, atomically."""
    rendered = render_replies(runtime, conversation, replies)
    async with runtime.sessions() as session, session.begin():
        stored = await add_rendered(
            session, conversation, message, rendered, purpose="reply", silent=not replies
        )
    await remember_menu(runtime.redis, conversation.id, rendered.menu)
    return stored


async def add_replies(
    runtime: Runtime,
    session: AsyncSession,
    conversation: Conversation,
    message: Message,
    replies: list[BotReply],
    *,
    purpose: str,
) -> tuple[list[Message], tuple[Button, ...]]:
    """Within the caller's transaction: the reply rows (already "sending") and "answered"."""
    rendered = render_replies(runtime, conversation, replies)
    stored = await add_rendered(session, conversation, message, rendered, purpose=purpose, silent=not replies)
    return stored, rendered.menu


def render_replies(runtime: Runtime, conversation: Conversation, replies: list[BotReply]) -> RenderedTurn:
    return render_turn(
        replies,
        conversation.channel,
        sms_segment_budget=runtime.settings.sms_segment_budget,
        templates=runtime.templates,
    )


async def add_rendered(
    session: AsyncSession,
    conversation: Conversation,
    message: Message,
    rendered: RenderedTurn,
    *,
    purpose: str,
    silent: bool,
) -> list[Message]:
    """The rendered parts as reply rows ("sending"), in one INSERT, and the message "answered"."""
    stored = [
        messages.outbound_row(
            conversation_id=conversation.id,
            reply_to_id=message.id,
            position=position,
            body=part.body,
            media_urls=part.media_urls,
            encoding=part.encoding,
            segments=part.segments,
            status="sending",
            purpose=purpose,
            content_sid=part.content_sid,
            content_variables=part.content_variables,
        )
        for position, part in enumerate(rendered.parts)
    ]
    await messages.insert_outbound(session, stored)
    await messages.set_status(
        session,
        message_id=message.id,
        status="answered",
        answered_at=utcnow(),
        error_detail="Rasa gave no reply" if silent else None,
    )
    return stored
