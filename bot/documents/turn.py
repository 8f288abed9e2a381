"""What the gateway answers itself in a turn, before Rasa, for document requests (bot/turns.py):

- a WhatsApp text that is a live relative code ("FAMI-ABC234", from any number) links that
  conversation to the request for 48 h;
- the answer to "which document is this file?" (``/documents_assign{"item": …}``, a button or its
  number) files the file kept aside;
- files, when the conversation has a request and its owner's consent: bot/documents/intake.py.

``None``: not ours, the turn goes on as before (files without a request: bot/media_policy.py).
"""

from __future__ import annotations

import json

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import consents
from bot.db import documents as db
from bot.db.models import Contact, Conversation, DocumentFile, Message, utcnow
from bot.documents.completion import finish_if_complete
from bot.documents.flow import link, next_reply, owner_first_name, standing, target_of
from bot.documents.intake import hold_for_sensitive, take_files, todo_media, unassigned_key
from bot.documents.steps import AskSensitiveConsent, relative_code_in, replaceable_items
from bot.documents.words import assigned_item, no_request, which_item
from bot.logs import get_logger
from bot.menus import remember_menu, resolve_choice
from bot.rasa_client import BotReply
from bot.replies import add_replies
from bot.runtime import Runtime

log = get_logger(__name__)


async def documents_turn(
    runtime: Runtime, conversation: Conversation, contact: Contact, message: Message
) -> list[Message] | None:
    if todo_media(message):
        return await _files(runtime, conversation, contact, message)
    body = (message.body or "").strip()
    code = (
        relative_code_in(body) if conversation.channel == "whatsapp" and not message.button_payload else None
    )
    if code is not None:
        return await _link_relative(runtime, conversation, message, code)
    choice = message.button_payload or await resolve_choice(runtime.redis, conversation.id, body)
    item_id = assigned_item(choice)
    if item_id is not None:
        return await _assign(runtime, conversation, message, item_id)
    return None


async def _files(
    runtime: Runtime, conversation: Conversation, contact: Contact, message: Message
) -> list[Message] | None:
    async with runtime.sessions() as session:
        target = await target_of(runtime, session, conversation)
        if target is None:
            return None
        # The request's owner consented (a relative's phone only carries their files).
        if not await consents.has_accepted_consent(session, contact_id=target.request.contact_id):
            return None
        step = (await standing(runtime, session, target, conversation)).step
    if isinstance(step, AskSensitiveConsent) and conversation.channel == "whatsapp":
        return await hold_for_sensitive(runtime, conversation, message)
    return await take_files(runtime, conversation, message, target)


async def _link_relative(
    runtime: Runtime, conversation: Conversation, message: Message, code: str
) -> list[Message] | None:
    texts = runtime.documents.conversation
    async with runtime.sessions() as session, session.begin():
        request = await db.request_by_code(session, code=code)
        if request is None or request.conversation_id == conversation.id:
            return None  # not a live code (or the owner's own): the dialogue answers the text
        await link(runtime, conversation, request)
        target = await target_of(runtime, session, conversation)
        assert target is not None and target.linked
        name = await owner_first_name(session, request) or texts.relative_someone
        now = await standing(runtime, session, target, conversation)
        told = [
            BotReply(text=texts.relative_linked.format(name=name)),
            await next_reply(runtime, session, now),
        ]
        stored, menu = await add_replies(runtime, session, conversation, message, told, purpose="reply")
    await remember_menu(runtime.redis, conversation.id, menu)
    log.info("relative linked to a document request", conversation_id=conversation.id, request_id=request.id)
    return stored


async def _assign(
    runtime: Runtime, conversation: Conversation, message: Message, item_id: str
) -> list[Message]:
    """File the first file kept aside as the item the person picked; then the next file's question,
    or the next ask."""
    texts, now = runtime.documents.conversation, utcnow()
    raw = await runtime.redis.get(unassigned_key(conversation.id))
    waiting: list[int] = json.loads(raw) if raw else []
    async with runtime.sessions() as session, session.begin():
        target = await target_of(runtime, session, conversation)
        if target is None:
            return await _told(runtime, conversation, message, session, [])
        await db.request_by_id(session, request_id=target.request.id, for_update=True)  # one filler at a time
        before = await standing(runtime, session, target, conversation)
        told: list[BotReply] = []
        file = await session.get(DocumentFile, waiting[0]) if waiting else None
        row = next((r for r in before.rows if r.item_id == item_id), None)
        if file is not None and file.request_id == target.request.id and row is not None:
            allowed = replaceable_items(before.situation, "pdf" if file.kind == "pdf" else "image")
            if any(item.id == item_id for item in allowed):
                await db.mark_received(session, item=row, file_id=file.id, at=now)
                told.append(BotReply(text=texts.assigned.format(title=runtime.documents.item(item_id).title)))
                waiting = waiting[1:]
        after = await standing(runtime, session, target, conversation)
        following = await session.get(DocumentFile, waiting[0]) if waiting else None
        candidates = (
            replaceable_items(after.situation, "pdf" if following.kind == "pdf" else "image")
            if following
            else []
        )
        if candidates:
            told.append(which_item(texts, candidates))
        else:
            waiting = []
            finished = await finish_if_complete(runtime, session, target, conversation, message, at=now)
            told += finished or [await next_reply(runtime, session, after)]
        stored = await _told(runtime, conversation, message, session, told)
    if waiting:
        await runtime.redis.set(unassigned_key(conversation.id), json.dumps(waiting), ex=7 * 24 * 3600)
    else:
        await runtime.redis.delete(unassigned_key(conversation.id))
    return stored


async def _told(
    runtime: Runtime,
    conversation: Conversation,
    message: Message,
    session: AsyncSession,
    told: list[BotReply],
) -> list[Message]:
    told = told or no_request(runtime.documents.conversation, file_kept=False)
    stored, menu = await add_replies(runtime, session, conversation, message, told, purpose="reply")
    await remember_menu(runtime.redis, conversation.id, menu)
    return stored
