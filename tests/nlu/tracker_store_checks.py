"""Checks of nlu/famibot_store against a real Redis, run by the Rasa venv's Python (it imports Rasa).

    .venv-rasa/bin/python tests/nlu/tracker_store_checks.py REDIS_URL CHECK

tests/nlu/test_tracker_store.py runs one CHECK per test. A conversation is driven the way Rasa's
processor does (load, add a turn's events, save the same object); a full in-memory tracker of the
same events is the reference. Exit status 0 when the check holds; the assertion is printed otherwise.
Python 3.10 (the Rasa venv).
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "nlu"))

from famibot_store import WindowedRedisTrackerStore  # noqa: E402
from rasa.core.tracker_store import RedisTrackerStore  # noqa: E402
from rasa.shared.core.domain import Domain  # noqa: E402
from rasa.shared.core.events import (  # noqa: E402
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    Event,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity  # noqa: E402

KEEP = 10
SENDER = "0123456789abcdef0123456789abcdef"
DOMAIN = Domain.load(str(ROOT / "nlu" / "domain"))
FORM_SLOTS = ["nombre", "edad", "numero_documento", "municipio", "sector"]


def listen() -> ActionExecuted:
    return ActionExecuted("action_listen")


def user(intent: str, sid: str) -> UserUttered:
    return UserUttered(sid, {"name": intent, "confidence": 1.0}, metadata={"message_sid": sid})


def say(action: str) -> list[Event]:
    return [ActionExecuted(action), BotUttered(action, metadata={"utter_action": action})]


def small_talk(n: int) -> list[Event]:
    return [user("greet", f"SMgreet{n}"), *say("utter_greet"), *say("utter_main_menu"), listen()]


def failed_try(n: int) -> list[Event]:
    """A custom action failed: Rasa falls back and undoes the message (as the gateway does too)."""
    return [
        user("affirm", f"SMfailed{n}"),
        ActionExecuted("action_accept_consent"),
        *say("action_default_fallback"),
        UserUtteranceReverted(),
        listen(),
    ]


def session_start(n: int) -> list[Event]:
    return [
        SlotSet("session_started_metadata", {"channel": "sms", "n": n}),
        ActionExecuted("action_session_start"),
        SessionStarted(),
        SlotSet("canal", "sms"),
        listen(),
    ]


def form_turns(n: int) -> list[list[Event]]:
    """Consent, the form asking five questions, then a pause: the events Rasa logs for them."""
    turns = [
        [user("request_loan", f"SMloan{n}"), *say("utter_ask_consent"), listen()],
        [
            user("affirm", f"SMyes{n}"),
            ActionExecuted("action_accept_consent"),
            SlotSet("consentimiento", True),
            ActionExecuted("action_prequal_start"),
            SlotSet("solicitud_pendiente", True),
            ActionExecuted("prequal_form"),
            ActiveLoop("prequal_form"),
            SlotSet("requested_slot", FORM_SLOTS[0]),
            *say("action_ask_nombre")[1:],
            listen(),
        ],
    ]
    for index, slot in enumerate(FORM_SLOTS[1:], start=1):
        turns.append(
            [
                user("inform", f"SMans{n}-{index}"),
                SlotSet(FORM_SLOTS[index - 1], f"answer {index}"),
                ActionExecuted("prequal_form"),
                SlotSet("requested_slot", slot),
                BotUttered(f"ask {slot}"),
                listen(),
            ]
        )
    turns.append(
        [
            user("stop_form", f"SMstop{n}"),
            ActionExecuted("action_deactivate_loop"),
            ActiveLoop(None),
            SlotSet("requested_slot", None),
            *say("utter_prequal_paused"),
            listen(),
        ]
    )
    return turns


def conversation(rounds: int) -> list[list[Event]]:
    turns: list[list[Event]] = [[*session_start(0)]]
    for n in range(rounds):
        turns.extend([small_talk(n)] * 1)
        turns.extend([failed_try(n)] * (1 + n % 2))
        turns.extend(form_turns(n))
        turns.extend(small_talk(100 + k) for k in range(3))
        if n % 3 == 2:
            turns.append(session_start(n + 1))
    return turns


def new_store(url: str) -> WindowedRedisTrackerStore:
    host_port, db = url.removeprefix("redis://").rsplit("/", 1)
    host, port = host_port.split(":")
    store = WindowedRedisTrackerStore(
        DOMAIN, host=host, port=port, db=db, key_prefix="famibot", record_exp=3600, window_events=KEEP
    )
    return store


def state_of(tracker: DialogueStateTracker) -> dict[str, Any]:
    return {
        "slots": tracker.current_slot_values(),
        "active_loop": tracker.active_loop_name,
        "paused": tracker.is_paused(),
        "latest_intent": (tracker.latest_message.intent or {}).get("name")
        if tracker.latest_message
        else None,
        "latest_action": tracker.latest_action_name,
        "last_states": tracker.past_states(DOMAIN)[-4:],
    }


def copy_event(event: Event) -> Event:
    return Event.from_parameters(event.as_dict())


def head(store: WindowedRedisTrackerStore) -> dict[str, Any]:
    return json.loads(store.red.get(store.keys_for(SENDER).head))


async def check_same_state_as_the_full_log(url: str) -> None:
    """After every turn, the loaded window gives the full tracker's slots, loop and last states."""
    store = new_store(url)
    cuts = []

    reference = DialogueStateTracker(SENDER, DOMAIN.slots)
    for number, turn in enumerate(conversation(9)):
        tracker = await store.get_or_create_tracker(SENDER, append_action_listen=False)
        for event in turn:
            tracker.update(copy_event(event))
            reference.update(copy_event(event))
        await store.save(tracker)
        loaded = await store.retrieve(SENDER)
        assert loaded is not None
        assert state_of(loaded) == state_of(reference), f"turn {number}"
        cuts.append(head(store)["window_start"])
    assert len(set(cuts)) > 10, f"the window moved only {len(set(cuts))} times"


