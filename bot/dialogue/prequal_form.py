"""The pre-qualification form's answers: read one message for the question asked, say what to keep.

``check_answer`` is what ``validate_prequal_form`` runs for the slot the form asked about. It returns
the slot values to set: the parsed answer, or ``None`` plus the reason (a key of
``bot.dialogue.prequal_texts.REASKS``) and one more failed try for that question. The question
actions read the reason to ask again in plain words; after two failed tries they offer a consultant.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from bot.prequal import answers
from bot.prequal.data import PrequalData
from bot.prequal.money import parse_money
from bot.prequal.municipalities import Exact, Likely, NotFound, Unsure, match_municipality
from bot.prequal.names import Doubtful, read_name
from bot.prequal.sectors import match_sector
from bot.text import normalise

FORM_SLOTS: Final = (
    "nombre", "edad", "numero_documento", "municipio", "sector", "meses_negocio", "ventas_mensuales",
    "destino_credito", "monto", "mora",
)  # fmt: skip
DOCUMENT_TYPE: Final = "tipo_documento"
SUGGESTED: Final = "municipio_sugerido"
SUGGESTED_NAME: Final = "nombre_sugerido"
RETRY_REASON: Final = "prequal_reintento"
FAILURES: Final = "prequal_fallos"
PENDING: Final = "solicitud_pendiente"
# Slots that only make sense while the form runs: cleared at a new session and after the result.
TRANSIENT_SLOTS: Final = frozenset({"requested_slot", SUGGESTED, SUGGESTED_NAME, RETRY_REASON, FAILURES})
# Reasons that are a follow-up question rather than a failed try.
NOT_A_FAILURE: Final = frozenset({"municipality_confirm", "document_number_missing", "name_confirm"})

DOCUMENTS_LATER: Final = "utter_documents_after_questions"
FILE_KEPT_LATER: Final = "utter_file_kept_after_questions"
MEDIA_PAYLOAD: Final = "/enviar_documento"  # what Rasa hears for a photo without words (bot/turns.py)
# A message that does not answer the question but clearly asks something else gets that answer, then the
# question again (no failed try counted). An answer that parses is always taken as an answer, whatever
# NLU thought ("abono y semillas" reads as a payment report; it is a loan purpose).
QUESTION_RESPONSES: Final = {
    # Payments: the gateway's answers (claim, ticket) wait until after the questions; said so honestly.
    "ask_payment_info": "utter_payment_info_after_questions",
    "report_payment": "utter_report_payment_after_questions",
    "cannot_pay": "utter_cannot_pay_after_questions",
    "document_status": DOCUMENTS_LATER,
    "request_lesson": "utter_lessons_after_questions",
    "enviar_documento": DOCUMENTS_LATER,
    # The gateway's documents buttons, tapped from an older message (no request exists before the result)
    "documents_status": DOCUMENTS_LATER,
    "documents_sensitive_consent": DOCUMENTS_LATER,
    "documents_formal": DOCUMENTS_LATER,
    "documents_sms_route": DOCUMENTS_LATER,
    "request_loan": "utter_prequal_in_progress",  # "q? no entiendo, yo lo q quiero es un credito"
}
QUESTION_CONFIDENCE: Final = 0.6  # the answer already failed to parse; a wrong guess only costs a re-ask

MIN_AMOUNT: Final = 50_000  # below this people usually meant thousands ("500" for 500 mil)
MAX_AMOUNT: Final = 2_000_000_000
MIN_SALES: Final = 10_000
PURPOSE_MAX_CHARS: Final = 200
YES_PAYLOAD: Final = "/affirm"
NO_PAYLOAD: Final = "/deny"


@dataclass(frozen=True)
class Accepted:
    values: dict[str, Any]


@dataclass(frozen=True)
class Retry:
    reason: str
    extra: dict[str, Any] = field(default_factory=dict)


Check = Accepted | Retry
Entities = Sequence[Mapping[str, Any]]


def check_answer(
    slot: str, text: str, entities: Entities, slots: Mapping[str, Any], data: PrequalData
) -> dict[str, Any]:
    """Slot values for the answer ``text`` to the question about ``slot``."""
    checker = _CHECKERS.get(slot)
    if checker is None:
        raise ValueError(f"{slot!r} is not a question of the pre-qualification form")
    outcome = checker(text.strip(), _entity_values(entities), slots, data)
    if isinstance(outcome, Accepted):
        return {**outcome.values, RETRY_REASON: None, PENDING: True}
    failures = dict(slots.get(FAILURES) or {})
    if outcome.reason not in NOT_A_FAILURE:
        failures[slot] = int(failures.get(slot, 0)) + 1
    return {slot: None, **outcome.extra, RETRY_REASON: outcome.reason, FAILURES: failures}


def answer_on_resume(
    text: str, entities: Entities, slots: Mapping[str, Any], data: PrequalData
) -> dict[str, Any]:
    """Slot values when a form left earlier is resumed by an answer ("1036123456" days later).

    The message answers the first open question when it parses as its answer; otherwise nothing is
    taken and the form simply asks that question again.
    """
    open_slot = next((slot for slot in FORM_SLOTS if slots.get(slot) is None), None)
    if open_slot is None:
        return {}
    values = check_answer(open_slot, text, entities, slots, data)
    return values if values.get(RETRY_REASON) is None else {}


def question_instead(
    values: Mapping[str, Any], intent: Mapping[str, Any] | None, text: str = ""
) -> str | None:
    """The response for another question, when ``values`` (from check_answer) did not take the answer,
    or when ``text`` is another question's button payload ("/documents_status" is never a loan purpose)."""
    if text == MEDIA_PAYLOAD:  # a photo or PDF: the gateway kept it
        return FILE_KEPT_LATER
    if intent and _is_other_button(text) and str(intent.get("name")) in QUESTION_RESPONSES:
        return QUESTION_RESPONSES[str(intent.get("name"))]
    if not values.get(RETRY_REASON) or not intent:
        return None
    if float(intent.get("confidence") or 0) < QUESTION_CONFIDENCE:
        return None
    return QUESTION_RESPONSES.get(str(intent.get("name")))


