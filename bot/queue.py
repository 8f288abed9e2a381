"""Job names and enqueue helpers shared by the webhook (producer) and the worker (consumer)."""

from __future__ import annotations

from arq.connections import ArqRedis

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
    await redis.enqueue_job(RUN_CONVERSATION, conversation_id, _job_id=f"turn:{message_id}")
    await ring_doorbell(redis)


async def enqueue_drain(redis: ArqRedis, *, conversation_id: int, reason: str) -> None:
    await redis.enqueue_job(RUN_CONVERSATION, conversation_id, _job_id=f"drain:{reason}:{conversation_id}")
    await ring_doorbell(redis)


async def enqueue_tell_rasa(redis: ArqRedis, *, conversation_id: int, ticket_id: int) -> None:
    await redis.enqueue_job(TELL_RASA, conversation_id, _job_id=f"tell-rasa:{ticket_id}")
    await ring_doorbell(redis)


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
