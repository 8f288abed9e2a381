"""When each repayment reminder goes (Bogotá wall-clock times: UTC−5 all year) and which steps a late
import skips."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest

from bot.contact_hours import CONTACT_HOURS_FILE, load_contact_hours
from bot.reminders.planning import PLANNED, SKIPPED, SUPERSEDED, Planner
from bot.reminders.policy import POLICY_FILE, load_policy
from tests.unit.test_contact_hours import bogota

DATA = Path(__file__).resolve().parents[3] / "data"
POLICY = load_policy(DATA / POLICY_FILE)
HOURS = load_contact_hours(DATA / CONTACT_HOURS_FILE)
PLANNER = Planner(POLICY, HOURS)


@pytest.mark.parametrize(
    ("label", "due_on", "step", "moment"),
    [
        ("weekday: three days before", "2026-12-03", "before_3", "2026-11-30 09:00"),
        ("weekday: the due date", "2026-12-03", "due", "2026-12-03 09:00"),
        ("weekday: the day after", "2026-12-03", "after_1", "2026-12-04 09:00"),
        ("weekday: a week after", "2026-12-03", "after_7", "2026-12-10 09:00"),
        ("Saturday morning is open", "2026-12-05", "due", "2026-12-05 09:00"),
        ("Sunday: Monday at seven", "2026-12-06", "due", "2026-12-07 07:00"),
        ("three days before falls on a Sunday", "2026-12-09", "before_3", "2026-12-07 07:00"),
        ("holiday (8 December): the next day", "2026-12-08", "due", "2026-12-09 07:00"),
        ("Monday puente (Reyes, 2027-01-11): Tuesday", "2027-01-11", "due", "2027-01-12 07:00"),
        ("Reyes puente, the day after a Sunday due date", "2027-01-10", "after_1", "2027-01-12 07:00"),
        ("month end: due on 31 December", "2026-12-31", "due", "2026-12-31 09:00"),
        ("month end: the day after is New Year", "2026-12-31", "after_1", "2027-01-02 08:00"),
        ("June: the same wall-clock time (no DST)", "2026-06-18", "due", "2026-06-18 09:00"),
    ],
)
def test_planned_moment(label: str, due_on: str, step: str, moment: str) -> None:
    assert PLANNER.moment(date.fromisoformat(due_on), step) == bogota(moment), label


def test_saturday_after_fifteen_goes_on_monday() -> None:
    late = Planner(POLICY.model_copy(update={"send_time": time(16)}), HOURS)
    assert late.moment(date(2026, 12, 5), "due") == bogota("2026-12-07 07:00")  # Saturday 16:00
    assert late.moment(date(2026, 12, 4), "due") == bogota("2026-12-04 16:00")  # Friday: open


@pytest.mark.parametrize("wednesday", ["2026-01-14", "2026-03-11", "2026-06-10", "2026-09-16", "2026-12-16"])
def test_bogota_is_utc_minus_five_all_year(wednesday: str) -> None:
    moment = PLANNER.moment(date.fromisoformat(wednesday), "due")
    assert moment.astimezone(UTC).time() == time(14)


def _plan(due_on: str, now: str, existing: tuple[str, ...] = ()) -> dict[str, tuple[str, str | None]]:
    rows = PLANNER.plan(7, date.fromisoformat(due_on), existing=existing, now=bogota(now))
    assert all(row.instalment_id == 7 for row in rows)
    return {row.step: (row.status, row.reason) for row in rows}


def test_planned_ahead_every_step_is_planned() -> None:
    assert _plan("2026-12-03", "2026-11-20 10:00") == {
        step: (PLANNED, None) for step in ("before_3", "due", "after_1", "after_7")
    }


def test_late_import_after_the_due_date_never_says_it_will_fall_due() -> None:
    plan = _plan("2026-12-03", "2026-12-03 10:00")
    assert plan["before_3"] == (SKIPPED, SUPERSEDED)
    assert plan["due"] == (PLANNED, None)  # due now: the latest step that is due goes
    plan = _plan("2026-12-03", "2026-12-05 10:00")
    assert [step for step, (status, _) in plan.items() if status == PLANNED] == ["after_1", "after_7"]


def test_the_last_step_has_a_window_too() -> None:
    assert _plan("2026-12-03", "2026-12-16 10:00")["after_7"] == (PLANNED, None)
    assert _plan("2026-12-03", "2026-12-17 09:00")["after_7"] == (SKIPPED, SUPERSEDED)  # 7 days on


def test_steps_with_a_row_are_left_alone() -> None:
    assert set(_plan("2026-12-03", "2026-11-20 10:00", existing=("before_3", "due"))) == {
        "after_1",
        "after_7",
    }


def test_a_moment_is_aware_and_in_bogota() -> None:
    moment = PLANNER.moment(date(2026, 12, 3), "due")
    assert moment.tzinfo is not None and moment.utcoffset() == bogota("2026-12-03 09:00").utcoffset()
    assert moment == datetime(2026, 12, 3, 14, tzinfo=UTC)
