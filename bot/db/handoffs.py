"""Hand-off requests: stored so that nothing a person asked for is lost before a consultant takes it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import HandoffRequest


async def record_handoff_request(
    session: AsyncSession,
    *,
    conversation_id: int,
    message_id: int | None,
    reason: str,
    answers: dict[str, Any],
    at: datetime,
) -> HandoffRequest:
    request = HandoffRequest(
        conversation_id=conversation_id,
        message_id=message_id,
        reason=reason,
        answers=answers,
        status="open",
        requested_at=at,
    )
    session.add(request)
    await session.flush()
    return request


async def has_open_request(session: AsyncSession, *, conversation_id: int, reason: str) -> bool:
    found = await session.scalar(
        select(HandoffRequest.id).where(
            HandoffRequest.conversation_id == conversation_id,
            HandoffRequest.reason == reason,
            HandoffRequest.status == "open",
        )
    )
    return found is not None
