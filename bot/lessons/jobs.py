"""The worker's lesson jobs (registered in bot/worker.py): the cron job each minute, and one job per
due lesson. ``ctx["lesson_scheduling"]`` is loaded once in the worker's start-up (:func:`start`)."""

from __future__ import annotations

from typing import Any

from arq import Retry

from bot.lessons.dispatch import LessonBusy, deliver, enqueue_due
from bot.lessons.nudge import send_nudges
from bot.lessons.schedule_content import LessonScheduling, load_lesson_scheduling
from bot.runtime import Runtime

SCHEDULING = "lesson_scheduling"


def start(ctx: dict[str, Any], runtime: Runtime) -> None:
    """At the worker's start: the courses, the scheduler's words and the ready template, checked."""
    settings = runtime.settings
    ctx[SCHEDULING] = load_lesson_scheduling(settings.data_dir, runtime.templates, runtime.lessons.courses)


async def scheduled_lessons_job(ctx: dict[str, Any]) -> int:
    """Each minute while the contact hours are open: one job per due daily lesson, then the nudges
    (bot/lessons/nudge.py). Returns the jobs enqueued plus the enrolments nudged or paused."""
    runtime: Runtime = ctx["runtime"]
    scheduling: LessonScheduling = ctx[SCHEDULING]
    enqueued = await enqueue_due(runtime)
    nudges = await send_nudges(runtime, scheduling)
    return enqueued + sum(outcome.result in ("nudged", "paused") for outcome in nudges)


async def scheduled_lesson_job(ctx: dict[str, Any], enrolment_id: int) -> str:
    """Send one due lesson (bot/lessons/dispatch.py); a busy conversation: when its lock is free."""
    try:
        outcome = await deliver(ctx["runtime"], ctx[SCHEDULING], enrolment_id)
    except LessonBusy as exc:
        raise Retry(defer=exc.retry_in_s) from None
    return outcome.result
