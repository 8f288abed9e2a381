"""The document flow's gateway commands (``{"famibot_command": NAME, …}`` from the dialogue), one table:
``documents_status``, ``documents_formal``, ``documents_sensitive_consent``, ``documents_sms_route``.

Each stores its change and its replies in one transaction (bot/replies.py ``add_replies``). The words
are the gateway's: what the dialogue said alongside the command comes first, then ours.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.command_payloads import without_commands
from bot.db import documents as db
from bot.db.models import Consent, Contact, Conversation, Message, PrequalEvaluation, utcnow
from bot.documents.completion import finish_if_complete
from bot.documents.flow import (
    Target,
    next_reply,
    route_facts,
    standing,
    target_of,
)
from bot.documents.reminders import schedule_reminder
from bot.documents.steps import AskSensitiveConsent, as_route, new_relative_code
from bot.documents.words import listing, no_request, route_text, sms_pointer, status_lines
from bot.handoff.tickets import request_handoff
from bot.logs import get_logger
from bot.menus import remember_menu
from bot.rasa_client import BotReply
from bot.rendering import render_turn
from bot.replies import add_replies
from bot.runtime import Runtime

log = get_logger(__name__)

Handler = Callable[
    [Runtime, Conversation, Contact, Message, list[BotReply], dict[str, Any]], Awaitable[list[Message]]
]
SENSITIVE_PURPOSES = ("revisar la solicitud de crédito", "confirmar la identidad de quien la pide")


async def open_after_prequal(
    runtime: Runtime,
    session: AsyncSession,
    conversation: Conversation,
    evaluation: PrequalEvaluation,
    *,
    before: list[BotReply],
) -> list[BotReply]:
    """In the caller's transaction (the one storing a "prequalified" result): open the request and
    return the checklist listing and the first question or ask, to follow the result's replies
    (``before``). On SMS the result already fills the turn's one message: a one-option pointer to the
    checklist and the ways to send it follows when it still fits, else nothing (the person asks)."""
    documents, now = runtime.documents, utcnow()
    if evaluation.product_id is None or evaluation.product_id not in documents.checklists:
        log.error("prequalified without a known product: no document request", evaluation_id=evaluation.id)
        return []
    request = await db.open_request(
        session,
        conversation_id=conversation.id,
        contact_id=evaluation.contact_id,
        evaluation_id=evaluation.id,
        product_id=evaluation.product_id,
        items=documents.checklist(evaluation.product_id, formal=False),
        at=now,
    )
    schedule_reminder(request, now, hours=runtime.contact_hours, reminders=documents.reminders)
    log.info("document request opened", conversation_id=conversation.id, request_id=request.id)
    if conversation.channel == "sms":  # the result fills the turn: a pointer, if it fits
        pointer = [sms_pointer(documents.conversation)]
        budget = runtime.settings.sms_segment_budget
        fits = len(render_turn([*before, *pointer], "sms", sms_segment_budget=budget).parts) <= 1
        return pointer if fits else []
    now_standing = await standing(runtime, session, Target(request, linked=False), conversation)
    shown = [state.item for state in now_standing.situation.items]
    return [listing(documents.conversation, shown), await next_reply(runtime, session, now_standing)]


async def _answer(
    runtime: Runtime,
    session: AsyncSession,
    conversation: Conversation,
    message: Message,
    replies: list[BotReply],
) -> list[Message]:
    stored, menu = await add_replies(runtime, session, conversation, message, replies, purpose="reply")
    await remember_menu(runtime.redis, conversation.id, menu)
    return stored


async def documents_status(
    runtime: Runtime,
    conversation: Conversation,
    contact: Contact,
    message: Message,
    replies: list[BotReply],
    payload: dict[str, Any],
) -> list[Message]:
    """The checklist with each item's state, then the next ask; without a request, a pre-qualification
    comes first (and a file this message brought was kept: said so)."""
    texts = runtime.documents.conversation
    words = without_commands(replies)
    async with runtime.sessions() as session, session.begin():
        target = await target_of(runtime, session, conversation)
        if target is None:
            kept = any(isinstance(item, dict) and item.get("key") for item in message.media or [])
            told = [*words, *no_request(texts, file_kept=kept)]
        else:
            now = await standing(runtime, session, target, conversation)
            told = [
                *words,
                BotReply(
                    text=status_lines(
                        texts, now.situation.items, reasons=runtime.rejection_reasons.in_a_status()
                    )
                ),
                await next_reply(runtime, session, now),
            ]
        return await _answer(runtime, session, conversation, message, told)


async def documents_formal(
    runtime: Runtime,
    conversation: Conversation,
    contact: Contact,
    message: Message,
    replies: list[BotReply],
    payload: dict[str, Any],
) -> list[Message]:
    formal = payload.get("formal") is True
    texts, documents = runtime.documents.conversation, runtime.documents
    async with runtime.sessions() as session, session.begin():
        target = await target_of(runtime, session, conversation)
        if target is None:
            return await _answer(runtime, session, conversation, message, no_request(texts, file_kept=False))
        request, now = target.request, utcnow()
        formal_items = [documents.item(i) for i in documents.checklists[request.product_id]]
        formal_items = [item for item in formal_items if item.only_if == "formal"]
        await db.set_formal(session, request=request, formal=formal, formal_items=formal_items, at=now)
        said = BotReply(text=texts.formal_yes if formal else texts.formal_no)
        finished = await finish_if_complete(runtime, session, target, conversation, message, at=now)
        after = finished or [
            await next_reply(runtime, session, await standing(runtime, session, target, conversation))
        ]
        return await _answer(
            runtime, session, conversation, message, [*without_commands(replies), said, *after]
        )


async def documents_sensitive_consent(
    runtime: Runtime,
    conversation: Conversation,
    contact: Contact,
    message: Message,
    replies: list[BotReply],
    payload: dict[str, Any],
) -> list[Message]:
    """Store the answer as proof (Ley 1581 art. 6): the SHA-256 of the text shown, channel, MessageSid;
    a "no" is told the other ways (the office of their municipality, or a consultant's call)."""
    accepted = payload.get("accepted") is True
    texts, now = runtime.documents.conversation, utcnow()
    async with runtime.sessions() as session, session.begin():
        target = await target_of(runtime, session, conversation)
        if target is not None and target.linked:  # the owner answers for their ID, not a relative
            now_standing = await standing(runtime, session, target, conversation)
            return await _answer(
                runtime, session, conversation, message, [await next_reply(runtime, session, now_standing)]
            )
        session.add(
            Consent(
                contact_id=contact.id,
                conversation_id=conversation.id,
                accepted=accepted,
                channel=conversation.channel,
                message_sid=message.twilio_sid,
                text_version=texts.sensitive_version,
                purposes=list(SENSITIVE_PURPOSES),
                kind="sensitive",
                answered_at=now,
            )
        )
        await session.flush()
        log.info("sensitive consent recorded", conversation_id=conversation.id, accepted=accepted)
        told = [*without_commands(replies)]
        if target is None:
            told += no_request(texts, file_kept=False)
            return await _answer(runtime, session, conversation, message, told)
        told.append(BotReply(text=texts.sensitive_accepted if accepted else texts.sensitive_declined))
        if not accepted:
            told.append(
                BotReply(
                    text=route_text(texts, "office", await route_facts(runtime, session, target.request))
                )
            )
        told.append(
            await next_reply(runtime, session, await standing(runtime, session, target, conversation))
        )
        return await _answer(runtime, session, conversation, message, told)


async def documents_sms_route(
    runtime: Runtime,
    conversation: Conversation,
    contact: Contact,
    message: Message,
    replies: list[BotReply],
    payload: dict[str, Any],
) -> list[Message]:
    """Record how the documents will come (relative's WhatsApp with a code, the office, a call)."""
    route = as_route(payload.get("route"))
    texts, now = runtime.documents.conversation, utcnow()
    async with runtime.sessions() as session, session.begin():
        target = await target_of(runtime, session, conversation)
        if target is None or route is None:
            if route is None:
                log.error("unknown documents route; status given", conversation_id=conversation.id)
            told = no_request(texts, file_kept=False) if target is None else []
            if target is not None:
                told = [
                    await next_reply(runtime, session, await standing(runtime, session, target, conversation))
                ]
            return await _answer(runtime, session, conversation, message, told)
        request = target.request
        code = None
        if route == "relative" and not request.relative_code:
            code = new_relative_code()
            while await db.code_taken(session, code=code):
                code = new_relative_code()
        await db.set_sms_route(session, request=request, route=route, code=code, at=now)
        if route == "call":
            await request_handoff(
                session,
                conversation_id=request.conversation_id,
                message_id=message.id,
                reason="documents_call",
                answers={},
                at=now,
                rules=runtime.handoff,
            )
        told = [
            *without_commands(replies),
            BotReply(text=route_text(texts, route, await route_facts(runtime, session, request))),
        ]
        now_standing = await standing(runtime, session, target, conversation)
        if isinstance(now_standing.step, AskSensitiveConsent):  # a relative will send the ID photos
            told.append(await next_reply(runtime, session, now_standing))
        log.info("documents route chosen", conversation_id=conversation.id, route=route)
        return await _answer(runtime, session, conversation, message, told)


DOCUMENT_COMMANDS: dict[str, Handler] = {
    "documents_status": documents_status,
    "documents_formal": documents_formal,
    "documents_sensitive_consent": documents_sensitive_consent,
    "documents_sms_route": documents_sms_route,
}
