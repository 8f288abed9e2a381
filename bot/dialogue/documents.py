"""Documents messages as gateway commands (issue 11's contract): which command, with which answer.

The checklist lives in the database, so the actions only say what the person answered; the gateway
(bot/commands.py) writes the words. An answer that cannot be read (a typed "tal vez" that reached the
action without a button payload) becomes ``documents_status``: the gateway then shows the checklist
and asks its question again, instead of guessing a yes or a no.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Final

from bot.dialogue.consent import COMMAND_KEY
from bot.prequal.answers import parse_yes_no
from bot.text import normalise

STATUS: Final = "documents_status"
SENSITIVE_CONSENT: Final = "documents_sensitive_consent"
FORMAL: Final = "documents_formal"
SMS_ROUTE: Final = "documents_sms_route"
ROUTES: Final = ("relative", "office", "call")

Command = dict[str, Any]
Entities = Sequence[Mapping[str, Any]]

# Entity values of the gateway's buttons ({"accepted": "si"}); a few spellings, in case a hand-typed
# payload or another client sends them.
_YES_VALUES: Final = frozenset({"si", "yes", "true", "1"})
_NO_VALUES: Final = frozenset({"no", "false", "0"})
# Typed words, read only when no payload entity came with the message.
_INFORMAL: Final = re.compile(r"\binformal\b|\bno (?:tengo|tiene|tenemos|hay) (?:rut|camara)\b|\bsin rut\b")
_FORMAL: Final = re.compile(r"\b(?:tengo|tiene|tenemos|con) (?:el )?rut\b|\bformal\b|\bregistrad[oa]\b")
_ROUTE_WORDS: Final = (
    ("relative", re.compile(r"\b(?:familiar|hij[oa]s?|sobrin[oa]|herman[oa]|vecin[oa]|whatsapp|codigo)\b")),
    ("office", re.compile(r"\b(?:oficina|sucursal|sede|llevo|llevarlos|llevar|personalmente)\b")),
    ("call", re.compile(r"\b(?:llam\w*|llamada|telefono)\b")),
)


def status_command() -> Command:
    """ "¿Qué documentos necesito?", "¿qué me falta?", a file: the checklist from the database."""
    return {COMMAND_KEY: STATUS}


def sensitive_consent_command(entities: Entities, text: str) -> Command:
    """The answer to the sensitive-data question (Ley 1581 art. 6) before the first ID photo."""
    accepted = _yes_no(_entity(entities, "accepted"), text)
    if accepted is None:
        return status_command()
    return {COMMAND_KEY: SENSITIVE_CONSENT, "accepted": accepted}


def formal_command(entities: Entities, text: str) -> Command:
    """Whether the business is registered (the RUT is asked only if it is)."""
    formal = _yes_no(_entity(entities, "formal"), text)
    if formal is None:
        formal = _formal_in_words(text)
    if formal is None:
        return status_command()
    return {COMMAND_KEY: FORMAL, "formal": formal}


def sms_route_command(entities: Entities, text: str) -> Command:
    """How a person on SMS gets the photos to us: a relative's WhatsApp, the office, or a call."""
    route = _entity(entities, "route")
    if route not in ROUTES:
        route = _route_in_words(text)
    if route is None:
        return status_command()
    return {COMMAND_KEY: SMS_ROUTE, "route": route}


def _entity(entities: Entities, name: str) -> str | None:
    for entity in entities:
        value = entity.get("value")
        if entity.get("entity") == name and value is not None:
            return normalise(str(value))
    return None


def _yes_no(value: str | None, text: str) -> bool | None:
    if value in _YES_VALUES:
        return True
    if value in _NO_VALUES:
        return False
    if value is not None or text.startswith("/"):
        return None  # an unknown button value is not a typed yes
    return parse_yes_no(text)


def _formal_in_words(text: str) -> bool | None:
    words = normalise(text)
    if _INFORMAL.search(words):
        return False
    if _FORMAL.search(words):
        return True
    return None


def _route_in_words(text: str) -> str | None:
    if text.startswith("/"):
        return None
    words = normalise(text)
    found = [route for route, pattern in _ROUTE_WORDS if pattern.search(words)]
    return found[0] if len(found) == 1 else None
