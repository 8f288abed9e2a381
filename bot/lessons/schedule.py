"""When the next scheduled lesson goes (the daily rhythm): pure functions over the contact hours.

The learner chose a moment of the day (``send_minute``: minutes after local midnight, Bogotá). A
lesson a day: the next one goes at that moment on the first local day AFTER the one of the last
lesson, moved to the next opening of the contact hours when that moment is closed (a Sunday, a
holiday, after hours), exactly as reminders are (bot/contact_hours.py: one module for both).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from bot.contact_hours import ContactHours


def next_lesson_at(send_minute: int, *, after: datetime, hours: ContactHours) -> datetime:
    """The moment of the next daily lesson when the last one went (or the person enrolled) at
    ``after``: ``send_minute`` on the next local day, or the next opening after it."""
    local = after.astimezone(hours.zone)
    moment = time(send_minute // 60, send_minute % 60)
    wanted = datetime.combine(local.date() + timedelta(days=1), moment, hours.zone)
    return hours.next_open(wanted)
