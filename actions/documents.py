"""Documents (issue 11): each action returns one gateway command; the gateway answers from the checklist.

``action_documents_status``, ``action_documents_sensitive_consent``, ``action_documents_formal`` and
``action_documents_sms_route``: no database here, no words either (bot/dialogue/documents.py).
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.dialogue.documents import (
    Command,
    Entities,
    formal_command,
    sensitive_consent_command,
    sms_route_command,
    status_command,
)


class _DocumentsCommand(Action, ABC):  # type: ignore[misc]  # rasa_sdk ships no py.typed
    """Abstract: sends the command for the latest message; rasa-sdk registers the subclasses."""

    @abstractmethod
    def name(self) -> str: ...

    @abstractmethod
    def command(self, entities: Entities, text: str) -> Command: ...

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        message = tracker.latest_message or {}
        command = self.command(message.get("entities") or [], str(message.get("text") or ""))
        dispatcher.utter_message(json_message=command)
        return []


class ActionDocumentsStatus(_DocumentsCommand):
    def name(self) -> str:
        return "action_documents_status"

    def command(self, entities: Entities, text: str) -> Command:
        return status_command()


class ActionDocumentsSensitiveConsent(_DocumentsCommand):
    def name(self) -> str:
        return "action_documents_sensitive_consent"

    def command(self, entities: Entities, text: str) -> Command:
        return sensitive_consent_command(entities, text)


class ActionDocumentsFormal(_DocumentsCommand):
    def name(self) -> str:
        return "action_documents_formal"

    def command(self, entities: Entities, text: str) -> Command:
        return formal_command(entities, text)


class ActionDocumentsSmsRoute(_DocumentsCommand):
    def name(self) -> str:
        return "action_documents_sms_route"

    def command(self, entities: Entities, text: str) -> Command:
        return sms_route_command(entities, text)
