"""``action_read_loan_request``: a message outside the loan form that NLU did not take for a loan
request (an answer-like ``inform``, or one it was unsure of) is read once more, word by word."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.dialogue.prequal_opening import ASKS_FOR_A_LOAN
from bot.prequal.opening import asks_for_a_loan


class ActionReadLoanRequest(Action):  # type: ignore[misc]  # rasa_sdk ships no py.typed
    """Sets ``pide_credito``; the rules then start the loan flow, or offer it (nlu/data/rules/loans.yml)."""

    def name(self) -> str:
        return "action_read_loan_request"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        text = str((tracker.latest_message or {}).get("text") or "")
        return [SlotSet(ASKS_FOR_A_LOAN, asks_for_a_loan(text))]
