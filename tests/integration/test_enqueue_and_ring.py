"""The webhook's enqueue in one round trip writes the job exactly as arq would, and keeps arq's rules
(real Redis; arq's own reader and its own enqueue are the reference)."""

from __future__ import annotations

import asyncio
from typing import Any, cast

from arq.constants import result_key_prefix
from arq.jobs import Job, JobStatus

from bot.queue import RUN_CONVERSATION, doorbell_channel, enqueue_and_ring, enqueue_turn
from bot.runtime import Runtime


async def _rings(built: Runtime, during: Any) -> int:
    """How many doorbell rings were published while ``during`` ran."""
    pubsub = built.redis.pubsub()
    await pubsub.subscribe(doorbell_channel(built.redis.default_queue_name))
    await pubsub.get_message(timeout=1)  # the subscribe confirmation
    await during
    rings = 0
    while await pubsub.get_message(ignore_subscribe_messages=True, timeout=0.2) is not None:
        rings += 1
    await pubsub.aclose()  # type: ignore[attr-defined]
    return rings


async def test_a_turn_is_queued_as_arq_would_queue_it_and_rings_once(runtime: Any) -> None:
    built = cast(Runtime, runtime)
    redis = built.redis
    await redis.flushdb()
    rings = await _rings(built, enqueue_turn(redis, conversation_id=7, message_id=41))
    assert rings == 1
    job = Job("turn:41", redis, _queue_name=redis.default_queue_name)
    assert await job.status() == JobStatus.queued
    info = await job.info()
    assert info is not None
    assert (info.function, info.args, info.kwargs, info.job_try) == (RUN_CONVERSATION, (7,), {}, None)
    # Same expiry as arq's own enqueue of the same job under another id.
    await redis.enqueue_job(RUN_CONVERSATION, 7, _job_id="reference")
    ours, arqs = await redis.pttl("arq:job:turn:41"), await redis.pttl("arq:job:reference")
    assert abs(ours - arqs) < 5_000, (ours, arqs)


async def test_a_job_already_waiting_or_finished_is_not_queued_again(runtime: Any) -> None:
    built = cast(Runtime, runtime)
    redis = built.redis
    await redis.flushdb()
    assert await enqueue_and_ring(redis, RUN_CONVERSATION, 3, job_id="turn:9") is True
    first = await redis.get("arq:job:turn:9")
    rings = await _rings(built, enqueue_and_ring(redis, RUN_CONVERSATION, 4, job_id="turn:9"))
    assert rings == 0  # nothing new to look at
    assert await redis.get("arq:job:turn:9") == first  # the waiting job is untouched
    assert await redis.zcard(redis.default_queue_name) == 1
    # A job whose result is still kept is not run twice either (arq's rule).
    await redis.set(result_key_prefix + "turn:10", b"done")
    assert await enqueue_and_ring(redis, RUN_CONVERSATION, 3, job_id="turn:10") is False
    assert await redis.zscore(redis.default_queue_name, "turn:10") is None


async def test_concurrent_enqueues_of_one_job_queue_it_once(runtime: Any) -> None:
    built = cast(Runtime, runtime)
    redis = built.redis
    await redis.flushdb()
    results = await asyncio.gather(
        *(enqueue_and_ring(redis, RUN_CONVERSATION, 5, job_id="turn:77") for _ in range(20))
    )
    assert results.count(True) == 1
    assert await redis.zcard(redis.default_queue_name) == 1
