"""``python -m bench --only plan [--db postgresql]``: plan the repayment reminders of 100,000 unpaid
instalments (bot/reminders/plan_job.py) in a fresh database; target ≤ 10 s on this machine.

The loans (20,000 loans × 5 monthly instalments, due dates from two months ago to three months ahead)
are inserted in bulk first and are not timed. Then the first planning (every row: 4 steps per
instalment, planned or skipped as superseded) and a second one (nothing new: the cost of the worker's
job every 10 minutes) are timed. Leaves out: dispatch (the send wave), and a database that already
holds months of reminder rows (the second run reads 400,000).
"""

from __future__ import annotations

import argparse
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from bench.stack import REDIS_BASE
from bot.db.loan_models import Instalment, Loan
from bot.db.models import utcnow
from bot.reminders.plan_job import plan_reminders
from bot.runtime import Runtime, build_runtime
from bot.settings import Settings
from tests.databases import create_database, drop_database

TARGET_S = 10.0
LOANS = 20_000
INSTALMENTS_PER_LOAN = 5
CHUNK = 5_000


def add_plan_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--plan-instalments", type=int, default=100_000, help="plan: unpaid instalments")


async def plan_phase(args: argparse.Namespace, run_dir: Path) -> dict[str, Any]:
    url, name = create_database(args.db, run_dir, label="plan", prefix="famibot_bench")
    settings = Settings(app_env="test", database_url=url, redis_url=f"{REDIS_BASE}/13", log_level="WARNING")
    runtime = await build_runtime(settings)
    try:
        loans = max(1, args.plan_instalments // INSTALMENTS_PER_LOAN)
        started = time.perf_counter()
        await _insert_loans(runtime, loans)
        inserted_s = time.perf_counter() - started
        started = time.perf_counter()
        first = await plan_reminders(runtime)
        first_s = time.perf_counter() - started
        started = time.perf_counter()
        second = await plan_reminders(runtime)
        second_s = time.perf_counter() - started
    finally:
        await runtime.close()
        if name:
            drop_database(name)
    return {
        "instalments": loans * INSTALMENTS_PER_LOAN,
        "insert_s": round(inserted_s, 2),
        "first_plan_s": round(first_s, 2),
        "first_plan_rows": dict(first.rows),
        "second_plan_s": round(second_s, 2),
        "second_plan_rows": dict(second.rows),
        "target_s": TARGET_S,
    }


async def _insert_loans(runtime: Runtime, loans: int) -> None:
    today = utcnow().date()
    async with runtime.sessions() as session, session.begin():
        rows = [
            {
                "loan_ref": f"B{n:07d}", "product": "microcredito_empresarial", "national_id": f"10{n:08d}",
                "phone_e164": f"+573{n:09d}", "disbursed_on": today - timedelta(days=90),
                "created_at": utcnow(), "updated_at": utcnow(),
            }
            for n in range(loans)
        ]  # fmt: skip
        for start in range(0, len(rows), CHUNK):
            await session.execute(insert(Loan), rows[start : start + CHUNK])
        ids = list((await session.scalars(select(Loan.id).order_by(Loan.id))).all())
        instalments = [
            {
                "loan_id": loan_id, "number": number + 1, "due_on": _due(today, loan_id, number),
                "amount_due": 150_000 + (loan_id % 50) * 10_000, "amount_paid": 0, "status": "pending",
                "updated_at": utcnow(),
            }
            for loan_id in ids
            for number in range(INSTALMENTS_PER_LOAN)
        ]  # fmt: skip
        for start in range(0, len(instalments), CHUNK):
            await session.execute(insert(Instalment), instalments[start : start + CHUNK])


def _due(today: date, loan_id: int, number: int) -> date:
    """Monthly from about two months ago, each loan on its own day of the month."""
    return today + timedelta(days=30 * (number - 2) + loan_id % 28)


def markdown(plan: dict[str, Any]) -> list[str]:
    return [
        f"## Planning repayment reminders ({plan['instalments']:,} unpaid instalments)",
        "",
        f"- bulk insert of the loans (not timed in the target): {plan['insert_s']} s",
        f"- first planning: {plan['first_plan_s']} s, rows {plan['first_plan_rows']}",
        f"- second planning (nothing new, the worker's job every 10 minutes): {plan['second_plan_s']} s",
        "",
    ]


def targets(plan: dict[str, Any]) -> list[str]:
    if not plan:
        return []
    took = plan["first_plan_s"]
    verdict = "met" if took <= plan["target_s"] else "MISSED"
    return [f"- plan {plan['instalments']:,} instalments ≤ {plan['target_s']:g} s: {verdict} ({took} s)"]
