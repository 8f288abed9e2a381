"""The rhythm a learner picks in answer to "¿Cuándo quiere la próxima lección?". A pure function.

A moment of the day makes the course daily, at ``send_minute`` minutes after local midnight (Bogotá):

- "mañana" is 09:00, "tarde" 14:00, "noche" 18:00: 18:00 is the last full hour the contact hours
  allow (Ley 2300 de 2023 and data/contact_hours.yml close at 19:00 on weekdays), so "noche" is as
  late as the law lets a lesson go (an hour before the latest closing, if a stricter file closes
  earlier);
- an hour: "a las 7", "7:30", "3 pm", "3 de la tarde", "15:00". An hour without am/pm ("a las 3")
  takes the reading the contact hours allow (15:00, not 03:00); an hour no opening of any weekday
  allows ("a las 9 de la noche", "5 am") is an :class:`HourOutside`, for the caller to explain.
  A bare number 1–10 is NOT an hour: it is a menu number, which the caller maps;
- "cuando yo la pida", "yo le escribo", "a demanda" make the course on demand ("siguiente").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal

from bot.contact_hours import ContactHours
from bot.menus import menu_number
from bot.text import normalise

MORNING_MINUTE: Final = 9 * 60
AFTERNOON_MINUTE: Final = 14 * 60
EVENING_MINUTE: Final = 18 * 60  # the last full hour before the contact hours close (19:00)


@dataclass(frozen=True, slots=True)
class Rhythm:
    kind: Literal["daily", "on_demand"]
    send_minute: int | None  # daily only: minutes after local midnight (Bogotá)


@dataclass(frozen=True, slots=True)
class HourOutside:
    asked_minute: int  # the hour the person asked for, outside every opening of the contact hours


_ON_DEMAND: Final = re.compile(
    r"\bcuando (yo )?(la |las |se la |le )?(pida|pido|diga|quiera|necesite|escriba|avise)\b"
    r"|\bcuando (yo )?(tenga tiempo|pueda)\b|\byo (le |la |les )?(escribo|aviso|pido|digo)\b"
    r"|\ba demanda\b|\ba mi (ritmo|tiempo|gusto)\b"
)
_HOUR_WORDS: Final = {
    "una": 1, "uno": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6, "siete": 7,
    "ocho": 8, "nueve": 9, "diez": 10, "once": 11, "doce": 12,
}  # fmt: skip
_NUMBER: Final = r"(?P<hour>[0-9]{1,2}|" + "|".join(_HOUR_WORDS) + r")"
_HOUR: Final = re.compile(
    _NUMBER
    + r"(?:(?: |h| y )(?P<minute>[0-5][0-9])\b| y (?P<half>media)| y (?P<quarter>cuarto)"
    + r"| menos (?P<less>cuarto|[0-5]?[0-9]))?"
    + r"(?: ?(?P<am>a ?m)\b| ?(?P<pm>p ?m)\b| (?:de|en|por) la (?P<period>manana|madrugada|tarde|noche))?"
    + r"(?: ?(?:h|hrs|horas)\b)?"
)
_PERIOD_ANYWHERE: Final = re.compile(r"\b(?:en|por|de) la (?P<period>manana|madrugada|tarde|noche)\b")
_MARKED: Final = re.compile(r"\b(a )?(las|la) $")  # "a las 7", "la una": the number is an hour
_PERIODS: Final = {
    "manana": MORNING_MINUTE, "mananas": MORNING_MINUTE, "temprano": MORNING_MINUTE,
    "tarde": AFTERNOON_MINUTE, "tardes": AFTERNOON_MINUTE,
    "noche": EVENING_MINUTE, "noches": EVENING_MINUTE, "nochecita": EVENING_MINUTE,
    "mediodia": 12 * 60,
}  # fmt: skip


def rhythm_choice(text: str, hours: ContactHours) -> Rhythm | HourOutside | None:
    """The rhythm a learner picked in answer to "¿cuándo quiere la próxima lección?", or None."""
    message = normalise(text).replace("medio dia", "mediodia")
    if not message or menu_number(message) is not None:
        return None
    if _ON_DEMAND.search(message):
        return Rhythm("on_demand", None)
    asked = _asked_minutes(message)
    if asked is not None:
        allowed = [minute for minute in asked if _allowed(minute, hours)]
        return Rhythm("daily", allowed[0]) if allowed else HourOutside(asked[0])
    words = message.split()
    periods = {_PERIODS[word] for word in words if word in _PERIODS}
    if len(periods) == 1 and set(words) <= _PERIOD_GLUE | set(_PERIODS):
        minute = periods.pop()
        if minute == EVENING_MINUTE:  # "noche": as late as the contact hours allow, never later
            minute = min(minute, _last_closing(hours) - 60)
        return Rhythm("daily", minute) if _allowed(minute, hours) else HourOutside(minute)
    return None


# Words that may surround a moment of the day: "por la mañana", "mejor en las tardes", "todos los días
# al mediodía". Any other word ("más tarde", "buenas tardes", "mañana no puedo") makes it no answer.
_PERIOD_GLUE: Final = frozenset(
    {"en", "la", "las", "por", "de", "a", "al", "mejor", "prefiero", "quiero", "que", "sea", "me", "queda",
     "todas", "todos", "los", "cada", "dia", "dias", "bien", "si", "ok", "entonces", "pues", "listo", "y",
     "temprano", "o"}
)  # fmt: skip


def _asked_minutes(message: str) -> list[int] | None:
    """The minutes an hour in the message can mean, the literal reading first; None without an hour."""
    for match in _HOUR.finditer(message):
        if match.start() and message[match.start() - 1] != " ":
            continue
        if match.end() < len(message) and message[match.end()].isalnum():
            continue
        raw = match["hour"]
        hour = _HOUR_WORDS[raw] if raw in _HOUR_WORDS else int(raw)
        minute = int(match["minute"] or 0) + (30 if match["half"] else 15 if match["quarter"] else 0)
        if match["less"]:  # "7 menos cuarto" is 6:45
            hour, minute = hour - 1, 60 - (15 if match["less"] == "cuarto" else int(match["less"]))
        marked = any(match[name] for name in ("minute", "half", "quarter", "less", "am", "pm", "period"))
        marked = marked or bool(_MARKED.search(message[: match.start()]))
        if not marked and not (raw.isdigit() and 11 <= int(raw) <= 23):
            continue  # "dos" or "3" alone: a count or a menu number, not an hour
        if hour > 23:
            return None
        elsewhere = _PERIOD_ANYWHERE.search(message)  # "en la tarde, a las 4"
        period = match["period"] or (elsewhere["period"] if elsewhere else None)
        if match["am"] or period in ("manana", "madrugada"):
            if hour > 12:
                return None
            return [(hour % 12) * 60 + minute]
        if match["pm"] or period in ("tarde", "noche"):
            if hour > 12:
                return [hour * 60 + minute]
            return [(hour % 12 + 12) * 60 + minute] if not (period == "noche" and hour == 12) else [minute]
        if hour >= 13 or hour == 0:
            return [hour * 60 + minute]
        return [hour * 60 + minute, ((hour % 12) + 12) * 60 + minute]
    return None


def _allowed(minute: int, hours: ContactHours) -> bool:
    """Whether a lesson at this minute falls inside the opening of at least one weekday."""
    return any(
        start.hour * 60 + start.minute <= minute < end.hour * 60 + end.minute
        for start, end in hours.opening_hours.values()
    )


def _last_closing(hours: ContactHours) -> int:
    return max(end.hour * 60 + end.minute for _, end in hours.opening_hours.values())
