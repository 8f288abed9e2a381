"""An offset that puts a process's contact hours (Ley 2300 de 2023) open whatever the real time, for
tests of proactive sends (the reopen template) through a real worker process."""

from __future__ import annotations

from datetime import timedelta

from bot.contact_hours import CONTACT_HOURS_FILE, load_contact_hours
from bot.db.models import utcnow
from bot.settings import Settings

MARGIN = timedelta(minutes=5)  # open at least this long from the shifted "now"


def contact_hours_offset_s(settings: Settings) -> float:
    """``CONTACT_HOURS_OFFSET_S``: seconds to add to the real clock so the hours are open for a while;
    0 when they are open now and stay open for ``MARGIN``."""
    hours = load_contact_hours(settings.data_dir / CONTACT_HOURS_FILE)
    now = utcnow()
    target = hours.next_open(now)
    while not hours.is_open(target + MARGIN):
        target = hours.next_open(target + MARGIN)
    return (target - now).total_seconds()
