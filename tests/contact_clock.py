"""Contact hours (Ley 2300 de 2023) that are open whatever the real time, for tests of proactive sends
(the reopen template) that run on the real clock: in a worker process (``CONTACT_HOURS_OFFSET_S``) or
in this one (:func:`open_now`)."""

from __future__ import annotations

from datetime import timedelta

from bot.contact_hours import CONTACT_HOURS_FILE, ContactHours, load_contact_hours
from bot.db.models import utcnow
from bot.settings import Settings

MARGIN = timedelta(minutes=5)  # open at least this long from the shifted "now"


def offset_to_open(hours: ContactHours) -> timedelta:
    """What to add to the real clock so the hours are open for a while; 0 when they are open now and
    stay open for ``MARGIN``."""
    now = utcnow()
    target = hours.next_open(now)
    while not hours.is_open(target + MARGIN):
        target = hours.next_open(target + MARGIN)
    return target - now


def contact_hours_offset_s(settings: Settings) -> float:
    """``CONTACT_HOURS_OFFSET_S`` for a worker process started with these settings."""
    return offset_to_open(load_contact_hours(settings.data_dir / CONTACT_HOURS_FILE)).total_seconds()


def open_now(hours: ContactHours) -> ContactHours:
    return hours.shifted(offset_to_open(hours))
