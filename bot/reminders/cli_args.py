"""The arguments of ``plan-reminders`` and ``send-reminders`` (bot/reminders/cli.py runs them).

Apart from the commands so that ``python -m bot.cli`` builds its parser without importing the
outbox, the runtime and the metrics: ``migrate`` must not need them (``make run`` migrates before the
metrics directory exists).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

BOGOTA = ZoneInfo("America/Bogota")


def add_reminder_parsers(commands: Any) -> None:
    commands.add_parser("plan-reminders", help="plan the repayment reminders of unpaid instalments")
    send = commands.add_parser(
        "send-reminders", help="demo: plan and send the due repayment reminders as if it were --demo-now"
    )
    send.add_argument("--demo-now", required=True, type=demo_moment, help='e.g. "2026-12-03T09:00" (Bogotá)')


def demo_moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment.replace(tzinfo=BOGOTA) if moment.tzinfo is None else moment
