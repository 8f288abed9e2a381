"""``action_accept_consent`` / ``action_decline_consent``: the answer to the Ley 1581 question."""

from __future__ import annotations

from abc import ABC, abstractmethod

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.dialogue.consent import consent_answer


class _ConsentAnswer(Action, ABC):  # type: ignore[misc]  # rasa_sdk ships no py.typed
    """Abstract: rasa-sdk registers only the concrete answers below."""

    accepted: bool

    @abstractmethod
    def name(self) -> str: ...

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        slots, command = consent_answer(self.accepted)
        dispatcher.utter_message(json_message=command)
        return [SlotSet(name, value) for name, value in slots.items()]


class ActionAcceptConsent(_ConsentAnswer):
    accepted = True

    def name(self) -> str:
        return "action_accept_consent"


class ActionDeclineConsent(_ConsentAnswer):
    accepted = False

    def name(self) -> str:
        return "action_decline_consent"
