"""Lessons (issue 13): ``action_lessons_menu`` ("quiero aprender") returns the gateway command
``lessons_menu``; the gateway (bot/lessons/commands.py) answers with the courses, or the learner's
progress. No database and no words here."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.dialogue.consent import COMMAND_KEY

LESSONS_MENU = "lessons_menu"


class ActionLessonsMenu(Action):  # type: ignore[misc]  # rasa_sdk ships no py.typed
    def name(self) -> str:
        return "action_lessons_menu"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(json_message={COMMAND_KEY: LESSONS_MENU})
        return []
