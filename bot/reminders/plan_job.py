"""Plan the repayment reminders of every unpaid instalment: one row per (instalment, step).

Set-based, so that 100,000 instalments plan in seconds: the unpaid instalments that lack a step and
the steps they have are read in two queries, the rows are computed in Python
(:class:`bot.reminders.planning.Planner`) and inserted in chunks with ``ON CONFLICT DO NOTHING`` on
the unique (instalment, step): two planners at once, or a planner and a dispatcher, never make a
second row. Run by the worker every 10 minutes and at start-up, and by
``python -m bot.cli plan-reminders``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from bot.db import repayment_reminders as queries
from bot.logs import get_logger
from bot.reminders.planning import Planner
from bot.runtime import Runtime

log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class PlanReport:
    instalments: int  # unpaid instalments that lacked a step
    rows: Counter[str] = field(default_factory=Counter)  # rows offered for insert, by status


async def plan_reminders(runtime: Runtime, *, now: datetime | None = None) -> PlanReport:
    now = now or runtime.clock()
    planner = Planner(runtime.reminders, runtime.contact_hours)
    async with runtime.sessions() as session, session.begin():
        instalments, existing = await queries.instalments_to_plan(session, steps=len(runtime.reminders.steps))
        planned = planner.plan_all(instalments, existing, now=now)
        await queries.insert_reminders(
            session,
            [
                (row.instalment_id, row.step, row.planned_at, row.status, row.reason, now, now)
                for row in planned
            ],
        )
    report = PlanReport(len(instalments), Counter(row.status for row in planned))
    if planned:
        log.info("repayment reminders planned", instalments=report.instalments, **dict(report.rows))
    return report
