"""When a proactive message may reach a person: Ley 2300 de 2023 (art. 3) and data/contact_hours.yml.

The law allows Monday–Friday 07:00–19:00 and Saturday 08:00–15:00 (America/Bogota), never Sundays or
public holidays. data/contact_hours.yml says the hours the organisation uses; they may be stricter than
the law (08:00–18:00), never wider: a file that widens them stops the process at start.

Pure functions over a validated :class:`ContactHours`. ``bot.send_policy.may_send`` asks them for every
purpose that is not a reply to the person's own message; a refused send waits ("deferred") and goes
at :meth:`ContactHours.next_open`.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from pathlib import Path

import yaml
from pydantic import Field, PrivateAttr, model_validator

from bot.weekly_hours import Weekday, WeeklyHours

# Ley 2300 de 2023, art. 3: the widest hours any proactive contact may use. Not data: a data file
# may narrow them, never widen them. Sundays are absent (never); holidays are closed by WeeklyHours.
LEY_2300_HOURS: dict[Weekday, tuple[time, time]] = {
    "monday": (time(7), time(19)),
    "tuesday": (time(7), time(19)),
    "wednesday": (time(7), time(19)),
    "thursday": (time(7), time(19)),
    "friday": (time(7), time(19)),
    "saturday": (time(8), time(15)),
}
LEY_2300_TIMEZONE = "America/Bogota"
CONTACT_HOURS_FILE = "contact_hours.yml"


class ContactHours(WeeklyHours):
    """``opening_hours``: per weekday, [from, until) local time when a proactive message may go.
    ``max_per_day_per_kind``: proactive messages of one kind (Message.purpose) per person per local
    day; the law allows one (after the first contact, at most once a day).
    ``max_per_week_per_kind``: the same per ISO week (Monday to Sunday, Bogotá dates). Ley 2300 de
    2023, art. 3 (periodicity): once a direct contact happened, the person may not be contacted more
    than once in the same day, nor through several channels in the same week. The law sets no number
    for the week; famibot is stricter: at most 2 of a kind a week, and a file may ask for fewer, never
    more (a value above 2 stops the process at start)."""

    max_per_day_per_kind: int = Field(default=1, ge=1, le=1)
    max_per_week_per_kind: int = Field(default=2, ge=1, le=2)

    # Development and tests only (Settings.contact_hours_offset_s, refused in prod): judge every moment
    # as if it were this much later, so a process started at night can show a proactive send.
    _offset: timedelta = PrivateAttr(default=timedelta(0))

    @model_validator(mode="after")
    def _within_the_law(self) -> ContactHours:
        if self.timezone != LEY_2300_TIMEZONE:
            raise ValueError(f"contact hours are Colombian law: the timezone must be {LEY_2300_TIMEZONE}")
        for day, (start, end) in self.opening_hours.items():
            allowed = LEY_2300_HOURS.get(day)
            if allowed is None:
                raise ValueError(f"{day}: Ley 2300 de 2023 allows no contact on this day")
            if start < allowed[0] or end > allowed[1]:
                lawful = f"{allowed[0]:%H:%M}–{allowed[1]:%H:%M}"
                raise ValueError(f"{day}: {start:%H:%M}–{end:%H:%M} is outside the lawful {lawful}")
        return self

    def is_open(self, at: datetime) -> bool:
        """May a proactive message go at ``at`` (an aware datetime)?"""
        return self.next_opening(at + self._offset) is None

    def next_open(self, at: datetime) -> datetime:
        """The first moment at or after ``at`` when a proactive message may go (``at`` itself while
        open), as an aware datetime in Bogotá time."""
        opening = self.next_opening(at + self._offset)
        return at.astimezone(self.zone) if opening is None else opening - self._offset

    def closes_at(self, at: datetime) -> datetime | None:
        """While open, the end of the current window (Bogotá time); ``None`` while closed."""
        if not self.is_open(at):
            return None
        local = (at + self._offset).astimezone(self.zone)
        hours = self.hours_on(local.date())
        assert hours is not None  # open, so today has hours
        return datetime.combine(local.date(), hours[1], self.zone) - self._offset

    def day_start(self, at: datetime) -> datetime:
        """Midnight in Bogotá of the day ``at`` falls on (as judged), for the per-day limit."""
        local = (at + self._offset).astimezone(self.zone)
        return datetime.combine(local.date(), time(0), self.zone) - self._offset

    def week_start(self, at: datetime) -> datetime:
        """Monday 00:00 in Bogotá of the ISO week ``at`` falls on (as judged), for the per-week limit."""
        day = self.day_start(at)
        local = (day + self._offset).astimezone(self.zone)
        return (
            datetime.combine(local.date() - timedelta(days=local.weekday()), time(0), self.zone)
            - self._offset
        )

    def shifted(self, offset: timedelta) -> ContactHours:
        """A copy that judges ``at`` as ``at + offset`` (development and tests only)."""
        copy = self.model_copy()
        copy._offset = offset
        return copy


def load_contact_hours(path: Path) -> ContactHours:
    return ContactHours.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
