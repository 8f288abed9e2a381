"""Opening hours by weekday in one time zone, closed on Colombian public holidays.

The shape both office hours (``bot.handoff.hours``: when consultants answer) and contact hours
(``bot.contact_hours``: when a proactive message may go) are validated into. Pure; nothing at import.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import cached_property, lru_cache
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from pydantic import BaseModel, ConfigDict, model_validator

Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
WEEKDAYS: tuple[Weekday, ...] = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
LOOK_AHEAD_DAYS = 15  # the longest closed stretch (Holy Week, a weekend and a holiday) is far shorter


@lru_cache(maxsize=8)
def colombian_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("CO", years=year)


class WeeklyHours(BaseModel):
    """``opening_hours``: per weekday, [opens, closes) in local time; a day left out is closed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    timezone: str = "America/Bogota"
    opening_hours: dict[Weekday, tuple[time, time]]

    @model_validator(mode="after")
    def _sane(self) -> WeeklyHours:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown timezone {self.timezone!r}") from exc
        for day, (start, end) in self.opening_hours.items():
            if start >= end:
                raise ValueError(f"{day}: opening time must be before closing time")
        if not self.opening_hours:
            raise ValueError("at least one opening day is needed")
        return self

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def hours_on(self, day: date) -> tuple[time, time] | None:
        if day in colombian_holidays(day.year):
            return None
        return self.opening_hours.get(WEEKDAYS[day.weekday()])

    def next_opening(self, now: datetime) -> datetime | None:
        """``None`` while open; else when it opens next (local time)."""
        local = now.astimezone(self.zone)
        for offset in range(0, LOOK_AHEAD_DAYS):
            day = local.date() + timedelta(days=offset)
            hours = self.hours_on(day)
            if hours is None:
                continue
            start, end = (datetime.combine(day, moment, self.zone) for moment in hours)
            if offset == 0 and start <= local < end:
                return None
            if local < start:
                return start
        raise ValueError(f"no opening in the next {LOOK_AHEAD_DAYS} days: check the hours in data/")
