"""The pre-qualification form's actions as plain async calls on hand-built trackers."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.prequal_form import (
    ActionPrequalResult,
    ActionPrequalStart,
    AskEdad,
    AskMunicipio,
    AskSector,
    ValidatePrequalForm,
)
from bot.dialogue.prequal_form import FORM_SLOTS
from bot.dialogue.prequal_texts import ADVISOR_OFFER, REASKS

DOMAIN: dict[str, Any] = {"forms": {"prequal_form": {"required_slots": list(FORM_SLOTS)}}, "slots": {}}
ANSWERS: dict[str, Any] = {
    "nombre": "Luz Dary Restrepo", "edad": 38, "numero_documento": "43567890", "tipo_documento": "cc",
    "municipio": "05360", "sector": "comercio", "meses_negocio": 36, "ventas_mensuales": 4_000_000,
    "destino_credito": "surtir la tienda", "monto": 2_000_000, "mora": False,
}  # fmt: skip


def answered(
    slot: str,
    text: str,
    slots: dict[str, Any] | None = None,
    entities: list[Any] | None = None,
    intent: str = "inform",
) -> Tracker:
    """The tracker as the form validation sees it: the user's text was mapped to ``slot``."""
    message = {"text": text, "intent": {"name": intent, "confidence": 0.97}, "entities": entities or []}
    events = [
        {"event": "user", "text": text, "parse_data": message},
        {"event": "slot", "name": slot, "value": text},
    ]
    values = {**(slots or {}), slot: text, "requested_slot": slot}
    return Tracker("c1", values, message, events, False, None, {"name": "prequal_form"}, "action_listen")


def state(slots: dict[str, Any]) -> Tracker:
    return Tracker("c1", slots, {}, [], False, None, {"name": "prequal_form"}, "prequal_form")


async def validate(tracker: Tracker, dispatcher: CollectingDispatcher | None = None) -> dict[str, Any]:
    events = await ValidatePrequalForm().run(dispatcher or CollectingDispatcher(), tracker, DOMAIN)
    return {event["name"]: event["value"] for event in events if event["event"] == "slot"}


async def ask(action: Any, slots: dict[str, Any]) -> dict[str, Any]:
    dispatcher = CollectingDispatcher()
    assert await action.run(dispatcher, state(slots), DOMAIN) == []
    [message] = dispatcher.messages
    return message


async def test_a_good_answer_fills_the_slot_and_marks_the_request_pending() -> None:
    slots = await validate(answered("edad", "tengo 35 años"))
    assert slots["edad"] == 35 and slots["solicitud_pendiente"] is True and slots["prequal_reintento"] is None


async def test_a_wrong_answer_is_asked_again_and_the_second_also_offers_a_consultant() -> None:
    first = await validate(answered("edad", "no se"))
    assert first["edad"] is None and first["prequal_reintento"] == "not_a_number"
    message = await ask(AskEdad(), first)
    assert message["text"] == REASKS["not_a_number"] and ADVISOR_OFFER not in message["text"]
    second = await validate(answered("edad", "muchos", first))
    assert second["prequal_fallos"] == {"edad": 2}
    message = await ask(AskEdad(), second)
    assert message["text"].endswith(ADVISOR_OFFER)


async def test_first_time_a_question_uses_the_domain_response() -> None:
    message = await ask(AskEdad(), {})
    assert message["response"] == "utter_ask_edad" and not message["text"]


async def test_an_unsure_municipality_is_confirmed_with_yes_or_no() -> None:
    unsure = await validate(answered("municipio", "san pedro"))
    assert unsure["municipio"] is None and unsure["municipio_sugerido"]
    question = await ask(AskMunicipio(), unsure)
    assert question["text"].startswith("¿Su negocio queda en San Pedro") and len(question["buttons"]) == 2
    assert unsure["prequal_fallos"] == {}  # a follow-up question is not a failed try
    confirmed = await validate(answered("municipio", "/affirm", unsure))
    assert confirmed["municipio"] == unsure["municipio_sugerido"] and confirmed["municipio_sugerido"] is None


async def test_an_entity_helps_when_the_whole_text_does_not_parse() -> None:
    entities = [{"entity": "municipio", "value": "Itagui", "start": 0, "end": 6}]
    slots = await validate(
        answered("municipio", "pues aca en el sur, itagui mijo, cerca al parque", {}, entities)
    )
    assert slots["municipio"] == "05360"


async def test_an_unknown_sector_is_asked_again_with_the_sector_menu() -> None:
    slots = await validate(answered("sector", "hago de todo un poquito"))
    message = await ask(AskSector(), slots)
    titles = [button["title"] for button in message["buttons"]]
    assert "Comercio" in titles and "Otro" in titles
    assert all(button["payload"] == button["title"] for button in message["buttons"])  # typed back as text


