"""The end of the pre-qualification form: evaluate the answers, say the result, store it, start clean."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from bot.dialogue.consent import COMMAND_KEY
from bot.dialogue.prequal_form import DOCUMENT_TYPE, FORM_SLOTS, PENDING, TRANSIENT_SLOTS
from bot.dialogue.prequal_texts import result_message
from bot.loan_terms.answer import PREQUALIFIED_SLOT
from bot.prequal.data import PrequalData
from bot.prequal.rules import Applicant, Evaluation, evaluate

RECORD_COMMAND: Final = "record_prequal"


class MissingAnswers(ValueError):
    """The form ended without every answer (it should not: the form asks until each is filled)."""


@dataclass(frozen=True)
class PrequalOutcome:
    text: str  # what the person reads
    command: dict[str, Any]  # for the gateway, which stores the evaluation (audit trail)
    reset: dict[str, Any]  # slot values for a clean start next time


def applicant_from_slots(slots: Mapping[str, Any]) -> Applicant:
    missing = [slot for slot in FORM_SLOTS if slots.get(slot) is None]
    if missing:
        raise MissingAnswers(f"unanswered: {', '.join(missing)}")
    return Applicant(
        age=int(slots["edad"]),
        document_type=str(slots.get(DOCUMENT_TYPE) or "cc"),
        municipality_code=str(slots["municipio"]),
        sector=str(slots["sector"]),
        months_operating=int(slots["meses_negocio"]),
        monthly_sales=int(slots["ventas_mensuales"]),
        loan_purpose=str(slots["destino_credito"]),
        amount_requested=int(slots["monto"]),
        has_arrears=bool(slots["mora"]),
    )


def prequal_outcome(slots: Mapping[str, Any], data: PrequalData) -> PrequalOutcome:
    """Evaluate the form's answers against data/prequal_rules.yml."""
    evaluation = evaluate(applicant_from_slots(slots), data.rules)
    answers = {slot: slots.get(slot) for slot in (*FORM_SLOTS, DOCUMENT_TYPE)}
    command = {COMMAND_KEY: RECORD_COMMAND, "answers": answers, "evaluation": evaluation.to_dict()}
    # requested_slot is Rasa's own: the form clears it when it ends.
    reset: dict[str, Any] = dict.fromkeys((*FORM_SLOTS, DOCUMENT_TYPE, *TRANSIENT_SLOTS - {"requested_slot"}))
    reset[PENDING] = False
    reset[PREQUALIFIED_SLOT] = offered_credit(evaluation, int(slots["monto"]))
    return PrequalOutcome(result_message(evaluation, slots.get("nombre")), command, reset)


def offered_credit(evaluation: Evaluation, amount_requested: int) -> dict[str, Any] | None:
    """The product and amount a "prequalified" result spoke of (the amount asked, within the range), so
    that "¿y cuánto pagaría al mes?" afterwards is about that credit; None for "not yet"."""
    if evaluation.product is None or evaluation.indicative_range is None:
        return None
    low, high = evaluation.indicative_range
    return {"producto": evaluation.product.id, "monto": min(max(amount_requested, low), high)}
