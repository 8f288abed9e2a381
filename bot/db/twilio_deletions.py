"""The queue of copies at Twilio still to delete (table ``twilio_deletions``): SIDs only."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import TwilioDeletion
from bot.db.upsert import insert_ignoring_conflicts


async def queue(
    session: AsyncSession, *, copies: Iterable[tuple[str, str]], reason: str, at: datetime
) -> None:
    """Add (MessageSid, MediaSid or "") pairs; a pair already queued stays as it is."""
    rows = [
        {
            "message_sid": message_sid,
            "media_sid": media_sid,
            "reason": reason,
            "attempts": 0,
            "next_attempt_at": at,
            "created_at": at,
        }
        for message_sid, media_sid in dict.fromkeys(copies)
    ]
    if rows:
        await session.execute(insert_ignoring_conflicts(session, TwilioDeletion.__table__).values(rows))


async def due(
    session: AsyncSession, *, now: datetime, limit: int, message_sids: Sequence[str] | None = None
) -> list[TwilioDeletion]:
    """Rows whose next attempt is due, media before messages, oldest first (or only these messages')."""
    query = select(TwilioDeletion).where(TwilioDeletion.next_attempt_at <= now)
    if message_sids is not None:
        query = query.where(TwilioDeletion.message_sid.in_(message_sids))
    query = query.order_by(TwilioDeletion.media_sid.desc(), TwilioDeletion.id).limit(limit)
    return list((await session.scalars(query)).all())


async def forget(session: AsyncSession, *, ids: Sequence[int]) -> None:
    if ids:
        await session.execute(delete(TwilioDeletion).where(TwilioDeletion.id.in_(ids)))


async def postpone(session: AsyncSession, *, row_id: int, attempts: int, until: datetime, error: str) -> None:
    await session.execute(
        update(TwilioDeletion)
        .where(TwilioDeletion.id == row_id)
        .values(attempts=attempts, next_attempt_at=until, last_error=error[:200])
    )
