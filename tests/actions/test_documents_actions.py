"""The documents actions as plain async calls on hand-built trackers: one gateway command each, no words,
and a documents message in the middle of the loan questions gets its answer and the same question again."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.documents import (
    ActionDocumentsFormal,
    ActionDocumentsSensitiveConsent,
    ActionDocumentsSmsRoute,
    ActionDocumentsStatus,
)
from actions.prequal_form import ValidatePrequalForm
from bot.dialogue.prequal_form import FORM_SLOTS

DOMAIN: dict[str, Any] = {"forms": {"prequal_form": {"required_slots": list(FORM_SLOTS)}}, "slots": {}}


def said(text: str, intent: str, entities: dict[str, str] | None = None) -> Tracker:
    """The tracker after the person's message, as Rasa parses it ("/x{…}": the payload's entities)."""
    parsed = [{"entity": name, "value": value} for name, value in (entities or {}).items()]
    message = {"text": text, "intent": {"name": intent, "confidence": 1.0}, "entities": parsed}
    events = [{"event": "user", "text": text, "parse_data": message}]
    return Tracker("c1", {}, message, events, False, None, {}, "action_listen")


async def command_of(action: Any, tracker: Tracker) -> dict[str, Any]:
    dispatcher = CollectingDispatcher()
    assert await action.run(dispatcher, tracker, DOMAIN) == []  # no slots: the state is the database's
    [message] = dispatcher.messages
    assert not message.get("text") and not message.get("buttons")  # the gateway writes the words
    return dict(message["custom"])


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("q papeles me faltan", "document_status"),
        ("/document_status", "document_status"),  # the main menu's button
        ("/documents_status", "documents_status"),  # the gateway's button
        ("/enviar_documento", "enviar_documento"),  # a media-only message
        ("ahi le mando la cedula", "enviar_documento"),
    ],
)
async def test_documents_questions_ask_the_gateway_for_the_checklist(text: str, intent: str) -> None:
    assert await command_of(ActionDocumentsStatus(), said(text, intent)) == {
        "famibot_command": "documents_status"
    }


@pytest.mark.parametrize(
    ("text", "entities", "accepted"),
    [
        ('/documents_sensitive_consent{"accepted":"si"}', {"accepted": "si"}, True),
        ('/documents_sensitive_consent{"accepted":"no"}', {"accepted": "no"}, False),
        ('/documents_sensitive_consent{"accepted":"sí"}', {"accepted": "sí"}, True),
    ],
)
async def test_sensitive_consent_answer(text: str, entities: dict[str, str], accepted: bool) -> None:
    tracker = said(text, "documents_sensitive_consent", entities)
    assert await command_of(ActionDocumentsSensitiveConsent(), tracker) == {
        "famibot_command": "documents_sensitive_consent",
        "accepted": accepted,
    }


async def test_a_sensitive_consent_button_without_a_readable_answer_shows_the_checklist_again() -> None:
    """Never a guessed yes for ID photos: the gateway asks its question again."""
    for tracker in (
        said("/documents_sensitive_consent", "documents_sensitive_consent"),
        said(
            '/documents_sensitive_consent{"accepted":"tal vez"}',
            "documents_sensitive_consent",
            {"accepted": "tal vez"},
        ),
    ):
        assert await command_of(ActionDocumentsSensitiveConsent(), tracker) == {
            "famibot_command": "documents_status"
        }


@pytest.mark.parametrize(
    ("text", "entities", "formal"),
    [
        ('/documents_formal{"formal":"si"}', {"formal": "si"}, True),
        ('/documents_formal{"formal":"no"}', {"formal": "no"}, False),
    ],
)
async def test_formal_answer(text: str, entities: dict[str, str], formal: bool) -> None:
    tracker = said(text, "documents_formal", entities)
    assert await command_of(ActionDocumentsFormal(), tracker) == {
        "famibot_command": "documents_formal",
        "formal": formal,
    }


@pytest.mark.parametrize("route", ["relative", "office", "call"])
async def test_sms_route_answer(route: str) -> None:
    tracker = said(f'/documents_sms_route{{"route":"{route}"}}', "documents_sms_route", {"route": route})
    assert await command_of(ActionDocumentsSmsRoute(), tracker) == {
        "famibot_command": "documents_sms_route",
        "route": route,
    }


async def test_an_unknown_route_is_not_recorded() -> None:
    tracker = said('/documents_sms_route{"route":"mail"}', "documents_sms_route", {"route": "mail"})
    assert await command_of(ActionDocumentsSmsRoute(), tracker) == {"famibot_command": "documents_status"}


# --- in the middle of the loan questions ----------------------------------------------------------


def in_form(slot: str, text: str, intent: str, confidence: float = 0.97) -> Tracker:
    """The tracker as the form validation sees it: the message was mapped to ``slot`` (from_text)."""
    message = {"text": text, "intent": {"name": intent, "confidence": confidence}, "entities": []}
    events = [
        {"event": "user", "text": text, "parse_data": message},
        {"event": "slot", "name": slot, "value": text},
    ]
    slots = {slot: text, "requested_slot": slot}
    return Tracker("c1", slots, message, events, False, None, {"name": "prequal_form"}, "action_listen")


async def validate(tracker: Tracker) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = await ValidatePrequalForm().run(dispatcher, tracker, DOMAIN)
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}, dispatcher.messages


@pytest.mark.parametrize(
    ("slot", "text", "intent"),
    [
        ("edad", "q documentos necesito?", "document_status"),
        ("ventas_mensuales", "ahi le mando la foto de la cedula", "enviar_documento"),  # words, no file
        # "/documents_status" would pass for a loan purpose (any words do): a button is never an answer
        ("destino_credito", "/documents_status", "documents_status"),
        ("destino_credito", '/documents_formal{"formal":"si"}', "documents_formal"),
        ("destino_credito", "/document_status", "document_status"),
    ],
)
async def test_documents_in_the_loan_questions_are_answered_then_the_same_question(
    slot: str, text: str, intent: str
) -> None:
    slots, messages = await validate(in_form(slot, text, intent))
    assert [m["response"] for m in messages] == ["utter_documents_after_questions"]
    # not taken, not a failed try: the form asks the same question again
    assert slots[slot] is None and slots["prequal_reintento"] is None and "prequal_fallos" not in slots


async def test_a_cedula_number_in_words_about_documents_is_still_the_answer() -> None:
    """ "mi cedula es la 1036123456" may read as a documents question to NLU; it answers the question."""
    slots, messages = await validate(
        in_form("numero_documento", "mi cedula es la 1.036.123.456", "document_status")
    )
    assert slots["numero_documento"] == "1036123456" and messages == []


async def test_a_purpose_that_mentions_papers_is_still_the_purpose() -> None:
    slots, messages = await validate(
        in_form("destino_credito", "pa sacar los papeles del carro y surtir", "document_status")
    )
    assert slots["destino_credito"] == "pa sacar los papeles del carro y surtir" and messages == []


async def test_a_file_in_the_loan_questions_is_acknowledged_then_the_same_question() -> None:
    """A photo without words reaches Rasa as the media payload; the gateway kept it (no checklist yet)."""
    slots, messages = await validate(in_form("nombre", "/enviar_documento", "enviar_documento", 1.0))
    assert [m["response"] for m in messages] == ["utter_file_kept_after_questions"]
    assert slots["nombre"] is None and "prequal_fallos" not in slots


def test_the_media_payload_is_the_gateways() -> None:
    from bot.dialogue.prequal_form import MEDIA_PAYLOAD
    from bot.turns import MEDIA_ONLY_PAYLOAD

    assert MEDIA_PAYLOAD == MEDIA_ONLY_PAYLOAD
