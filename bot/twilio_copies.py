"""Copies of a person's messages at Twilio, and deleting them through the REST API.

Twilio keeps every Message (with its body) and every Media until they are deleted. We delete:
a media item right after we downloaded it, a media item we held back for lack of consent, and every
message and media of a person who asked us to erase their data. Each copy is first queued in
``twilio_deletions`` (in the caller's transaction), then tried at once; a failed try (Twilio down,
5xx, 429, or 20009 "not complete yet" for a message sent a moment ago) stays queued with a growing
delay (1 min, doubling, at most 6 h) and is retried by :func:`retry_due_deletions`, which runs after
every successful delete and from the worker's periodic job. Nothing here ever fails a turn.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import twilio_deletions
from bot.db.models import utcnow
from bot.logs import get_logger
from bot.metrics import TWILIO_DELETIONS
from bot.runtime import Runtime
from bot.twilio_adapter.rest import DeleteFailed
from bot.twilio_adapter.sids import InvalidSid, is_message_sid, media_sids

log = get_logger(__name__)

FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=6)
RETRY_BATCH = 20
BUDGET_S = 5.0  # inside a turn: the reply must not wait for hundreds of deletes

Copy = tuple[str, str]  # (MessageSid, MediaSid); "" as MediaSid = the whole Message


def media_copies(media: Iterable[Any]) -> list[Copy]:
    """The (MessageSid, MediaSid) of each media item whose URL names them in Twilio's shape."""
    copies = []
    for item in media:
        if not isinstance(item, dict):
            continue
        try:
            copies.append(media_sids(str(item.get("url") or "")))
        except InvalidSid:
            continue
    return copies


def message_copies(sids: Iterable[str | None]) -> list[Copy]:
    return [(sid, "") for sid in sids if sid and is_message_sid(sid)]


async def queue_copies(session: AsyncSession, copies: Iterable[Copy], *, reason: str) -> None:
    """Queue deletions in the caller's transaction, so that a crash cannot forget them."""
    await twilio_deletions.queue(session, copies=copies, reason=reason, at=utcnow())


async def delete_copies(runtime: Runtime, copies: Sequence[Copy], *, budget_s: float = BUDGET_S) -> bool:
    """Try the queued deletions of these copies now; True when all are gone at Twilio."""
    message_sids = sorted({message_sid for message_sid, _ in copies})
    if not message_sids:
        return True
    return await _attempt(runtime, message_sids=message_sids, limit=len(copies), budget_s=budget_s)


async def retry_due_deletions(
    runtime: Runtime, *, limit: int = RETRY_BATCH, budget_s: float = BUDGET_S
) -> bool:
    """Retry queued deletions whose time has come; True when every one tried succeeded."""
    return await _attempt(runtime, message_sids=None, limit=limit, budget_s=budget_s)


async def retry_job(ctx: dict[str, Any]) -> bool:
    """The worker's periodic retry (an arq cron job over ``ctx["runtime"]``)."""
    return await retry_due_deletions(ctx["runtime"], limit=500, budget_s=20.0)


async def _attempt(
    runtime: Runtime, *, message_sids: Sequence[str] | None, limit: int, budget_s: float
) -> bool:
    now = utcnow()
    deadline = time.monotonic() + budget_s
    async with runtime.sessions() as session:
        rows = await twilio_deletions.due(session, now=now, limit=limit, message_sids=message_sids)
    done: list[int] = []
    failed: list[tuple[int, int, str]] = []
    for row in rows:
        if time.monotonic() > deadline:
            break  # the rest stays due: the next retry takes it
        try:
            if row.media_sid:
                await runtime.twilio.delete_media(row.message_sid, row.media_sid)
            else:
                await runtime.twilio.delete_message(row.message_sid)
        except (DeleteFailed, InvalidSid) as exc:
            failed.append((row.id, row.attempts + 1, str(exc)))
            if isinstance(exc, DeleteFailed) and not exc.reached:
                break  # Twilio is not answering: the rest waits for the next retry
            continue
        done.append(row.id)
    async with runtime.sessions() as session, session.begin():
        await twilio_deletions.forget(session, ids=done)
        for row_id, attempts, error in failed:
            delay = min(LONGEST_RETRY, FIRST_RETRY * 2 ** min(attempts - 1, 16))
            await twilio_deletions.postpone(
                session, row_id=row_id, attempts=attempts, until=now + delay, error=error
            )
    TWILIO_DELETIONS.labels(outcome="deleted").inc(len(done))
    TWILIO_DELETIONS.labels(outcome="postponed").inc(len(failed))
    if failed:
        log.warning("copies at Twilio not deleted yet; retried later", deleted=len(done), failed=len(failed))
    untried = len(rows) - len(done) - len(failed)
    return not failed and not untried
