"""Moments of the day as the learner reads them ("2:00 p. m.", "mañana", "el lunes 7 de diciembre"), in
Bogotá time (the contact hours' zone). Pure functions."""

from __future__ import annotations

from datetime import datetime

from bot.contact_hours import ContactHours
from bot.payments.words import long_date


def clock_text(minute: int) -> str:
    """540 → "9:00 a. m."; 870 → "2:30 p. m."; 720 → "12:00 m." (Colombian usage)."""
    hour, minutes = divmod(minute, 60)
    if hour == 12 and minutes == 0:
        return "12:00 m."
    suffix = "a. m." if hour < 12 else "p. m."
    return f"{(hour - 1) % 12 + 1}:{minutes:02d} {suffix}"


def day_text(moment: datetime, *, now: datetime, hours: ContactHours) -> str:
    """ "hoy", "mañana" or "el lunes 7 de diciembre" (local dates)."""
    day, today = moment.astimezone(hours.zone).date(), now.astimezone(hours.zone).date()
    if day == today:
        return "hoy"
    if (day - today).days == 1:
        return "mañana"
    return f"el {long_date(day)}"


def local_minute(moment: datetime, hours: ContactHours) -> int:
    local = moment.astimezone(hours.zone)
    return local.hour * 60 + local.minute


def allowed_range(hours: ContactHours) -> tuple[int, int]:
    """(earliest opening, latest closing) over the week, in minutes after local midnight."""
    openings = list(hours.opening_hours.values())
    start = min(opening[0].hour * 60 + opening[0].minute for opening in openings)
    end = max(opening[1].hour * 60 + opening[1].minute for opening in openings)
    return start, end
