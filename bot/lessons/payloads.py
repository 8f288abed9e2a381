"""The gateway's own buttons in the learner's conversation (answered by bot/lessons/turn.py, never by
Rasa), besides the course and quiz buttons of bot/lessons/delivery.py:

- ``/lesson_consent{"accepted":"si"|"no"}``: the authorisation to keep a learner's progress;
- ``/lesson_rhythm{"said":"manana"}``: a rhythm button; its value is read by
  ``bot.lessons.answers.rhythm_choice`` exactly as if the person had written it;
- ``/lesson_leave{"leave":"si"|"no"}``: the confirmation of "dejar el curso".

The yes/no payloads carry one entity whose value is "si" or "no", so a typed "sí" or "no" picks the
right button (bot/menus.py ``yes_no_option``).
"""

from __future__ import annotations

import json
import re

_PAYLOAD = re.compile(
    r"/(?P<intent>lesson_consent|lesson_rhythm|lesson_leave)(?P<entities>\{.*\})", re.DOTALL
)


def _payload(intent: str, key: str, value: str) -> str:
    return f"/{intent}" + json.dumps({key: value}, separators=(",", ":"))


def consent_payload(accepted: bool) -> str:
    return _payload("lesson_consent", "accepted", "si" if accepted else "no")


def rhythm_payload(said: str) -> str:
    return _payload("lesson_rhythm", "said", said)


def leave_payload(leave: bool) -> str:
    return _payload("lesson_leave", "leave", "si" if leave else "no")


def parse_payload(payload: str) -> tuple[str, str] | None:
    """(intent, its one value) of one of the payloads above; ``None`` for anything else."""
    match = _PAYLOAD.fullmatch(payload.strip())
    if match is None:
        return None
    try:
        entities = json.loads(match["entities"])
    except ValueError:
        return None
    if not isinstance(entities, dict) or len(entities) != 1:
        return None
    value = next(iter(entities.values()))
    return (match["intent"], value) if isinstance(value, str) else None
