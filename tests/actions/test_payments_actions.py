"""The payments actions as plain async calls on hand-built trackers: one gateway command each and no
words; the reminder's action keeps the instalment in slots and says nothing; a payment message in the
middle of the loan questions gets its honest answer (never "todavía no puedo") and the question again."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.payments import ActionCannotPay, ActionPaymentInfo, ActionPaymentReminder, ActionReportPayment
from actions.prequal_form import ValidatePrequalForm
from bot.dialogue.prequal_form import FORM_SLOTS

DOMAIN: dict[str, Any] = {"forms": {"prequal_form": {"required_slots": list(FORM_SLOTS)}}, "slots": {}}


def said(text: str, intent: str, entities: list[dict[str, Any]] | None = None, **slots: Any) -> Tracker:
    message = {"text": text, "intent": {"name": intent, "confidence": 0.95}, "entities": entities or []}
    events = [{"event": "user", "text": text, "parse_data": message}]
    return Tracker("c1", slots, message, events, False, None, {}, "action_listen")


@pytest.mark.parametrize(
    ("action", "text", "intent", "command"),
    [
        (ActionPaymentInfo(), "cuanto debo", "ask_payment_info", "payment_info"),
        (ActionReportPayment(), "ya pague", "report_payment", "report_payment"),
        (ActionCannotPay(), "no puedo pagar", "cannot_pay", "cannot_pay"),
    ],
)
async def test_each_payment_action_sends_one_command_and_no_words(
    action: Any, text: str, intent: str, command: str
) -> None:
    dispatcher = CollectingDispatcher()
    assert await action.run(dispatcher, said(text, intent), {}) == []
    [message] = dispatcher.messages
    assert not message.get("text") and not message.get("buttons") and not message.get("response")
    assert message["custom"] == {"famibot_command": command}


async def test_the_reminder_sets_its_slots_and_says_nothing() -> None:
    entities = [
        {"entity": "amount", "value": "150000"},
        {"entity": "due_date", "value": "2026-12-03"},
        {"entity": "step", "value": "due"},
    ]
    tracker = said("EXTERNAL: EXTERNAL_payment_reminder", "EXTERNAL_payment_reminder", entities)
    dispatcher = CollectingDispatcher()
    events = await ActionPaymentReminder().run(dispatcher, tracker, {})
    assert dispatcher.messages == []
    assert events == [
        SlotSet("cuota_monto", "150000"),
        SlotSet("cuota_fecha", "2026-12-03"),
        SlotSet("cuota_paso", "due"),
    ]


async def test_a_reminder_without_a_step_clears_the_older_one() -> None:
    tracker = said(
        "x", "EXTERNAL_payment_reminder", [{"entity": "amount", "value": "98000"}], cuota_paso="due"
    )
    events = await ActionPaymentReminder().run(CollectingDispatcher(), tracker, {})
    assert SlotSet("cuota_paso", None) in events and SlotSet("cuota_monto", "98000") in events


@pytest.mark.parametrize(
    ("text", "intent", "response"),
    [
        ("y cuanto debo de la cuota?", "ask_payment_info", "utter_payment_info_after_questions"),
        ("ya pague la cuota", "report_payment", "utter_report_payment_after_questions"),
        ("no tengo pa la cuota", "cannot_pay", "utter_cannot_pay_after_questions"),
    ],
)
async def test_in_the_loan_questions_a_payment_message_is_answered_then_asked_again(
    text: str, intent: str, response: str
) -> None:
    tracker = said(text, intent, requested_slot="edad")
    dispatcher = CollectingDispatcher()
    events = await ValidatePrequalForm().validate_edad(None, dispatcher, tracker, DOMAIN)
    assert [message["response"] for message in dispatcher.messages] == [response]
    assert events["edad"] is None  # no failed try counted: the question comes again
