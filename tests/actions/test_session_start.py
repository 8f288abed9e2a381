"""action_session_start: canal from the REST metadata, slots carried over, action_listen last."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.session import ActionSessionStart
from bot.dialogue.session import carry_over_enabled, channel_from_metadata, session_start_slots

DOMAIN: dict[str, Any] = {
    "session_config": {"session_expiration_time": 60, "carry_over_slots_to_new_session": True}
}


def make_tracker(slots: dict[str, Any]) -> Tracker:
    return Tracker(
        sender_id="+573001234567",
        slots=slots,
        latest_message={},
        events=[],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


@pytest.mark.parametrize(
    ("metadata", "expected"),
    [
        ({"channel": "sms", "message_sid": "SM1", "media": [], "profile_name": "Luz"}, "sms"),
        ({"channel": "whatsapp", "message_sid": "SM2", "media": ["k1"], "profile_name": "Luz"}, "whatsapp"),
        ({"channel": " WhatsApp "}, "whatsapp"),
        ({"channel": "telegram"}, None),
        ({"channel": ""}, None),
        ({"channel": None}, None),
        ({"channel": 1}, None),
        ({"message_sid": "SM3"}, None),
        ({}, None),
        (None, None),
        ("sms", None),
        (["sms"], None),
    ],
)
def test_channel_from_metadata(metadata: object, expected: str | None) -> None:
    assert channel_from_metadata(metadata) == expected


@pytest.mark.parametrize(
    ("domain", "expected"),
    [
        ({"session_config": {"carry_over_slots_to_new_session": True}}, True),
        ({"session_config": {"carry_over_slots_to_new_session": False}}, False),
        ({"session_config": {}}, True),
        ({}, True),
    ],
)
def test_carry_over_enabled(domain: dict[str, Any], expected: bool) -> None:
    assert carry_over_enabled(domain) is expected


@pytest.mark.parametrize(
    ("slots", "metadata", "carry_over", "expected"),
    [
        ({}, {"channel": "sms"}, True, {"canal": "sms"}),
        ({"canal": "sms", "x": None}, {"channel": "whatsapp"}, True, {"canal": "whatsapp"}),
        ({"canal": "sms", "nombre": "Luz"}, {}, True, {"nombre": "Luz", "canal": None}),
        ({"nombre": "Luz"}, {"channel": "sms"}, False, {"canal": "sms"}),
    ],
)
def test_session_start_slots(
    slots: dict[str, Any], metadata: object, carry_over: bool, expected: dict[str, Any]
) -> None:
    assert session_start_slots(slots, metadata, carry_over=carry_over) == expected


@pytest.mark.parametrize(
    ("metadata", "canal"),
    [
        ({"channel": "sms", "message_sid": "SM1", "media": [], "profile_name": "Luz"}, "sms"),
        ({"channel": "whatsapp", "message_sid": "SM2", "media": [], "profile_name": "Luz"}, "whatsapp"),
        ({"channel": "fax"}, None),
        (None, None),
    ],
)
async def test_action_sets_canal_from_session_metadata(metadata: object, canal: str | None) -> None:
    tracker = make_tracker({"session_started_metadata": metadata, "canal": None})
    dispatcher = CollectingDispatcher()

    events = await ActionSessionStart().run(dispatcher, tracker, DOMAIN)

    assert events[0]["event"] == "session_started"
    assert (events[-1]["event"], events[-1]["name"]) == ("action", "action_listen")
    slot_events = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert slot_events["canal"] == canal
    assert dispatcher.messages == []


async def test_action_carries_over_slots_and_metadata() -> None:
    metadata = {"channel": "whatsapp", "message_sid": "SM9"}
    tracker = make_tracker({"session_started_metadata": metadata, "canal": "sms", "nombre": "Luz"})

    events = await ActionSessionStart().run(CollectingDispatcher(), tracker, DOMAIN)

    assert [e["event"] for e in events] == ["session_started", "slot", "slot", "slot", "action"]
    slot_events = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert slot_events == {"session_started_metadata": metadata, "nombre": "Luz", "canal": "whatsapp"}


async def test_action_without_carry_over_sets_only_canal() -> None:
    domain = {"session_config": {"carry_over_slots_to_new_session": False}}
    tracker = make_tracker({"session_started_metadata": {"channel": "sms"}, "nombre": "Luz"})

    events = await ActionSessionStart().run(CollectingDispatcher(), tracker, domain)

    slot_events = [(e["name"], e["value"]) for e in events if e["event"] == "slot"]
    assert slot_events == [("canal", "sms")]


def test_action_name() -> None:
    assert ActionSessionStart().name() == "action_session_start"
