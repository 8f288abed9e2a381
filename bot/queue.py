"""Job names and enqueue helpers shared by the webhook (producer) and the worker (consumer)."""

from __future__ import annotations

from arq.connections import ArqRedis
from arq.constants import job_key_prefix, result_key_prefix
from arq.jobs import serialize_job
from arq.utils import timestamp_ms

RUN_CONVERSATION = "run_conversation"
TELL_RASA = "tell_rasa"  # give Rasa what consultants said, after a hand-back (bot/handoff/rasa_context.py)
REPAYMENT_REMINDER = "repayment_reminder"  # send one due repayment reminder (bot/reminders/dispatch.py)
SCHEDULED_LESSON = "scheduled_lesson"  # send one due daily lesson (bot/lessons/dispatch.py)


def conversation_lock_key(conversation_id: int) -> str:
    return f"famibot:lock:conversation:{conversation_id}"


def doorbell_channel(queue_name: str) -> str:
    return f"{queue_name}:doorbell"


async def enqueue_turn(redis: ArqRedis, *, conversation_id: int, message_id: int) -> None:
    """One job per inbound message; the job drains its conversation in order under a lock.

    The job id makes a re-enqueue of the same message (recovery sweep) a no-op while it is queued.
    """
    await enqueue_and_ring(redis, RUN_CONVERSATION, conversation_id, job_id=f"turn:{message_id}")


# arq's enqueue_job in one round trip, doorbell included. arq (pinned, 0.28.0) WATCHes the job key,
# checks that neither the job nor its result exists, then MULTI/PSETEX/ZADD/EXEC: three round trips,
# and the doorbell a fourth. On the webhook's path that was the largest single cost of an ack. A
# script is atomic, so it needs no WATCH; it writes the job exactly as arq does (same keys, same
# serializer, same expiry), so arq's worker reads it as its own.
_ENQUEUE_AND_RING = """
if redis.call('exists', KEYS[1], KEYS[2]) > 0 then return 0 end
redis.call('psetex', KEYS[1], ARGV[1], ARGV[2])
redis.call('zadd', KEYS[3], ARGV[3], ARGV[4])
redis.call('publish', KEYS[4], '1')
return 1
"""


async def enqueue_and_ring(redis: ArqRedis, function: str, *args: object, job_id: str) -> bool:
    """Enqueue ``function(*args)`` now under ``job_id`` unless that job waits, runs or has a result
    (arq's rule), and ring the doorbell if it was enqueued. True when it was."""
    now_ms = timestamp_ms()
    job = serialize_job(function, args, {}, None, now_ms, serializer=redis.job_serializer)
    queue_name = redis.default_queue_name
    keys = [job_key_prefix + job_id, result_key_prefix + job_id, queue_name, doorbell_channel(queue_name)]
    script = redis.register_script(_ENQUEUE_AND_RING)  # EVALSHA; the script is sent once per server
    return bool(await script(keys=keys, args=[redis.expires_extra_ms, job, now_ms, job_id]))


async def enqueue_drain(redis: ArqRedis, *, conversation_id: int, reason: str) -> None:
    await enqueue_and_ring(
        redis, RUN_CONVERSATION, conversation_id, job_id=f"drain:{reason}:{conversation_id}"
    )


async def enqueue_tell_rasa(redis: ArqRedis, *, conversation_id: int, ticket_id: int) -> None:
    await enqueue_and_ring(redis, TELL_RASA, conversation_id, job_id=f"tell-rasa:{ticket_id}")


async def enqueue_repayment_reminder(redis: ArqRedis, *, reminder_id: int, defer_s: float = 0.0) -> None:
    """One job per due reminder; its id makes a second enqueue a no-op while the first is waiting or
    running (the caller rings the doorbell once for the batch). ``defer_s``: start it that much later."""
    await redis.enqueue_job(
        REPAYMENT_REMINDER,
        reminder_id,
        _job_id=f"repayment-reminder:{reminder_id}",
        _defer_by=defer_s if defer_s > 0 else None,
    )


async def enqueue_scheduled_lesson(redis: ArqRedis, *, enrolment_id: int, defer_s: float = 0.0) -> None:
    """One job per due lesson, as :func:`enqueue_repayment_reminder`: a second enqueue while the first
    waits or runs is a no-op (the caller rings the doorbell once for the batch)."""
    await redis.enqueue_job(
        SCHEDULED_LESSON,
        enrolment_id,
        _job_id=f"scheduled-lesson:{enrolment_id}",
        _defer_by=defer_s if defer_s > 0 else None,
    )


async def ring_doorbell(redis: ArqRedis) -> None:
    """Tell idle workers to look at the queue now instead of at their next poll."""
    await redis.publish(doorbell_channel(redis.default_queue_name), b"1")


async def queue_depth(redis: ArqRedis, queue_name: str) -> int:
    return int(await redis.zcard(queue_name))
