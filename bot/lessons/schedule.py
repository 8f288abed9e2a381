"""When the next scheduled lesson goes (the daily rhythm): pure functions over the contact hours.

The learner chose a moment of the day (``send_minute``: minutes after local midnight, Bogotá). A
lesson a day: the next one goes at that moment on the first local day AFTER the day of ``after`` (the
quiz settled, the rhythm chosen, or a lesson already went today) whose contact hours include the moment
(bot/contact_hours.py: the same module as the reminders). The person's moment is kept rather than moved
to an opening they did not choose: "noche" (18:00) on a Saturday, when the hours close at 15:00, goes
on Monday at 18:00, not on Monday at 07:00. A Sunday or a public holiday is skipped the same way. Only
a moment no day includes (e.g. 20:00) goes at the next opening after it.

Days are judged as the contact hours judge them (``ContactHours.day_start``), so the development offset
(Settings.contact_hours_offset_s) moves lessons exactly as it moves reminders.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.contact_hours import ContactHours

MINUTES_A_DAY = 24 * 60
LOOK_AHEAD_DAYS = 15  # as bot/weekly_hours.py: the longest closed stretch is far shorter


def next_lesson_at(send_minute: int, *, after: datetime, hours: ContactHours) -> datetime:
    """The moment of the next daily lesson when the last one went (or the person enrolled, or
    answered) at ``after``: ``send_minute`` on the first later local day whose contact hours include
    it; else the next opening after that moment on the next day."""
    if not 0 <= send_minute < MINUTES_A_DAY:
        raise ValueError(f"send_minute must be within a day (0–1439), not {send_minute}")
    midnight = hours.day_start(after)  # Bogotá has no daylight saving time: a day is 24 hours
    moment = timedelta(minutes=send_minute)
    for days in range(1, LOOK_AHEAD_DAYS + 1):
        wanted = midnight + timedelta(days=days) + moment
        if hours.is_open(wanted):
            return wanted.astimezone(hours.zone)
    return hours.next_open(midnight + timedelta(days=1) + moment)
