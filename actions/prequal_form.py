"""The loan pre-qualification form: ``validate_prequal_form``, the questions, its start and its result.

Thin wrappers: the answers are read by ``bot.dialogue.prequal_form``, the words come from
``bot.dialogue.prequal_texts`` and the evaluation from ``bot.dialogue.prequal_result``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from functools import cache
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.dialogue.prequal_form import (
    FAILURES,
    FORM_SLOTS,
    PENDING,
    RETRY_REASON,
    SUGGESTED,
    SUGGESTED_NAME,
    answer_on_resume,
    check_answer,
    question_instead,
)
from bot.dialogue.prequal_opening import (
    ASKS_FOR_A_LOAN,
    answers_in_messages,
    noted,
    questions_left,
    request_texts,
)
from bot.dialogue.prequal_result import MissingAnswers, prequal_outcome
from bot.dialogue.prequal_texts import question_for, start_message
from bot.logs import get_logger
from bot.prequal.data import PrequalData, load_prequal_data
from bot.settings import Settings

log = get_logger(__name__)
Slots = dict[str, Any]


@cache
def prequal_data() -> PrequalData:
    """Loaded once per action server process, on first use (never at import)."""
    return load_prequal_data(Settings().data_dir)


class ValidatePrequalForm(FormValidationAction):  # type: ignore[misc]  # rasa_sdk ships no py.typed
    """Each answer is read from the whole message for the question the form asked."""

    def name(self) -> str:
        return "validate_prequal_form"

    def _check(self, slot: str, tracker: Tracker, dispatcher: CollectingDispatcher) -> Slots:
        if tracker.get_slot("requested_slot") != slot:
            # Rasa re-validates answers kept from before when the form starts again: they were checked
            # when given, and this message ("/request_loan") is not an answer to them.
            return {slot: tracker.get_slot(slot)}
        message = tracker.latest_message or {}
        text = str(message.get("text") or "")
        values = check_answer(slot, text, message.get("entities") or [], tracker.slots, prequal_data())
        response = question_instead(values, message.get("intent"), text)
        if response is not None:  # "¿y cómo pago?" in the middle: answered, then the question again
            dispatcher.utter_message(response=response)
            return {slot: None, RETRY_REASON: None}
        return values

    async def validate_nombre(
        self, value: Any, d: CollectingDispatcher, t: Tracker, dom: DomainDict
    ) -> Slots:
        return self._check("nombre", t, d)

    async def validate_edad(self, value: Any, d: CollectingDispatcher, t: Tracker, dom: DomainDict) -> Slots:
        return self._check("edad", t, d)

    async def validate_numero_documento(
        self, value: Any, d: CollectingDispatcher, t: Tracker, dom: DomainDict
    ) -> Slots:
        return self._check("numero_documento", t, d)

    async def validate_municipio(
        self, value: Any, d: CollectingDispatcher, t: Tracker, dom: DomainDict
    ) -> Slots:
        return self._check("municipio", t, d)

    async def validate_sector(
        self, value: Any, d: CollectingDispatcher, t: Tracker, dom: DomainDict
    ) -> Slots:
        return self._check("sector", t, d)

    async def validate_meses_negocio(
        self, value: Any, d: CollectingDispatcher, t: Tracker, dom: DomainDict
    ) -> Slots:
        return self._check("meses_negocio", t, d)

    async def validate_ventas_mensuales(
        self, value: Any, d: CollectingDispatcher, t: Tracker, dom: DomainDict
    ) -> Slots:
        return self._check("ventas_mensuales", t, d)

    async def validate_destino_credito(
        self, value: Any, d: CollectingDispatcher, t: Tracker, dom: DomainDict
    ) -> Slots:
        return self._check("destino_credito", t, d)

    async def validate_monto(self, value: Any, d: CollectingDispatcher, t: Tracker, dom: DomainDict) -> Slots:
        return self._check("monto", t, d)

    async def validate_mora(self, value: Any, d: CollectingDispatcher, t: Tracker, dom: DomainDict) -> Slots:
        return self._check("mora", t, d)


class _AskQuestion(Action, ABC):  # type: ignore[misc]
    """Abstract: asks for ``slot`` (a re-ask after a wrong answer). rasa-sdk registers the subclasses."""

    @property
    @abstractmethod
    def slot(self) -> str: ...

    def name(self) -> str:
        return f"action_ask_{self.slot}"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        utterance = question_for(self.slot, tracker.slots, prequal_data())
        if utterance.response:
            dispatcher.utter_message(response=utterance.response)
        else:
            dispatcher.utter_message(text=utterance.text, buttons=[dict(b) for b in utterance.buttons])
        return []


class AskNombre(_AskQuestion):
    slot = "nombre"


class AskEdad(_AskQuestion):
    slot = "edad"


class AskNumeroDocumento(_AskQuestion):
    slot = "numero_documento"


class AskMunicipio(_AskQuestion):
    slot = "municipio"


class AskSector(_AskQuestion):
    slot = "sector"


class AskMesesNegocio(_AskQuestion):
    slot = "meses_negocio"


class AskVentasMensuales(_AskQuestion):
    slot = "ventas_mensuales"


class AskDestinoCredito(_AskQuestion):
    slot = "destino_credito"


class AskMonto(_AskQuestion):
    slot = "monto"


class AskMora(_AskQuestion):
    slot = "mora"


class ActionPrequalStart(Action):  # type: ignore[misc]
    """Before the form: how long it takes, or where the person left off."""

    def name(self) -> str:
        return "action_prequal_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        message = tracker.latest_message or {}
        data = prequal_data()
        answer: Slots = {}
        kept_before = any(tracker.get_slot(slot) is not None for slot in FORM_SLOTS)
        if kept_before and (message.get("intent") or {}).get("name") == "inform":
            # resumed by an answer sent later ("1036123456" days after leaving the form)
            answer = answer_on_resume(
                str(message.get("text") or ""), message.get("entities") or [], tracker.slots, data
            )
        # A fresh start: what the person said before (the loan request itself), read now that consent
        # is given. A form left earlier is resumed as it was (its next answer only).
        earlier = [] if kept_before else request_texts(tracker.events)
        opening = answers_in_messages(earlier, tracker.slots, data)
        slots = {**tracker.slots, **opening, **answer}
        if opening:
            kept = noted(opening, data)
            dispatcher.utter_message(
                response="utter_prequal_start_noted" if kept else "utter_prequal_start_noted_plain",
                kept=kept,
                left=questions_left(slots),
            )
        else:
            dispatcher.utter_message(text=start_message(slots))
        resets: Slots = {RETRY_REASON: None, SUGGESTED: None, SUGGESTED_NAME: None, FAILURES: None}
        if tracker.get_slot(ASKS_FOR_A_LOAN):
            resets[ASKS_FOR_A_LOAN] = False
        pending = {PENDING: True} if opening else {}
        return [SlotSet(name, value) for name, value in {**resets, **opening, **answer, **pending}.items()]


class ActionPrequalResult(Action):  # type: ignore[misc]
    """After the form: the result in words, the evaluation for the gateway to store, a clean slate."""

    def name(self) -> str:
        return "action_prequal_result"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        try:
            outcome = prequal_outcome(tracker.slots, prequal_data())
        except MissingAnswers as exc:
            log.error("pre-qualification ended without every answer", detail=str(exc))
            dispatcher.utter_message(response="utter_prequal_incomplete")
            return []
        dispatcher.utter_message(text=outcome.text)
        dispatcher.utter_message(json_message=outcome.command)
        return [SlotSet(name, value) for name, value in outcome.reset.items()]
