"""Status callbacks between the webhook and the worker: queued one by one, applied in batches.

Twilio sends three callbacks per reply, together when the worker sends a batch of replies. Applied by
the web one by one they took its CPU in bursts; applied one per job by the worker they were three more
write transactions per reply, and an inbound message's store waited for the write lock behind them.
So the webhook appends each callback to a Redis list (one command) and answers 204, and the worker
applies what has arrived, oldest first, up to ``BATCH`` in one transaction.

At least once: a worker that stops between the commit and the trim applies those callbacks again next
time. Harmless: a row only moves forward, and the extra status events read as the repeats Twilio
itself sometimes sends.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import LockError

from bot.logs import get_logger
from bot.runtime import Runtime
from bot.status import apply_statuses
from bot.twilio_adapter.records import StatusUpdate

log = get_logger(__name__)
BATCH = 200
IDLE_S = 0.1  # an empty list is looked at again after this long


def statuses_key(queue_name: str) -> str:
    return f"{queue_name}:statuses"


async def push_status(redis: Redis, queue_name: str, update: StatusUpdate) -> None:
    item = [update.message_sid, update.status, update.error_code, update.outbound_id]
    await redis.rpush(statuses_key(queue_name), json.dumps(item))  # type: ignore[misc]


async def apply_queued_statuses(runtime: Runtime) -> int:
    """One batch: the oldest queued callbacks applied in one transaction; how many were taken."""
    key = statuses_key(runtime.settings.queue_name)
    lock = runtime.redis.lock(f"{key}:lock", timeout=60, blocking=False)  # one worker at a time
    if not await lock.acquire():
        return 0
    try:
        raw: list[bytes] = await runtime.redis.lrange(key, 0, BATCH - 1)  # type: ignore[misc]
        if not raw:
            return 0
        updates = [update for item in raw if (update := _decode(item)) is not None]
        if updates:
            await apply_statuses(runtime.lane, runtime.sessions, updates)
        await runtime.redis.ltrim(key, len(raw), -1)  # type: ignore[misc]
        return len(raw)
    finally:
        with contextlib.suppress(LockError):
            await lock.release()


async def apply_statuses_forever(runtime: Runtime) -> None:
    """The worker's loop: apply what arrived; after a batch that was not full, wait ``IDLE_S``.

    Waiting after a small batch too lets the callbacks of a busy moment gather into one transaction
    (at 20 replies a second, about six per batch instead of one or two); a full batch means more are
    waiting, so the next one is taken at once.
    """
    while True:
        try:
            taken = await apply_queued_statuses(runtime)
        except asyncio.CancelledError:
            raise
        except Exception:  # the database or Redis is away: keep the callbacks, try again
            log.exception("queued status callbacks not applied; trying again")
            taken = 0
            await asyncio.sleep(1.0)
        if taken < BATCH:
            await asyncio.sleep(IDLE_S)


def _decode(item: Any) -> StatusUpdate | None:
    try:
        sid, status, error_code, outbound_id = json.loads(item)
        return StatusUpdate(message_sid=sid, status=status, error_code=error_code, outbound_id=outbound_id)
    except (TypeError, ValueError):
        log.error("unreadable queued status callback dropped")
        return None
