"""A loan request that already says things: read after consent, kept, not asked again (issue 10)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.loan_request import ActionReadLoanRequest
from actions.prequal_form import ActionPrequalStart, ValidatePrequalForm
from bot.dialogue.prequal_form import FORM_SLOTS

DOMAIN: dict[str, Any] = {"forms": {"prequal_form": {"required_slots": list(FORM_SLOTS)}}, "slots": {}}
FIRST = "mija necesito un prestamito de unos 2 palos pa comprar un horno pa la panaderia en bello"


def _user(text: str, intent: str) -> dict[str, Any]:
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": intent, "confidence": 0.9}}}


def _after_consent(*user_events: dict[str, Any]) -> Tracker:
    """The tracker as action_prequal_start sees it, right after "Acepto" (/affirm)."""
    events = [
        {"event": "action", "name": "action_session_start"},
        {"event": "action", "name": "action_listen"},
        *user_events,
        {"event": "action", "name": "utter_ask_consent"},
        {"event": "action", "name": "action_listen"},
        _user("/affirm", "affirm"),
        {"event": "action", "name": "action_accept_consent"},
        {"event": "slot", "name": "consentimiento", "value": True},
    ]
    message = events[-3]["parse_data"]
    slots = {"consentimiento": True, "solicitud_pendiente": False}
    return Tracker("c1", slots, message, events, False, None, {}, "action_accept_consent")


async def test_after_consent_the_first_message_fills_what_it_said() -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionPrequalStart().run(dispatcher, _after_consent(_user(FIRST, "request_loan")), DOMAIN)
    assert SlotSet("monto", 2_000_000) in events and SlotSet("sector", "alimentos") in events
    assert SlotSet("municipio", "05088") in events
    assert SlotSet("destino_credito", "comprar un horno pa la panaderia") in events
    assert SlotSet("solicitud_pendiente", True) in events
    [message] = dispatcher.messages
    assert message["response"] == "utter_prequal_start_noted"
    assert message["kept"] == "$2.000.000, Alimentos/restaurante, Bello" and message["left"] == 6


async def test_a_confused_follow_up_keeps_what_the_first_message_said() -> None:
    tracker = _after_consent(
        _user(FIRST, "inform"), _user("q? no entiendo yo lo q quiero es un credito", "request_loan")
    )
    events = await ActionPrequalStart().run(CollectingDispatcher(), tracker, DOMAIN)
    assert SlotSet("monto", 2_000_000) in events and SlotSet("municipio", "05088") in events


async def test_a_plain_request_starts_with_the_usual_words() -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionPrequalStart().run(
        dispatcher, _after_consent(_user("quiero un credito", "request_loan")), DOMAIN
    )
    assert "10 preguntas" in dispatcher.messages[0]["text"]
    assert not {event["name"] for event in events} & set(FORM_SLOTS)


async def test_only_a_purpose_is_noted_without_values() -> None:
    dispatcher = CollectingDispatcher()
    await ActionPrequalStart().run(
        dispatcher, _after_consent(_user("necesito un credito pa surtir", "request_loan")), DOMAIN
    )
    assert dispatcher.messages[0]["response"] == "utter_prequal_start_noted_plain"
    assert dispatcher.messages[0]["left"] == 9


async def test_read_loan_request_sets_the_flag_the_rules_branch_on() -> None:
    for text, asks in ((FIRST, True), ("vivo en bello", False)):
        message = {"text": text, "intent": {"name": "inform", "confidence": 0.8}}
        tracker = Tracker("c1", {}, message, [], False, None, {}, "action_listen")
        events = await ActionReadLoanRequest().run(CollectingDispatcher(), tracker, {})
        assert events == [SlotSet("pide_credito", asks)]


async def test_a_confused_loan_request_during_the_questions_is_answered_then_the_question_again() -> None:
    text = "q? no entiendo yo lo q quiero es un credito"
    message = {"text": text, "intent": {"name": "request_loan", "confidence": 0.93}, "entities": []}
    events = [
        {"event": "user", "text": text, "parse_data": message},
        {"event": "slot", "name": "nombre", "value": text},
    ]
    slots = {"nombre": text, "requested_slot": "nombre", "consentimiento": True}
    tracker = Tracker("c1", slots, message, events, False, None, {"name": "prequal_form"}, "action_listen")
    dispatcher = CollectingDispatcher()
    result = await ValidatePrequalForm().run(dispatcher, tracker, DOMAIN)
    assert dispatcher.messages[0]["response"] == "utter_prequal_in_progress"
    values = {event["name"]: event["value"] for event in result if event["event"] == "slot"}
    assert values["nombre"] is None and values.get("prequal_fallos") is None  # not a failed try


async def test_a_form_left_earlier_is_resumed_with_its_next_answer_only() -> None:
    message = {"text": "1.036.123.456", "intent": {"name": "inform", "confidence": 0.9}, "entities": []}
    events = [
        {"event": "action", "name": "action_session_start"},
        _user("hola", "greet"),
        {"event": "user", "text": "1.036.123.456", "parse_data": message},
    ]
    slots = {"nombre": "Ana Lucia Mejia", "edad": 31, "consentimiento": True, "solicitud_pendiente": True}
    tracker = Tracker("c1", slots, message, events, False, None, {}, "action_listen")
    dispatcher = CollectingDispatcher()
    result = await ActionPrequalStart().run(dispatcher, tracker, DOMAIN)
    assert "ya tengo 3 de 10" in dispatcher.messages[0]["text"]
    assert {event["name"] for event in result} & set(FORM_SLOTS) == {"numero_documento"}
