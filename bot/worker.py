"""The arq worker: conversation turns, outbound sends, the recovery sweep and the periodic jobs
(deferred proactive messages, document reminders, repayment reminders, scheduled lessons, copies at
Twilio to delete).

Run with ``python -m bot.worker``. Settings are read once in ``main`` and resources are built in
``startup`` (arq's hook), never at import.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta
from typing import Any

from arq import Retry, cron, func
from arq.connections import RedisSettings
from arq.worker import Worker
from redis.asyncio.lock import Lock
from redis.exceptions import LockError

from bot import twilio_copies
from bot.db import messages
from bot.db.models import Conversation, utcnow
from bot.deferred import release_deferred
from bot.documents.reminder_job import send_document_reminders
from bot.handoff.rasa_context import tell_rasa
from bot.heap import freeze_startup_heap, thaw_heap
from bot.lessons import jobs as lesson_jobs
from bot.logs import configure_logging, get_logger
from bot.outbox import SendRetryLater
from bot.queue import (
    REPAYMENT_REMINDER,
    RUN_CONVERSATION,
    SCHEDULED_LESSON,
    TELL_RASA,
    conversation_lock_key,
    doorbell_channel,
    enqueue_drain,
    enqueue_turn,
)
from bot.rasa_client import RasaClient, RasaUnavailable
from bot.reminders.dispatch import RASA_TRIES, RasaNotYet, ReminderBusy, deliver, enqueue_due
from bot.reminders.plan_job import plan_reminders
from bot.runtime import Runtime, build_runtime
from bot.send_rate import SendPaced, failed_tries, note_paced_try
from bot.settings import Settings
from bot.status_queue import apply_statuses_forever
from bot.turn_failures import TurnPostponed
from bot.turns import BUSY_MARGIN_S, ConversationBusy, run_conversation

log = get_logger(__name__)

POLL_DELAY_S = 0.25  # a fallback: new work rings the doorbell (Redis pub/sub) and is picked at once
STALLED_AFTER = timedelta(seconds=60)


def backoff_s(job_try: int) -> float:
    """0.5 s, 1 s, 2 s … capped at 30 s: Rasa or Twilio down waits, messages keep their order."""
    return float(min(30.0, 0.5 * 2 ** min(max(job_try - 1, 0), 6)))


async def startup(ctx: dict[str, Any]) -> None:
    settings: Settings = ctx["settings"]
    runtime = await build_runtime(settings)
    ctx["runtime"] = runtime
    ctx["rasa"] = RasaClient(
        base_url=settings.rasa_url,
        token=settings.rasa_token.get_secret_value(),
        client=runtime.http,
        timeout_s=settings.rasa_timeout_s,
        actions_url=settings.actions_url,
    )
    lesson_jobs.start(ctx, runtime)
    settings.media_dir.mkdir(parents=True, exist_ok=True)
    if "worker" in ctx:
        ctx["doorbell"] = asyncio.create_task(answer_doorbell(ctx["worker"], runtime, settings.queue_name))
        ctx["statuses"] = asyncio.create_task(apply_statuses_forever(runtime))  # bot/status_queue.py
    freeze_startup_heap()  # bot/heap.py: a full collection while holding SQLite's lock stalled acks
    log.info("worker started", queue=settings.queue_name)


async def shutdown(ctx: dict[str, Any]) -> None:
    for name in ("doorbell", "statuses"):
        task: asyncio.Task[None] | None = ctx.get(name)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    runtime: Runtime | None = ctx.get("runtime")
    if runtime is not None:
        await runtime.close()
    thaw_heap()


async def answer_doorbell(worker: Worker, runtime: Runtime, queue_name: str) -> None:
    """Poll the queue as soon as a producer rings, so a turn does not wait for the next poll.

    arq only polls; ``_poll_iteration`` is its own (pinned, arq==0.28.0) poll step, safe to run
    concurrently with the regular one because job starts are guarded by a Redis WATCH. Rings that
    arrive while a poll runs make one more poll, not one each: during a burst of 200 messages a second
    a poll per ring re-read the queue's first hundred job ids 200 times a second.
    """
    rung = asyncio.Event()
    poller = asyncio.create_task(poll_when_rung(worker, rung))
    try:
        while True:
            try:
                async with runtime.redis.pubsub(ignore_subscribe_messages=True) as pubsub:
                    await pubsub.subscribe(doorbell_channel(queue_name))
                    async for message in pubsub.listen():
                        if message.get("type") == "message":
                            rung.set()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # Redis went away: the regular poll still works; listen again soon
                log.warning("doorbell lost; listening again", reason=repr(exc))
                await asyncio.sleep(1.0)
    finally:
        poller.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await poller


async def poll_when_rung(worker: Worker, rung: asyncio.Event) -> None:
    """One poll after any number of rings: the rings of a poll in progress wait for the next one."""
    while True:
        await rung.wait()
        rung.clear()
        try:
            await worker._poll_iteration()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the regular poll goes on; the next ring tries again
            log.warning("poll after the doorbell failed", reason=repr(exc))


async def run_conversation_job(ctx: dict[str, Any], conversation_id: int) -> int:
    redis = ctx["runtime"].redis
    try:
        return await run_conversation(ctx["runtime"], ctx["rasa"], conversation_id)
    except ConversationBusy as exc:  # once, when the holder's lock would expire: no spinning
        raise Retry(defer=exc.retry_in_s) from None
    except SendPaced as exc:  # the send rate's slot for a proactive row is later: not a failure
        await note_paced_try(redis, ctx["job_id"])
        raise Retry(defer=exc.retry_in_s) from None
    except TurnPostponed as exc:  # a failed turn: its own backoff, or an outage's
        delay = exc.retry_in_s
        if delay is None:
            delay = backoff_s(await failed_tries(redis, ctx["job_id"], ctx["job_try"]))
        log.warning("turn postponed", conversation_id=conversation_id, reason=str(exc), retry_in_s=delay)
        raise Retry(defer=delay) from exc
    except (RasaUnavailable, SendRetryLater) as exc:
        delay = backoff_s(await failed_tries(redis, ctx["job_id"], ctx["job_try"]))
        log.warning("turn postponed", conversation_id=conversation_id, reason=str(exc), retry_in_s=delay)
        raise Retry(defer=delay) from exc


async def tell_rasa_job(ctx: dict[str, Any], conversation_id: int) -> int:
    """After a hand-back: give Rasa what the consultant said, under the conversation's lock.

    Busy or Rasa down: try again later (the next turn does it anyway, before asking Rasa).
    """
    runtime: Runtime = ctx["runtime"]
    key = conversation_lock_key(conversation_id)
    lock = Lock(runtime.redis, key, timeout=runtime.settings.turn_job_timeout_s, blocking=False)
    if not await lock.acquire():
        raise Retry(defer=max(await runtime.redis.pttl(key), 0) / 1000 + BUSY_MARGIN_S)
    try:
        async with runtime.sessions() as session:
            conversation = await session.get(Conversation, conversation_id)
        return 0 if conversation is None else await tell_rasa(runtime, ctx["rasa"], conversation)
    except RasaUnavailable as exc:
        delay = backoff_s(ctx["job_try"])
        log.warning("rasa not told yet", conversation_id=conversation_id, reason=str(exc), retry_in_s=delay)
        raise Retry(defer=delay) from exc
    finally:
        with contextlib.suppress(LockError):
            await lock.release()


async def recover_stalled(ctx: dict[str, Any]) -> int:
    """Re-enqueue work that has no job (e.g. stored while Redis was unreachable)."""
    runtime: Runtime = ctx["runtime"]
    older_than = utcnow() - STALLED_AFTER
    async with runtime.sessions() as session:
        stalled = await messages.stalled_inbound(session, older_than=older_than)
        unsent = await messages.conversations_with_unsent_outbound(session, older_than=older_than)
    for message in stalled:
        await enqueue_turn(runtime.redis, conversation_id=message.conversation_id, message_id=message.id)
    for conversation_id in unsent:
        await enqueue_drain(runtime.redis, conversation_id=conversation_id, reason="sweep")
    if stalled or unsent:
        log.info("recovery sweep re-enqueued work", turns=len(stalled), conversations=len(unsent))
    return len(stalled) + len(unsent)


async def release_deferred_job(ctx: dict[str, Any]) -> int:
    """Proactive messages deferred outside the contact hours go when they open (bot/deferred.py)."""
    return await release_deferred(ctx["runtime"])


async def document_reminders_job(ctx: dict[str, Any]) -> int:
    """Reminders for missing documents that are due (bot/documents/reminder_job.py)."""
    return await send_document_reminders(ctx["runtime"])


async def plan_repayment_reminders_job(ctx: dict[str, Any]) -> int:
    """Plan the reminders of unpaid instalments (bot/reminders/plan_job.py): rows offered."""
    report = await plan_reminders(ctx["runtime"])
    return sum(report.rows.values())


async def repayment_reminders_job(ctx: dict[str, Any]) -> int:
    """Each minute while the contact hours are open: one job per due repayment reminder."""
    return await enqueue_due(ctx["runtime"])


async def repayment_reminder_job(ctx: dict[str, Any], reminder_id: int) -> str:
    """Send one repayment reminder (bot/reminders/dispatch.py); Rasa down: retry with backoff, and
    after ``RASA_TRIES`` tries it goes without telling Rasa."""
    try:
        outcome = await deliver(
            ctx["runtime"], ctx["rasa"], reminder_id, last_rasa_try=ctx["job_try"] >= RASA_TRIES
        )
    except ReminderBusy as exc:
        raise Retry(defer=exc.retry_in_s) from None
    except RasaNotYet as exc:
        delay = backoff_s(ctx["job_try"])
        log.warning("repayment reminder waits for rasa", reminder_id=reminder_id, retry_in_s=delay)
        raise Retry(defer=delay) from exc
    return outcome.result


def worker_options(settings: Settings) -> dict[str, Any]:
    return {
        "functions": [
            func(
                run_conversation_job,
                name=RUN_CONVERSATION,
                timeout=settings.turn_job_timeout_s,
                # Rasa may be down for a while: keep retrying with backoff. A message that keeps failing
                # while Rasa is up is given up on by bot.turn_failures after MAX_TURN_ATTEMPTS tries.
                max_tries=100_000,
                keep_result=0,
            ),
            # After that many tries the next turn of the conversation tells Rasa (bot.turns).
            func(
                tell_rasa_job,
                name=TELL_RASA,
                timeout=settings.turn_job_timeout_s,
                max_tries=30,
                keep_result=0,
            ),
            # Busy conversations and Rasa's backoff retry; after RASA_TRIES it goes without Rasa.
            func(
                repayment_reminder_job,
                name=REPAYMENT_REMINDER,
                timeout=settings.turn_job_timeout_s,
                max_tries=100,
                keep_result=0,
            ),
            # A busy conversation retries when its lock is free (bot/lessons/dispatch.py).
            func(
                lesson_jobs.scheduled_lesson_job,
                name=SCHEDULED_LESSON,
                timeout=settings.turn_job_timeout_s,
                max_tries=100,
                keep_result=0,
            ),
        ],
        "cron_jobs": [
            cron(recover_stalled, second={5, 35}, run_at_startup=True, keep_result=0),
            # Copies at Twilio still to delete (erasure, downloaded or held media): docs/PRIVACY.md.
            cron(twilio_copies.retry_job, second={20}, keep_result=0),
            # Contact hours (Ley 2300 de 2023): at the minute they open, deferred proactive rows go.
            cron(release_deferred_job, second={0}, run_at_startup=True, keep_result=0),
            cron(document_reminders_job, second={40}, run_at_startup=True, keep_result=0),
            # Repayment reminders (bot/reminders/): planned every 10 minutes, sent each minute.
            cron(
                plan_repayment_reminders_job,
                minute=set(range(0, 60, 10)),
                second={15},
                run_at_startup=True,
                keep_result=0,
            ),
            cron(repayment_reminders_job, second={50}, run_at_startup=True, keep_result=0),
            # Daily lessons and their nudges (bot/lessons/dispatch.py, nudge.py): each minute.
            cron(lesson_jobs.scheduled_lessons_job, second={45}, run_at_startup=True, keep_result=0),
        ],
        "on_startup": startup,
        "on_shutdown": shutdown,
        "redis_settings": RedisSettings.from_dsn(settings.redis_url),
        "queue_name": settings.queue_name,
        "ctx": {"settings": settings},
        "max_jobs": settings.worker_max_turns,
        "poll_delay": POLL_DELAY_S,
        "keep_result": 0,
        "handle_signals": True,
        "health_check_key": f"{settings.queue_name}:health-check",
        "health_check_interval": 30,
    }


def main() -> None:
    settings = Settings()
    configure_logging(settings)
    worker = Worker(**worker_options(settings))
    worker.ctx["worker"] = worker  # the doorbell listener started in ``startup`` needs it
    worker.run()


if __name__ == "__main__":
    main()
