"""``python -m bot.cli plan-reminders`` and ``send-reminders --demo-now …`` (docs/REMINDERS.md).

The demo plans and dispatches once as if it were ``--demo-now`` (Bogotá time when no offset is
given), then sends what it queued through the outbox judged at that same moment, so that a reviewer
sees a reminder arrive in the simulator without waiting for its day. Refused when APP_ENV=prod: a
clock that is not the real one must never decide what a borrower gets.
"""

from __future__ import annotations

import argparse
from datetime import datetime

from bot.outbox import send_unsent
from bot.rasa_client import RasaClient
from bot.reminders.cli_args import BOGOTA
from bot.reminders.dispatch import Outcome, dispatch_due
from bot.reminders.plan_job import PlanReport, plan_reminders
from bot.runtime import Runtime, build_runtime
from bot.settings import Settings


async def plan_command(settings: Settings) -> list[str]:
    runtime = await build_runtime(settings)
    try:
        return plan_lines(await plan_reminders(runtime))
    finally:
        await runtime.close()


async def demo_command(settings: Settings, args: argparse.Namespace) -> list[str]:
    if settings.app_env == "prod":
        raise SystemExit("send-reminders --demo-now is refused in production (APP_ENV=prod)")
    now: datetime = args.demo_now
    runtime = await build_runtime(settings)
    runtime.clock = lambda: now
    try:
        return await run_demo(runtime, demo_rasa(runtime))
    finally:
        await runtime.close()


async def run_demo(runtime: Runtime, rasa: RasaClient) -> list[str]:
    now = runtime.clock()
    lines = [f"as if it were {now.astimezone(BOGOTA):%Y-%m-%d %H:%M} (Bogotá)"]
    lines += plan_lines(await plan_reminders(runtime))
    if not runtime.contact_hours.is_open(now):
        opens = runtime.contact_hours.next_open(now)
        return [*lines, f"contact hours are closed: nothing is sent before {opens:%Y-%m-%d %H:%M}"]
    outcomes = await dispatch_due(runtime, rasa, drain=False)
    lines += [outcome_line(outcome) for outcome in outcomes] or ["no reminder is due"]
    sent = 0
    for conversation_id in sorted({o.conversation_id for o in outcomes if o.conversation_id is not None}):
        sent += await send_unsent(runtime, conversation_id)
    return [*lines, f"sent through the outbox: {sent}"]


def demo_rasa(runtime: Runtime) -> RasaClient:
    settings = runtime.settings
    return RasaClient(
        base_url=settings.rasa_url,
        token=settings.rasa_token.get_secret_value(),
        client=runtime.http,
        timeout_s=settings.rasa_timeout_s,
        actions_url=settings.actions_url,
    )


def plan_lines(report: PlanReport) -> list[str]:
    rows = ", ".join(f"{count} {status}" for status, count in sorted(report.rows.items())) or "nothing new"
    return [f"planned: {report.instalments} unpaid instalments needed rows ({rows})"]


def outcome_line(outcome: Outcome) -> str:
    head = f"reminder {outcome.reminder_id} ({outcome.step or '?'}): {outcome.result}"
    if outcome.result == "queued":
        rasa = "Rasa told" if outcome.rasa_told else "Rasa NOT told (down or refused)"
        return f"{head} on {outcome.channel}, conversation {outcome.conversation_id}; {rasa}"
    if outcome.until is not None:
        return f"{head} to {outcome.until.astimezone(BOGOTA):%Y-%m-%d %H:%M}: {outcome.reason}"
    return f"{head}: {outcome.reason}" if outcome.reason else head
