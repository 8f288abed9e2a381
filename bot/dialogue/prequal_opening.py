"""The loan form's answers a person already gave before it started ("2 palos pa comprar un horno …").

Ley 1581: nothing is read from those messages before consent. Their words stay where every message
already is (the dialogue's own log), and when the form starts — after consent — ``request_texts``
finds the person's messages since the form last ran, and ``answers_in_messages`` reads them with the
form's own checks (``check_answer``), so a value taken from a first message is the value the same words
typed as the answer would give. The form then does not ask those questions again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

from bot.dialogue.prequal_form import FORM_SLOTS, RETRY_REASON, check_answer
from bot.dialogue.prequal_texts import pesos
from bot.prequal.data import PrequalData
from bot.prequal.opening import find_phrases

# Set by action_read_loan_request: the message NLU did not take for a loan request asks for one.
ASKS_FOR_A_LOAN: Final = "pide_credito"
# Messages that may carry what the form asks: a loan request, an answer-like message, one NLU was
# unsure of. Button payloads ("/request_loan") carry nothing.
REQUEST_INTENTS: Final = frozenset({"request_loan", "inform", "nlu_fallback"})
# Looking back stops where an earlier form ran, ended or was declined, and at a new session.
_LOOK_BACK_STOPS: Final = frozenset(
    {"action_prequal_result", "action_decline_consent", "action_session_start"}
)
MAX_MESSAGES: Final = 4


def request_texts(events: Sequence[Mapping[str, Any]]) -> list[str]:
    """The person's own words since the loan form last ran, oldest first (at most MAX_MESSAGES)."""
    texts: list[str] = []
    for event in reversed(events):
        kind = event.get("event")
        if kind == "active_loop" or (kind == "action" and event.get("name") in _LOOK_BACK_STOPS):
            break
        if kind != "user":
            continue
        text = str(event.get("text") or "").strip()
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        if text and not text.startswith("/") and intent in REQUEST_INTENTS:
            texts.append(text)
            if len(texts) == MAX_MESSAGES:
                break
    return texts[::-1]


def answers_in_messages(texts: Iterable[str], slots: Mapping[str, Any], data: PrequalData) -> dict[str, Any]:
    """Form answers found in ``texts``; a later message wins over an earlier one."""
    found: dict[str, Any] = {}
    for text in texts:
        found |= answers_in(text, {**slots, **found}, data)
    return found


def answers_in(text: str, slots: Mapping[str, Any], data: PrequalData) -> dict[str, Any]:
    """The answers one message gives: each phrase must pass the check its typed answer would."""
    phrases = find_phrases(text, data.municipalities, data.sectors)
    found: dict[str, Any] = {}
    amounts = {value for phrase in phrases.amounts if (value := _accepted("monto", phrase, slots, data))}
    if len(amounts) == 1:  # two amounts ("1 o 2 millones"): the form asks
        found["monto"] = amounts.pop()
    candidates = {
        "destino_credito": phrases.purpose,
        "sector": phrases.sector,
        "municipio": phrases.municipality,
        "nombre": phrases.name,
    }
    for slot, phrase in candidates.items():
        value = _accepted(slot, phrase, slots, data) if phrase else None
        if value is not None:
            found[slot] = value
    return found


def _accepted(slot: str, phrase: str, slots: Mapping[str, Any], data: PrequalData) -> Any:
    values = check_answer(slot, phrase, [], slots, data)
    return None if values.get(RETRY_REASON) else values.get(slot)


def noted(found: Mapping[str, Any], data: PrequalData) -> str:
    """What the person can check at a glance: "$2.000.000, Alimentos/restaurante, Bello" ("" if none)."""
    shown: list[str] = []
    if found.get("monto"):
        shown.append(pesos(int(found["monto"])))
    sector = data.sectors.by_id(str(found.get("sector") or ""))
    if sector is not None:
        shown.append(sector.label)
    municipality = data.municipalities.by_code(str(found.get("municipio") or ""))
    if municipality is not None:
        shown.append(municipality.name)
    return ", ".join(shown)


def questions_left(slots: Mapping[str, Any]) -> int:
    return sum(1 for slot in FORM_SLOTS if slots.get(slot) is None)