async def check_log_keeps_every_event_and_window_stays_bounded(url: str) -> None:
    store = new_store(url)
    keys = store.keys_for(SENDER)
    total = 0
    first = None
    for number, turn in enumerate(conversation(12)):
        tracker = await store.get_or_create_tracker(SENDER, append_action_listen=False)
        for event in turn:
            tracker.update(copy_event(event))
        await store.save(tracker)
        total += len(turn)
        assert store.red.llen(keys.log) == total, f"turn {number}: the log must grow by the new events only"
        first = first or store.red.lindex(keys.log, 0)
        assert store.red.lindex(keys.log, 0) == first, "the log is append-only"
        current = head(store)
        window = current["log_length"] - current["window_start"]
        # a form holds the window open while it runs (7 turns here)
        assert window <= 2 * KEEP + 7 * 8, f"turn {number}: window of {window} events"
    assert total > 20 * KEEP


async def check_the_last_turn_is_always_in_the_window(url: str) -> None:
    """The gateway finds its message by metadata.message_sid in GET /tracker's events."""
    store = new_store(url)
    for turn in conversation(6):
        tracker = await store.get_or_create_tracker(SENDER, append_action_listen=False)
        for event in turn:
            tracker.update(copy_event(event))
        await store.save(tracker)
        sids = [e.metadata.get("message_sid") for e in turn if isinstance(e, UserUttered)]
        full = await store.retrieve_full_tracker(SENDER)
        assert full is not None
        events = full.current_state(EventVerbosity.ALL)["events"]
        seen = [e.get("metadata", {}).get("message_sid") for e in events if e["event"] == "user"]
        for sid in sids:
            assert sid in seen, f"{sid} not in the window"


