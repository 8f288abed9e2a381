"""What the pre-qualification form says: the next question (or a re-ask), where it starts, the result.

Plain Spanish, "usted", short: every text here must fit the SMS budget once folded to GSM-7
(tests/unit/dialogue check it). The first time a question is asked it is the domain's
``utter_ask_<slot>`` (with its per-channel variations); a re-ask is a text from ``REASKS``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from bot.dialogue.prequal_form import (
    FAILURES,
    FORM_SLOTS,
    NO_PAYLOAD,
    RETRY_REASON,
    SUGGESTED,
    SUGGESTED_NAME,
    YES_PAYLOAD,
)
from bot.prequal.answers import REASK
from bot.prequal.data import PrequalData
from bot.prequal.rules import Evaluation

REASKS: Final[dict[str, str]] = {
    **REASK,
    "document_number_missing": "Gracias. Ahora escriba también el número del documento, "
    "por ejemplo: PPT 1234567.",
    "municipality_not_found": "No encontré ese municipio. ¿En qué municipio queda su negocio? "
    "Escriba solo el nombre, por ejemplo: Bello.",
    "municipality_retry": "Entendido. ¿En qué municipio queda su negocio? Escriba el nombre completo.",
    "unknown_sector": "No reconocí la actividad de su negocio. Escoja la más parecida:",
    "sales_not_an_amount": "No entendí el valor. ¿Cuánto vende en un mes? "
    "Escríbalo así: 800.000 o 3 millones.",
    "sales_too_small": "¿Cuánto es en pesos? Escriba el valor completo de lo que vende en un mes, "
    "por ejemplo 800.000.",
    "amount_too_small": "¿Cuánto es en pesos? Escriba el valor completo, por ejemplo 500.000 o 2 millones.",
    "amount_too_big": "Ese valor parece muy alto. ¿Lo puede escribir otra vez? Por ejemplo: 2 millones.",
    "purpose_unclear": "Cuénteme en pocas palabras para qué usaría el crédito. "
    "Por ejemplo: comprar mercancía.",
}
ADVISOR_OFFER: Final = "Si prefiere, escriba ASESOR y una persona le ayuda."
ASK_ADVISOR: Final = "Para hablar con un asesor, escriba ASESOR."
OFFER_AFTER_FAILURES: Final = 2
FIRST_NAME_MAX: Final = 15  # a longer first name is left out of the result's greeting
YES_NO_BUTTONS: Final = ({"title": "Sí", "payload": YES_PAYLOAD}, {"title": "No", "payload": NO_PAYLOAD})


@dataclass(frozen=True)
class Utterance:
    """One bot message: a domain response, or text with optional buttons."""

    response: str | None = None
    text: str | None = None
    buttons: tuple[dict[str, str], ...] = field(default_factory=tuple)


def question_for(slot: str, slots: Mapping[str, Any], data: PrequalData) -> Utterance:
    """What to ask for ``slot`` now: the question, a confirmation, or a re-ask (+ a consultant offer)."""
    if slot not in FORM_SLOTS:
        raise ValueError(f"{slot!r} is not a question of the pre-qualification form")
    suggested = data.municipalities.by_code(str(slots.get(SUGGESTED) or ""))
    if slot == "municipio" and suggested is not None:
        return Utterance(text=f"¿Su negocio queda en {suggested.label}?", buttons=YES_NO_BUTTONS)
    if slot == "nombre" and slots.get(SUGGESTED_NAME):
        name = str(slots[SUGGESTED_NAME])
        return Utterance(text=data.names.confirm.format(name=name), buttons=YES_NO_BUTTONS)
    reason = slots.get(RETRY_REASON)
    reasks = {**REASKS, **data.names.reasks}
    if not reason or reason not in reasks:
        return Utterance(response=f"utter_ask_{slot}")
    text = reasks[reason]
    failures = int((slots.get(FAILURES) or {}).get(slot, 0))
    if failures >= OFFER_AFTER_FAILURES:
        text = with_advisor_offer(text)
    buttons: tuple[dict[str, str], ...] = ()
    if reason == "unknown_sector":
        buttons = tuple({"title": s.label, "payload": s.label} for s in data.sectors.sectors)
    elif reason == "not_yes_no":
        buttons = YES_NO_BUTTONS
    return Utterance(text=text, buttons=buttons)


def with_advisor_offer(text: str) -> str:
    """The re-ask with the consultant offer; a re-ask that leads into a menu ("Escoja la más parecida:")
    keeps its lead-in last, right before the options."""
    if not text.endswith(":"):
        return f"{text} {ADVISOR_OFFER}"
    head, _, lead_in = text.rpartition(". ")
    return f"{head}. {ADVISOR_OFFER} {lead_in}" if head else f"{ADVISOR_OFFER} {text}"


def start_message(slots: Mapping[str, Any]) -> str:
    """Said when the form starts: how long it takes, or, coming back, where the person left off."""
    answered = sum(1 for slot in FORM_SLOTS if slots.get(slot) is not None)
    total = len(FORM_SLOTS)
    if answered == 0:
        return f"Le haré {total} preguntas cortas para saber qué crédito le sirve. Son unos 3 minutos."
    if answered == total - 1:
        return "Seguimos con su solicitud donde la dejó: solo falta una pregunta."
    return f"Seguimos con su solicitud donde la dejó: ya tengo {answered} de {total} respuestas."


def pesos(amount: int) -> str:
    """2500000 → "$2.500.000" (Colombian thousands separator)."""
    return "$" + f"{amount:,}".replace(",", ".")


def result_message(evaluation: Evaluation, name: str | None) -> str:
    """The result in plain words: a product and its indicative range, or "todavía no", why and what next."""
    first = name.split()[0] if name and name.split() else ""
    first = first if len(first) <= FIRST_NAME_MAX else ""  # the result must fit its SMS budget
    if evaluation.outcome == "prequalified" and evaluation.product and evaluation.indicative_range:
        low, high = evaluation.indicative_range
        opening = f"¡Buenas noticias, {first}!" if first else "¡Buenas noticias!"
        notes = " ".join(evaluation.notes[:1])
        amounts = f"por {pesos(low)}" if low == high else f"de {pesos(low)} a {pesos(high)}"
        text = (
            f"{opening} Su negocio puede aplicar al {evaluation.product.name}, {amounts}. {notes} "
            "Es una precalificación, no la aprobación. Un asesor le escribirá para seguir."
        )
        return " ".join(text.split())
    decision = evaluation.decision
    if decision is None:
        raise ValueError("a not_yet evaluation carries the deciding rule")
    opening = f"{first}, por ahora" if first else "Por ahora"
    why = f"{decision.explanation} {decision.next_step}"
    return f"{opening} no podemos seguir con el crédito. {why} {ASK_ADVISOR}"


def advisor_was_offered(slots: Mapping[str, Any]) -> bool:
    """The question being asked was answered wrong twice, so the re-ask offered a consultant: a
    request now is the person accepting that offer (ticket reason ``offered_after_retries``)."""
    asked = slots.get("requested_slot")
    failures = slots.get(FAILURES) or {}
    return (
        bool(asked) and isinstance(failures, Mapping) and int(failures.get(asked, 0)) >= OFFER_AFTER_FAILURES
    )