async def test_start_says_where_the_person_left_off() -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionPrequalStart().run(
        dispatcher, state({"nombre": "Luz", "edad": 38, "prequal_fallos": {"x": 1}}), DOMAIN
    )
    assert "ya tengo 2 de 10 respuestas" in dispatcher.messages[0]["text"]
    assert SlotSet("prequal_fallos", None) in events


async def test_result_tells_the_person_stores_the_evaluation_and_starts_clean() -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionPrequalResult().run(dispatcher, state(ANSWERS), DOMAIN)
    text, command = dispatcher.messages
    assert "Crédito Digital Rápido" in text["text"] and "$300.000 a $5.000.000" in text["text"]
    payload = command["custom"]
    assert payload["famibot_command"] == "record_prequal"
    assert payload["evaluation"]["outcome"] == "prequalified" and payload["answers"]["municipio"] == "05360"
    reset = {event["name"]: event["value"] for event in events}
    assert all(reset[slot] is None for slot in FORM_SLOTS) and reset["solicitud_pendiente"] is False


@pytest.mark.parametrize(
    ("change", "rule"), [({"mora": True}, "no_arrears"), ({"meses_negocio": 2}, "min_business_months")]
)
async def test_not_yet_says_which_rule_decided(change: dict[str, Any], rule: str) -> None:
    dispatcher = CollectingDispatcher()
    await ActionPrequalResult().run(dispatcher, state({**ANSWERS, **change}), DOMAIN)
    text, command = dispatcher.messages
    assert command["custom"]["evaluation"]["decision"]["rule_id"] == rule
    assert "rechaz" not in text["text"].lower() and "ASESOR" in text["text"]


async def test_answers_kept_from_before_are_not_read_again_when_the_form_restarts() -> None:
    """On activation Rasa re-validates pre-filled slots with the latest message (here the loan request)."""
    message = {"text": "/request_loan", "intent": {"name": "request_loan"}, "entities": []}
    kept = {"nombre": "Ana Lucia Mejia", "edad": 31}
    events = [{"event": "user", "text": "/request_loan", "parse_data": message}]
    events += [{"event": "slot", "name": name, "value": value} for name, value in kept.items()]
    tracker = Tracker(
        "c1", {**kept, "requested_slot": None}, message, events, False, None, {}, "action_prequal_start"
    )
    assert await validate(tracker) == kept


async def test_another_question_in_the_middle_is_answered_and_the_question_asked_again() -> None:
    dispatcher = CollectingDispatcher()
    slots = await validate(answered("edad", "y como pago la cuota?", intent="ask_payment_info"), dispatcher)
    assert [m["response"] for m in dispatcher.messages] == ["utter_payment_info_after_questions"]
    assert slots["edad"] is None and slots["prequal_reintento"] is None and "prequal_fallos" not in slots
    assert (await ask(AskEdad(), slots))["response"] == "utter_ask_edad"


async def test_an_answer_that_parses_is_an_answer_whatever_nlu_thought() -> None:
    dispatcher = CollectingDispatcher()
    tracker = answered("destino_credito", "abono y semillas", intent="report_payment")
    slots = await validate(tracker, dispatcher)
    assert slots["destino_credito"] == "abono y semillas" and dispatcher.messages == []


async def test_an_answer_sent_days_later_resumes_the_form_and_is_kept() -> None:
    message = {"text": "1036123456", "intent": {"name": "inform", "confidence": 0.99}, "entities": []}
    slots = {"nombre": "Ana Lucia Mejia", "edad": 31}
    tracker = Tracker("c1", slots, message, [], False, None, {}, "action_listen")
    dispatcher = CollectingDispatcher()
    events = await ActionPrequalStart().run(dispatcher, tracker, DOMAIN)
    assert "ya tengo 3 de 10" in dispatcher.messages[0]["text"]
    assert SlotSet("numero_documento", "1036123456") in events and SlotSet("tipo_documento", "cc") in events


async def test_a_message_that_is_not_the_next_answer_resumes_without_taking_it() -> None:
    message = {"text": "Medellin", "intent": {"name": "inform", "confidence": 0.99}, "entities": []}
    tracker = Tracker("c1", {"nombre": "Ana", "edad": 31}, message, [], False, None, {}, "action_listen")
    dispatcher = CollectingDispatcher()
    events = await ActionPrequalStart().run(dispatcher, tracker, DOMAIN)
    assert "ya tengo 2 de 10" in dispatcher.messages[0]["text"]
    assert {event["name"] for event in events} == {
        "prequal_reintento",
        "municipio_sugerido",
        "nombre_sugerido",
        "prequal_fallos",
    }