async def check_old_format_is_moved_on_first_read(url: str) -> None:
    old = RedisTrackerStore(DOMAIN, host=new_store(url).red.connection_pool.connection_kwargs["host"])
    store = new_store(url)
    old.red = store.red.__class__(connection_pool=store.red.connection_pool)
    old.key_prefix = "famibot:tracker:"
    old.record_exp = 1000
    reference = DialogueStateTracker(SENDER, DOMAIN.slots)
    for turn in conversation(4):
        for event in turn:
            reference.update(copy_event(event))
    await old.save(reference)
    expected = await old.retrieve(SENDER)  # Rasa's own view: the last session
    assert expected is not None
    loaded = await store.retrieve(SENDER)
    assert loaded is not None
    assert state_of(loaded) == state_of(expected)
    keys = store.keys_for(SENDER)
    assert store.red.get(keys.old) is None, "the old key is deleted once moved"
    assert store.red.llen(keys.log) == len(reference.events)
    ttls = (store.red.ttl(keys.log), store.red.ttl(keys.head))
    assert all(0 < ttl <= 1000 for ttl in ttls), ttls
    assert list(await store.keys()) == [SENDER]


async def check_a_tracker_not_handed_out_keeps_the_history(url: str) -> None:
    """PUT .../tracker/events (or Rasa's fail-safe) saves a tracker this store did not load."""
    store = new_store(url)
    for turn in conversation(2):
        tracker = await store.get_or_create_tracker(SENDER, append_action_listen=False)
        for event in turn:
            tracker.update(copy_event(event))
        await store.save(tracker)
    before = store.red.llen(store.keys_for(SENDER).log)
    replacement = DialogueStateTracker.from_events(
        SENDER, [*session_start(50), *small_talk(50)], DOMAIN.slots
    )
    await store.save(replacement)
    loaded = await store.retrieve(SENDER)
    assert loaded is not None and len(loaded.events) == len(replacement.events)
    assert state_of(loaded) == state_of(replacement)
    assert store.red.llen(store.keys_for(SENDER).log) == before + len(replacement.events)
    assert store.red.ttl(store.keys_for(SENDER).head) > 3000


async def check_action_answers_are_checked_as_rasa_does(url: str) -> None:
    """Once the store is built, Rasa checks the action server's answers with a validator built once
    (nlu/famibot_store/action_validation.py): the same verdict and the same error as Rasa's own."""
    from jsonschema import ValidationError, validate
    from rasa.core.actions.action import RemoteAction

    new_store(url)
    replaced = RemoteAction._validate_action_result
    assert getattr(replaced, "_famibot_validator_built_once", False)
    assert replaced.__module__ == "famibot_store.action_validation"
    new_store(url)  # a second store changes nothing more
    assert RemoteAction._validate_action_result is replaced
    action = RemoteAction("action_x", None)
    spec = action.action_response_format_spec()
    answers: list[Any] = [
        {"events": [], "responses": []},
        {"events": [{"event": "slot", "name": "canal", "value": "sms"}], "responses": [{"text": "hola"}]},
        {"events": [{"event": "session_started"}, {"event": "action", "name": "action_listen"}]},
        {"events": [{"event": "slot", "name": "x"}]},  # a slot event without a value: valid for Rasa
        {"events": [{"no_event_key": 1}]},
        {"events": "not a list"},
        {"responses": [{"text": 5}]},
        {"events": [{"event": "user", "text": 3}]},
    ]
    verdicts = []
    for answer in answers:
        try:
            validate(answer, spec)
            expected: str | None = None
        except ValidationError as exc:
            expected = exc.message
        try:
            assert action._validate_action_result(answer) is True
            got: str | None = None
        except ValidationError as exc:
            got = exc.message
        assert (got is None) == (expected is None), (answer, got, expected)
        if expected is not None:
            assert got is not None and got.startswith(expected + ". Failed to validate Action server"), got
        verdicts.append(got is None)
    assert verdicts.count(True) >= 3 and verdicts.count(False) >= 3, verdicts


CHECKS = {
    name.removeprefix("check_"): function
    for name, function in dict(globals()).items()
    if name.startswith("check_") and callable(function)
}


def main() -> int:
    url, name = sys.argv[1], sys.argv[2]
    store = new_store(url)
    store.red.flushdb()
    try:
        asyncio.run(CHECKS[name](url))
    finally:
        store.red.flushdb()
    print(f"ok: {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
