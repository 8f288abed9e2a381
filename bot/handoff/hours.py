"""Hand-off requests: when a consultant will answer (office hours from data/) and what we tell the user.

Pure functions over a validated ``OfficeHours`` (weekly hours closed on holidays: ``bot.weekly_hours``,
shared with the contact hours of ``bot.contact_hours``); the wait while the office is open comes from the
queue (``bot.handoff.wait``); tickets are in ``bot.handoff.tickets``.
"""

from __future__ import annotations

from datetime import datetime, time
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.weekly_hours import WeeklyHours

DIAS = ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo")


class HandoffReplies(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    open: str = Field(min_length=1, max_length=300)
    closed: str = Field(min_length=1, max_length=300)

    @field_validator("open", "closed")
    @classmethod
    def _says_when(cls, text: str) -> str:
        if "{when}" not in text:
            raise ValueError("the reply must say {when} a consultant will write")
        return text


class OfficeHours(WeeklyHours):
    """When consultants answer (data/office_hours.yml) and what the person is told about it."""

    replies: HandoffReplies

    def closing_today(self, now: datetime) -> datetime | None:
        """When the office closes today (local time), or ``None`` when it does not open today."""
        local = now.astimezone(self.zone)
        hours = self.hours_on(local.date())
        return None if hours is None else datetime.combine(local.date(), hours[1], self.zone)


def handoff_reply(
    hours: OfficeHours, now: datetime, *, wait: str, replies: HandoffReplies | None = None
) -> str:
    """What the person is told when a consultant is asked to write (``replies``: other wording).

    ``wait`` says when, while the office is open ("en unos 20 minutos", from the queue); when it is
    closed, the reply says when it opens.
    """
    replies = replies or hours.replies
    opening = hours.next_opening(now)
    if opening is None:
        return fill_when(replies.open, wait)
    return fill_when(replies.closed, describe_when(opening, now.astimezone(hours.zone)))


def fill_when(template: str, when: str) -> str:
    """``template`` with ``{when}``; one period where the time ends the sentence ("a. m.", not "a. m..")."""
    if when.endswith("."):
        template = template.replace("{when}.", "{when}")
    return template.format(when=when)


def clock(moment: datetime | time) -> str:
    """ "8:00 a. m.", "6:00 p. m.", "12:30 p. m." """
    hour = moment.hour % 12 or 12
    suffix = "a. m." if moment.hour < 12 else "p. m."
    return f"{hour}:{moment.minute:02d} {suffix}"


def describe_when(opening: datetime, now: datetime) -> str:
    """ "hoy desde las 8:00 a. m.", "mañana desde las 8:00 a. m.", "el lunes desde las 8:00 a. m." """
    days = (opening.date() - now.date()).days
    if days == 0:
        day = "hoy"
    elif days == 1:
        day = "mañana"
    else:
        day = f"el {DIAS[opening.weekday()]}"
    return f"{day} desde las {clock(opening)}"


class FailureReplies(BaseModel):
    """data/failures.yml: the apology after a message the bot could not answer."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    apology: HandoffReplies


def load_failure_replies(path: Path) -> FailureReplies:
    return FailureReplies.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def load_office_hours(path: Path) -> OfficeHours:
    return OfficeHours.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
