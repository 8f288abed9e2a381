"""``action_answer_loan_terms``: interest, terms, instalment and fees questions (bot/loan_terms)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.prequal_form import prequal_data
from bot.loan_terms.answer import answer_terms, place_of


class ActionAnswerLoanTerms(Action):  # type: ignore[misc]  # rasa_sdk ships no py.typed
    """Answers from the message text and what the conversation knows; the rules say what comes next."""

    def name(self) -> str:
        return "action_answer_loan_terms"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        data = prequal_data()
        message = tracker.latest_message or {}
        place = place_of((tracker.active_loop or {}).get("name"), _bot_action_before_message(tracker.events))
        text = answer_terms(str(message.get("text") or ""), tracker.slots, data.rules, data.loan_terms, place)
        dispatcher.utter_message(text=text)
        return []


def _bot_action_before_message(events: list[dict[str, Any]]) -> str | None:
    """The last action the bot ran before the person's latest message (action_listen aside)."""
    seen_message = False
    for event in reversed(events):
        if event.get("event") == "user":
            seen_message = True
        elif seen_message and event.get("event") == "action" and event.get("name") != "action_listen":
            return str(event.get("name"))
    return None
