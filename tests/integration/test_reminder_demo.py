"""``python -m bot.cli send-reminders --demo-now``: plans and sends as if it were that moment, says
what it did, and is refused in production."""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest

from bot.reminders.cli import demo_command, run_demo
from bot.reminders.cli_args import demo_moment
from tests.integration.reminders_setup import Live, borrower, instalment, live_app
from tests.unit.test_contact_hours import bogota


@pytest.fixture
async def live(database_url: str, redis_db: int, tmp_path: Path) -> AsyncIterator[Live]:
    async with live_app(database_url, redis_db, tmp_path) as found:
        yield found


async def test_the_demo_plans_sends_and_says_why(live: Live) -> None:
    await borrower(live.runtime)
    await instalment(live.runtime, due_on=date(2026, 12, 3))
    await borrower(live.runtime, phone="+573209876543", consent=False)
    await instalment(live.runtime, due_on=date(2026, 12, 3), phone="+573209876543")
    live.clock.now = demo_moment("2026-12-03T09:00")
    lines = await run_demo(live.runtime, live.rasa.client())
    assert lines[0] == "as if it were 2026-12-03 09:00 (Bogotá)"
    assert lines[1] == "planned: 2 unpaid instalments needed rows (6 planned, 2 skipped)"  # before_3: late
    assert any(line.endswith("(due): queued on sms, conversation 1; Rasa told") for line in lines), lines
    assert any(line.endswith("(due): skipped: no consent for reminders") for line in lines), lines
    assert lines[-1] == "sent through the outbox: 1"
    [sent] = await live.at_twilio()
    assert sent["body"].startswith("Hola, su cuota de $350.000 se paga el jueves 3 de diciembre.")


async def test_the_demo_outside_the_contact_hours_sends_nothing(live: Live) -> None:
    await borrower(live.runtime)
    await instalment(live.runtime, due_on=date(2026, 12, 3))
    live.clock.now = bogota("2026-12-06 10:00")  # Sunday
    lines = await run_demo(live.runtime, live.rasa.client())
    assert lines[-1] == "contact hours are closed: nothing is sent before 2026-12-07 07:00"
    assert await live.at_twilio() == []


async def test_the_demo_is_refused_in_production(live: Live) -> None:
    prod = live.runtime.settings.model_copy(update={"app_env": "prod"})
    args = argparse.Namespace(demo_now=bogota("2026-12-03 09:00"))
    with pytest.raises(SystemExit, match="refused in production"):
        await demo_command(prod, args)