def _is_other_button(text: str) -> bool:
    """A button payload other than the form's own Sí / No ("/affirm", "/deny")."""
    return text.startswith("/") and text not in (YES_PAYLOAD, NO_PAYLOAD)


def _entity_values(entities: Entities) -> dict[str, str]:
    """The first value NLU found for each entity ({"municipio": "Bello", …})."""
    found: dict[str, str] = {}
    for entity in entities:
        name, value = entity.get("entity"), entity.get("value")
        if isinstance(name, str) and isinstance(value, str):
            found.setdefault(name, value)
    return found


def _from_result(slot: str, result: answers.Result[Any]) -> Check:
    if isinstance(result, answers.Invalid):
        return Retry(result.reason)
    return Accepted({slot: result.value})


def _answer_to_suggestion(
    slot: str, suggested_slot: str, retry: str, text: str, slots: Mapping[str, Any]
) -> Check | None:
    """ "sí" takes the value the bot suggested ("¿Su negocio queda en Bello?"), "no" asks again;
    ``None``: nothing was suggested, or the message is not a yes/no (it is read as a new answer)."""
    suggested = slots.get(suggested_slot)
    answer = yes_no(text) if suggested else None
    if answer is None:
        return None
    if answer:
        return Accepted({slot: suggested, suggested_slot: None})
    return Retry(retry, {suggested_slot: None})


def _name(text: str, entities: dict[str, str], slots: Mapping[str, Any], data: PrequalData) -> Check:
    """A full name; a doubtful one ("Ana", "tienda rosita") is asked back: "¿Su nombre es Ana?"."""
    confirmed = _answer_to_suggestion("nombre", SUGGESTED_NAME, "name_retry", text, slots)
    if confirmed is not None:
        return confirmed
    name = read_name(text, data.names)
    if isinstance(name, Doubtful):
        return Retry("name_confirm", {SUGGESTED_NAME: name.value})
    if isinstance(name, answers.Invalid):
        return Retry(name.reason, {SUGGESTED_NAME: None})
    return Accepted({"nombre": name.value, SUGGESTED_NAME: None})


def _age(text: str, entities: dict[str, str], slots: Mapping[str, Any], data: PrequalData) -> Check:
    return _from_result("edad", answers.parse_age(text))


_ONLY_TYPE: Final = re.compile(r"^[^0-9]*$")


def _document(text: str, entities: dict[str, str], slots: Mapping[str, Any], data: PrequalData) -> Check:
    """ "1036123456" → cc; "PPT 1234567", "CE 987654" → that type. Just "PPT" → asks for the number."""
    kind = answers.parse_document_type(text) or answers.parse_document_type(
        entities.get("tipo_documento", "")
    )
    if kind is not None and _ONLY_TYPE.match(text):
        return Retry("document_number_missing", {DOCUMENT_TYPE: kind})
    kind = kind or slots.get(DOCUMENT_TYPE) or "cc"
    result = answers.parse_document(kind, text)
    if isinstance(result, answers.Invalid):
        return Retry(result.reason)
    return Accepted({"numero_documento": result.value, DOCUMENT_TYPE: kind})


