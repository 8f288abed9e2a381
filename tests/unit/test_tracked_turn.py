"""Reading one turn back from Rasa's tracker: the events are what Rasa 3.6.21 stored (captured from a
real server with the action server stopped: the custom action failed, Rasa fell back and rewound)."""

from __future__ import annotations

from typing import Any

from bot.rasa_client import turn_after_message

SID = "SM" + "b" * 32
META = {"model_id": "c76d5b7f", "assistant_id": "famibot"}

FAILED_ACTION_THEN_FALLBACK: list[dict[str, Any]] = [
    {"event": "user", "text": "quiero un credito", "metadata": {"message_sid": "SM" + "a" * 32, **META}},
    {"event": "action", "name": "utter_ask_consent", "metadata": META},
    {"event": "bot", "text": None, "data": {}, "metadata": {"utter_action": "utter_ask_consent", **META}},
    {"event": "action", "name": "action_listen", "metadata": META},
    {"event": "user", "text": "/affirm", "metadata": {"message_sid": SID, "channel": "sms", **META}},
    {"event": "user_featurization", "metadata": META},
    {"event": "action", "name": "action_accept_consent", "metadata": META},  # failed: no events
    {"event": "action", "name": "action_default_fallback", "metadata": META},
    {"event": "bot", "text": "No le entendí.", "data": {}, "metadata": META},
    {"event": "rewind", "metadata": META},  # Rasa's own: the fallback reverts the user message
    {"event": "action", "name": "action_listen", "metadata": META},
]


def test_a_failed_custom_action_is_seen_and_rasas_own_rewind_is_not_ours() -> None:
    turn = turn_after_message(FAILED_ACTION_THEN_FALLBACK, SID)
    assert turn is not None
    assert turn.custom_actions == ("action_accept_consent",)
    assert [reply.text for reply in turn.replies] == ["No le entendí."]
    assert turn.reverted  # already undone by Rasa: no rewind of ours is needed (it would undo one more)


def test_the_gateways_own_rewind_means_the_turn_is_not_there() -> None:
    undo = {"event": "rewind", "metadata": {"famibot_undo": SID, **META}}
    assert turn_after_message([*FAILED_ACTION_THEN_FALLBACK, undo], SID) is None


def test_the_retry_after_an_undo_is_read_from_the_last_user_event() -> None:
    undo = {"event": "rewind", "metadata": {"famibot_undo": SID, **META}}
    retry = [
        {"event": "user", "text": "/affirm", "metadata": {"message_sid": SID, **META}},
        {"event": "action", "name": "action_accept_consent", "metadata": META},
        {"event": "bot", "text": "Gracias", "data": {}, "metadata": META},
        {"event": "action", "name": "action_listen", "metadata": META},
    ]
    turn = turn_after_message([*FAILED_ACTION_THEN_FALLBACK, undo, *retry], SID)
    assert turn is not None and not turn.reverted
    assert [reply.text for reply in turn.replies] == ["Gracias"]


def test_rasa_default_actions_and_responses_need_no_action_server() -> None:
    events = [
        {"event": "user", "text": "hola", "metadata": {"message_sid": SID}},
        {"event": "action", "name": "utter_greet"},
        {"event": "action", "name": "action_default_fallback"},
        {"event": "action", "name": "action_session_start"},  # ours is a custom action
        {"event": "action", "name": "action_listen"},
    ]
    turn = turn_after_message(events, SID)
    assert turn is not None and turn.custom_actions == ("action_session_start",)
