"""Consent proofs (Ley 1581): the latest answer decides what we may collect."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Consent


async def has_accepted_consent(session: AsyncSession, *, contact_id: int, kind: str = "general") -> bool:
    """True when the contact's latest answer to the consent question of this ``kind`` was yes."""
    accepted = await session.scalar(
        select(Consent.accepted)
        .where(Consent.contact_id == contact_id, Consent.kind == kind)
        .order_by(Consent.answered_at.desc(), Consent.id.desc())
        .limit(1)
    )
    return bool(accepted)
