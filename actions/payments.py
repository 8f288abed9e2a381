"""Payments (issue 12): each action returns one gateway command; the gateway answers from the loans.

``action_payment_info``, ``action_report_payment``, ``action_cannot_pay``: no database here, no words
either (bot/payments/ writes them). ``action_payment_reminder``: after a reminder (trigger_intent),
keeps its instalment in the ``cuota_*`` slots and says nothing (the reminder's words are the gateway's).
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.dialogue.payments import (
    CANNOT_PAY,
    PAYMENT_INFO,
    REPORT_PAYMENT,
    payment_command,
    reminder_slots,
)


class _PaymentCommand(Action, ABC):  # type: ignore[misc]  # rasa_sdk ships no py.typed
    """Abstract: sends its one command; rasa-sdk registers the subclasses."""

    command: str

    @abstractmethod
    def name(self) -> str: ...

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(json_message=payment_command(self.command))
        return []


class ActionPaymentInfo(_PaymentCommand):
    command = PAYMENT_INFO

    def name(self) -> str:
        return "action_payment_info"


class ActionReportPayment(_PaymentCommand):
    command = REPORT_PAYMENT

    def name(self) -> str:
        return "action_report_payment"


class ActionCannotPay(_PaymentCommand):
    command = CANNOT_PAY

    def name(self) -> str:
        return "action_cannot_pay"


class ActionPaymentReminder(Action):  # type: ignore[misc]
    def name(self) -> str:
        return "action_payment_reminder"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        entities = (tracker.latest_message or {}).get("entities") or []
        return [SlotSet(slot, value) for slot, value in reminder_slots(entities).items()]