def _municipality(text: str, entities: dict[str, str], slots: Mapping[str, Any], data: PrequalData) -> Check:
    confirmed = _answer_to_suggestion("municipio", SUGGESTED, "municipality_retry", text, slots)
    if confirmed is not None:
        return confirmed
    match = match_municipality(text, data.municipalities)
    if isinstance(match, NotFound) and entities.get("municipio"):
        match = match_municipality(entities["municipio"], data.municipalities)
    if isinstance(match, Exact | Likely):
        return Accepted({"municipio": match.municipality.dane_code, SUGGESTED: None})
    if isinstance(match, Unsure):
        return Retry("municipality_confirm", {SUGGESTED: match.candidates[0].dane_code})
    return Retry("municipality_not_found", {SUGGESTED: None})


def _sector(text: str, entities: dict[str, str], slots: Mapping[str, Any], data: PrequalData) -> Check:
    sector = match_sector(text, data.sectors)
    if sector is None and entities.get("sector"):
        sector = match_sector(entities["sector"], data.sectors)
    return Accepted({"sector": sector.id}) if sector else Retry("unknown_sector")


def _months(text: str, entities: dict[str, str], slots: Mapping[str, Any], data: PrequalData) -> Check:
    return _from_result("meses_negocio", answers.parse_months(text))


def _sales(text: str, entities: dict[str, str], slots: Mapping[str, Any], data: PrequalData) -> Check:
    if normalise(text) in {"0", "cero", "nada", "no vendo", "no vendo nada"}:
        return Accepted({"ventas_mensuales": 0})
    return _pesos("ventas_mensuales", text, entities, MIN_SALES, ("sales_not_an_amount", "sales_too_small"))


def _purpose(text: str, entities: dict[str, str], slots: Mapping[str, Any], data: PrequalData) -> Check:
    words = normalise(text)
    if sum(ch.isalpha() for ch in words) < 3:
        return Retry("purpose_unclear")
    return Accepted({"destino_credito": " ".join(text.split())[:PURPOSE_MAX_CHARS]})


def _amount(text: str, entities: dict[str, str], slots: Mapping[str, Any], data: PrequalData) -> Check:
    return _pesos("monto", text, entities, MIN_AMOUNT, ("not_an_amount", "amount_too_small"))


def _arrears(text: str, entities: dict[str, str], slots: Mapping[str, Any], data: PrequalData) -> Check:
    answer = has_arrears(text)
    return Retry("not_yes_no") if answer is None else Accepted({"mora": answer})


def _pesos(slot: str, text: str, entities: dict[str, str], minimum: int, reasons: tuple[str, str]) -> Check:
    """An amount of pesos between ``minimum`` and MAX_AMOUNT; ``reasons``: (not an amount, too small)."""
    amount = parse_money(text)
    if amount is None and entities.get("monto"):
        amount = parse_money(entities["monto"])
    if amount is None:
        return Retry(reasons[0])
    if amount < minimum:
        return Retry(reasons[1])
    if amount > MAX_AMOUNT:
        return Retry("amount_too_big")
    return Accepted({slot: amount})


def yes_no(text: str) -> bool | None:
    """A yes/no answer, typed or tapped (the Sí/No buttons send /affirm and /deny)."""
    if text == YES_PAYLOAD:
        return True
    if text == NO_PAYLOAD:
        return False
    return answers.parse_yes_no(text)


_NO_DEBT: Final = re.compile(r"^(?:no|nada|ninguna?|tampoco|nunca)\b|\bal dia\b|\bpaz y salvo\b")
_DEBT: Final = re.compile(r"^si\b|\b(?:debo|atrasad[oa]s?|en mora|me atrase|estoy colgad[oa])\b")


def has_arrears(text: str) -> bool | None:
    """ "no", "no tengo deudas", "estoy al día" → False; "sí", "debo 2 cuotas" → True; else None."""
    answer = yes_no(text)
    if answer is not None:
        return answer
    words = normalise(text)
    if _NO_DEBT.search(words):
        return False
    if _DEBT.search(words):
        return True
    return None


_Checker = Callable[[str, dict[str, str], Mapping[str, Any], PrequalData], Check]
_CHECKERS: Final[dict[str, _Checker]] = {
    "nombre": _name,
    "edad": _age,
    "numero_documento": _document,
    "municipio": _municipality,
    "sector": _sector,
    "meses_negocio": _months,
    "ventas_mensuales": _sales,
    "destino_credito": _purpose,
    "monto": _amount,
    "mora": _arrears,
}
