"""When each reminder of an instalment goes, and which steps a late import skips. Pure functions.

A step's moment is its day (due date + ``days``) at the policy's local ``send_time``, moved to the next
moment the contact hours allow (``ContactHours.next_open``: Sundays, holidays and their Monday
"puentes", Saturday after 15:00). Bogotá has no daylight saving time, so a wall-clock time is one
instant all year.

A step is *live* from its moment until the next step's moment (the last step: ``last_step_days``
after its own). A step whose live window is over when it is planned, or when it would be sent, is
"superseded": a loan imported after its due date gets the latest step that is due, never "vence en 3
días" after the due date.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

from bot.contact_hours import ContactHours
from bot.reminders.policy import ReminderPolicy

PLANNED = "planned"
SKIPPED = "skipped"
SUPERSEDED = "superseded"


@dataclass(frozen=True, slots=True)
class PlannedStep:
    """A row to insert: the instalment's ``step`` at ``planned_at`` with ``status`` (and ``reason``)."""

    instalment_id: int
    step: str
    planned_at: datetime
    status: str = PLANNED
    reason: str | None = None


class Planner:
    """The policy and the contact hours, with each (due date, step) moment computed once: planning
    100,000 instalments meets a few hundred distinct due dates."""

    def __init__(self, policy: ReminderPolicy, hours: ContactHours) -> None:
        self.policy = policy
        self.hours = hours
        self.moment = lru_cache(maxsize=65_536)(self._moment)
        self.schedule = lru_cache(maxsize=16_384)(self._schedule)

    def _moment(self, due_on: date, step_id: str) -> datetime:
        step = self.policy.step(step_id)
        if step is None:
            raise KeyError(step_id)
        day = due_on + timedelta(days=step.days)
        return self.hours.next_open(datetime.combine(day, self.policy.send_time, self.hours.zone))

    def window_ends(self, due_on: date, step_id: str) -> datetime:
        """When the step stops making sense: the next step's moment, or ``last_step_days`` after the
        last step's own."""
        following = self.policy.following(step_id)
        if following is None:
            return self.moment(due_on, step_id) + timedelta(days=self.policy.last_step_days)
        return self.moment(due_on, following.id)

    def superseded(self, due_on: date, step_id: str, now: datetime) -> bool:
        """Too late for this step: the next one's moment has come (or the last one's window ended)."""
        return self.window_ends(due_on, step_id) <= now

    def _schedule(self, due_on: date) -> tuple[tuple[str, datetime, datetime], ...]:
        """Every step of a due date: (step, moment, end of its live window)."""
        return tuple(
            (step.id, self.moment(due_on, step.id), self.window_ends(due_on, step.id))
            for step in self.policy.steps
        )

    def plan(
        self, instalment_id: int, due_on: date, *, existing: Collection[str], now: datetime
    ) -> list[PlannedStep]:
        """The rows one unpaid instalment still needs: every step without a row yet, planned at its
        moment, or skipped as superseded when its live window is already over."""
        return [
            PlannedStep(instalment_id, step, moment, SKIPPED, SUPERSEDED)
            if ends <= now
            else PlannedStep(instalment_id, step, moment)
            for step, moment, ends in self.schedule(due_on)
            if step not in existing
        ]

    def plan_all(
        self, instalments: Iterable[tuple[int, date]], existing: dict[int, set[str]], *, now: datetime
    ) -> list[PlannedStep]:
        rows: list[PlannedStep] = []
        for instalment_id, due_on in instalments:
            rows.extend(self.plan(instalment_id, due_on, existing=existing.get(instalment_id, ()), now=now))
        return rows
