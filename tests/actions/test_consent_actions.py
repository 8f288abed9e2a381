"""The consent answers as plain async calls on a hand-built tracker."""

from __future__ import annotations

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.consent import ActionAcceptConsent, ActionDeclineConsent


def _tracker() -> Tracker:
    return Tracker(
        "c1", {"consentimiento": False}, {"intent": {"name": "affirm"}}, [], False, None, {}, "action_listen"
    )


@pytest.mark.parametrize(
    ("action", "accepted"), [(ActionAcceptConsent(), True), (ActionDeclineConsent(), False)]
)
async def test_answer_sets_the_slot_and_asks_the_gateway_to_store_the_proof(
    action: ActionAcceptConsent | ActionDeclineConsent, accepted: bool
) -> None:
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, _tracker(), {})
    assert events == [SlotSet("consentimiento", accepted)]
    [message] = dispatcher.messages
    assert message["custom"] == {"famibot_command": "record_consent", "accepted": accepted}
    assert not message.get("text")
