"""``action_session_start``: the standard session start plus the ``canal`` slot from REST metadata."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.dialogue.session import SESSION_METADATA_SLOT, carry_over_enabled, session_start_slots


class ActionSessionStart(Action):  # type: ignore[misc]  # rasa_sdk ships no py.typed
    """Starts a session like Rasa's default one and sets ``canal`` from the gateway's metadata.

    Rasa puts the metadata of the message that opened the session in the ``session_started_metadata``
    slot before running this action.
    """

    def name(self) -> str:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        return session_start_events(tracker, domain)


def session_start_events(tracker: Tracker, domain: DomainDict) -> list[EventType]:
    """SessionStarted, the carried-over slots and ``canal``, then action_listen."""
    slots: dict[str, Any] = dict(tracker.slots)
    values = session_start_slots(
        slots,
        tracker.get_slot(SESSION_METADATA_SLOT),
        carry_over=carry_over_enabled(domain),
    )
    events: list[EventType] = [SessionStarted()]
    events.extend(SlotSet(name, value) for name, value in values.items())
    events.append(ActionExecuted("action_listen"))
    return events
