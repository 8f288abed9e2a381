"""The document request as the gateway sees it in a turn: which request a conversation fills (its own,
or the one a relative's code linked it to for 48 h), where it stands, and what to say next.

Every function takes the caller's session (the caller's transaction stores the replies too).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import documents as db
from bot.db.models import Consent, Conversation, DocumentItem, DocumentRequest, PrequalEvaluation
from bot.documents.content import DocumentsData
from bot.documents.steps import ItemState, Situation, Step, as_route, first_name, next_step
from bot.documents.words import Office, RouteFacts, step_reply
from bot.rasa_client import BotReply
from bot.runtime import Runtime

LINK_TTL_S = 48 * 3600


def link_key(conversation_id: int) -> str:
    return f"famibot:documents-link:{conversation_id}"


@dataclass(slots=True)
class Target:
    """The request a conversation's files and questions are about."""

    request: DocumentRequest
    linked: bool  # a relative's WhatsApp conversation, linked by the code for 48 h


@dataclass(frozen=True, slots=True)
class Standing:
    target: Target
    rows: list[DocumentItem]
    situation: Situation
    step: Step


async def target_of(runtime: Runtime, session: AsyncSession, conversation: Conversation) -> Target | None:
    linked = await runtime.redis.get(link_key(conversation.id))
    if linked is not None:
        request = await db.request_by_id(session, request_id=int(linked))
        if request is not None and request.conversation_id != conversation.id:
            return Target(request, linked=True)
    request = await db.request_of(session, conversation_id=conversation.id)
    return Target(request, linked=False) if request is not None else None


async def link(runtime: Runtime, conversation: Conversation, request: DocumentRequest) -> None:
    await runtime.redis.set(link_key(conversation.id), request.id, ex=LINK_TTL_S)


async def sensitive_answer(session: AsyncSession, *, contact_id: int) -> bool | None:
    """The contact's latest answer to the sensitive-data consent; ``None``: never answered."""
    answer = await session.scalar(
        select(Consent.accepted)
        .where(Consent.contact_id == contact_id, Consent.kind == "sensitive")
        .order_by(Consent.answered_at.desc(), Consent.id.desc())
        .limit(1)
    )
    return None if answer is None else bool(answer)


def asks_formal(documents: DocumentsData, product_id: str) -> bool:
    return any(documents.item(i).only_if == "formal" for i in documents.checklists.get(product_id, ()))


async def standing(
    runtime: Runtime, session: AsyncSession, target: Target, conversation: Conversation
) -> Standing:
    documents, request = runtime.documents, target.request
    rows = await db.items_of(session, request_id=request.id)
    states = tuple(ItemState(documents.item(row.item_id), row.status, row.rejection_reason) for row in rows)
    situation = Situation(
        items=states,
        asks_formal=asks_formal(documents, request.product_id),
        formal=request.formal,
        channel=conversation.channel,
        sms_route=as_route(request.sms_route),
        sensitive=await sensitive_answer(session, contact_id=request.contact_id),
        linked=target.linked,
    )
    return Standing(target, rows, situation, next_step(situation))


async def route_facts(runtime: Runtime, session: AsyncSession, request: DocumentRequest) -> RouteFacts:
    """The relative code, our WhatsApp number and the office of the person's municipality."""
    municipality = None
    if request.evaluation_id is not None:
        evaluation = await session.get(PrequalEvaluation, request.evaluation_id)
        municipality = (evaluation.answers or {}).get("municipio") if evaluation else None
    branch_id = runtime.handoff.branch_for(str(municipality) if municipality else None)
    branch = runtime.handoff.branches.by_id(branch_id)
    assert branch is not None  # branch_for returns a listed branch or the default (validated)
    whatsapp = runtime.settings.twilio_whatsapp_from.removeprefix("whatsapp:")
    return RouteFacts(request.relative_code, whatsapp, Office(branch.name, branch.address, branch.hours))


async def owner_first_name(session: AsyncSession, request: DocumentRequest) -> str | None:
    if request.evaluation_id is None:
        return None
    evaluation = await session.get(PrequalEvaluation, request.evaluation_id)
    return first_name(evaluation.full_name if evaluation else None)


async def next_reply(runtime: Runtime, session: AsyncSession, now: Standing) -> BotReply:
    facts = await route_facts(runtime, session, now.target.request)
    return step_reply(runtime.documents.conversation, now.step, facts)
