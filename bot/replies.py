"""The outbox side of a turn: render the bot's replies for the channel and store them, atomically
with marking the inbound message answered. Rows are stored "sending": the caller sends them next."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import messages
from bot.db.models import Conversation, Message, utcnow
from bot.menus import remember_menu
from bot.rasa_client import BotReply, Button
from bot.rendering import render_turn
from bot.runtime import Runtime


async def store_replies(
    runtime: Runtime, conversation: Conversation, message: Message, replies: list[BotReply]
) -> list[Message]:
    """Store the rendered replies (the outbox) and mark the message answered, atomically."""
    async with runtime.sessions() as session, session.begin():
        stored, menu = await add_replies(runtime, session, conversation, message, replies, purpose="reply")
    await remember_menu(runtime.redis, conversation.id, menu)
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
    budget = runtime.settings.sms_segment_budget
    rendered = render_turn(
        replies, conversation.channel, sms_segment_budget=budget, templates=runtime.templates
    )
    stored = []
    for position, part in enumerate(rendered.parts):
        row = await messages.add_outbound(
            session,
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
        stored.append(row)
    await messages.set_status(
        session,
        message_id=message.id,
        status="answered",
        answered_at=utcnow(),
        error_detail=None if replies else "Rasa gave no reply",
    )
    return stored, rendered.menu
