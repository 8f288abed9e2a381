"""Rasa over HTTP: the REST channel for turns, the tracker to reconcile a turn that may have run.

Rasa answers its REST channel with 200 and ``[]`` (or a partial list) even after an internal error or
a failed custom action: it logs the error, keeps our message in the tracker and goes on. So an empty
answer, or any answer while the action server is unhealthy, is checked against the tracker
(:func:`turn_in_tracker`): our message not there → Rasa dropped it; there but without a bot reply, or
with a custom action run while the action server was down → the turn failed, and it is rewound
(``UserUtteranceReverted``) so that a retry starts from the same dialogue state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

INTERNAL_SLOTS = frozenset({"session_started_metadata", "requested_slot", "canal"})
# Rasa's own actions: every other action a turn runs (custom actions, forms) needs the action server.
RASA_DEFAULT_ACTIONS = frozenset(
    {
        "action_listen",
        "action_restart",
        "action_default_fallback",
        "action_deactivate_loop",
        "action_revert_fallback_events",
        "action_default_ask_affirmation",
        "action_default_ask_rephrase",
        "action_two_stage_fallback",
        "action_unlikely_intent",
        "action_back",
        "action_extract_slots",
    }
)
PROBE_TIMEOUT_S = 1.0
# The last item of famibot's REST channel (nlu/famibot_channel/): the errors Rasa met in the turn.
TURN_REPORT_KEY = "famibot_turn"
UNDO_KEY = "famibot_undo"  # metadata of the rewind the gateway appends to undo a failed turn


class RasaUnavailable(Exception):
    """Rasa did not answer (down, slow, 5xx, or it dropped the message): retry later."""


class RasaRefused(Exception):
    """Rasa answered 4xx (e.g. an intent its domain does not know): a retry would not change it."""


@dataclass(frozen=True, slots=True)
class Button:
    title: str
    payload: str


@dataclass(frozen=True, slots=True)
class BotReply:
    text: str = ""
    buttons: tuple[Button, ...] = ()
    image: str | None = None
    custom: dict[str, Any] = field(default_factory=dict)


def parse_reply(item: dict[str, Any]) -> BotReply:
    buttons = tuple(
        Button(title=str(b.get("title", "")), payload=str(b.get("payload", "")))
        for b in item.get("buttons") or ()
        if isinstance(b, dict)
    )
    custom = item.get("custom")
    return BotReply(
        text=str(item.get("text") or ""),
        buttons=buttons,
        image=item.get("image") or None,
        custom=custom if isinstance(custom, dict) else {},
    )


@dataclass(frozen=True, slots=True)
class TrackedTurn:
    """What Rasa's tracker holds after one of our messages: the bot's replies and the actions run."""

    replies: list[BotReply]
    actions: tuple[str, ...]
    # Rasa itself undid the message after answering (action_default_fallback does): its dialogue
    # state is already as before the message, so a retry needs no rewind of ours.
    reverted: bool = False

    @property
    def custom_actions(self) -> tuple[str, ...]:
        """Actions that needed the action server (custom actions, forms, validations)."""
        return tuple(
            name
            for name in self.actions
            if name not in RASA_DEFAULT_ACTIONS and not name.startswith("utter_")
        )


@dataclass(frozen=True, slots=True)
class RasaAnswer:
    """The bot's replies to one message, and how many errors Rasa met while handling it (``None``:
    Rasa's own REST channel, which does not say; then only the action server's health can tell)."""

    replies: list[BotReply]
    errors: int | None = None


def parse_answer(items: list[Any]) -> RasaAnswer:
    errors = None
    replies = []
    for item in items:
        if not isinstance(item, dict):
            continue
        custom = item.get("custom")
        if isinstance(custom, dict) and isinstance(custom.get(TURN_REPORT_KEY), dict):
            reported = custom[TURN_REPORT_KEY].get("errors")
            errors = reported if isinstance(reported, int) and reported >= 0 else 1
            continue
        replies.append(parse_reply(item))
    return RasaAnswer(replies, errors)


class RasaClient:
    def __init__(
        self,
        *,
        base_url: str,
        token: str,
        client: httpx.AsyncClient,
        timeout_s: float,
        actions_url: str | None = None,
    ) -> None:
        self._base = base_url.rstrip("/")
        self._token = token
        self._client = client
        self._timeout = httpx.Timeout(timeout_s, connect=3.0)
        self._actions = actions_url.rstrip("/") if actions_url else None

    async def send(self, *, sender_id: str, message: str, metadata: dict[str, Any]) -> list[BotReply]:
        return (await self.answer(sender_id=sender_id, message=message, metadata=metadata)).replies

    async def answer(self, *, sender_id: str, message: str, metadata: dict[str, Any]) -> RasaAnswer:
        """The REST channel's answer: the replies, and whether Rasa met errors (famibot's channel)."""
        payload = {"sender": sender_id, "message": message, "metadata": metadata}
        try:
            response = await self._client.post(
                f"{self._base}/webhooks/rest/webhook", json=payload, timeout=self._timeout
            )
        except httpx.HTTPError as exc:
            raise RasaUnavailable(f"REST channel: {type(exc).__name__}") from exc
        if response.status_code != 200:
            raise RasaUnavailable(f"REST channel answered {response.status_code}")
        items = response.json()
        if not isinstance(items, list):
            raise RasaUnavailable("REST channel answered something other than a list")
        return parse_answer(items)

    async def replies_in_tracker(self, *, sender_id: str, message_sid: str) -> list[BotReply] | None:
        """The bot's replies to our message if Rasa recorded it (and it was not rewound), else ``None``."""
        turn = await self.turn_in_tracker(sender_id=sender_id, message_sid=message_sid)
        return None if turn is None else turn.replies

    async def turn_in_tracker(self, *, sender_id: str, message_sid: str) -> TrackedTurn | None:
        """Our message's turn as Rasa recorded it; ``None`` if Rasa has no (un-rewound) record of it."""
        tracker = await self._tracker(sender_id, include_events="ALL")
        return turn_after_message(tracker.get("events") or [], message_sid)

    async def rewind(self, *, sender_id: str, message_sid: str) -> None:
        """Undo our last user message and everything after it (a failed turn): a retry starts clean.

        The event is marked with the message's SID, so that it is told from Rasa's own rewinds.
        """
        try:
            response = await self._client.post(
                f"{self._base}/conversations/{sender_id}/tracker/events",
                params={"token": self._token},
                json={"event": "rewind", "metadata": {UNDO_KEY: message_sid}},
                timeout=self._timeout,
            )
        except httpx.HTTPError as exc:
            raise RasaUnavailable(f"rewind: {type(exc).__name__}") from exc
        if response.status_code != 200:
            raise RasaUnavailable(f"rewind answered {response.status_code}")

    async def append_events(self, *, sender_id: str, events: list[dict[str, Any]]) -> None:
        """Add events at the end of the conversation's tracker (e.g. what a consultant said)."""
        try:
            response = await self._client.post(
                f"{self._base}/conversations/{sender_id}/tracker/events",
                params={"token": self._token},
                json=events,
                timeout=self._timeout,
            )
        except httpx.HTTPError as exc:
            raise RasaUnavailable(f"append events: {type(exc).__name__}") from exc
        if response.status_code != 200:
            raise RasaUnavailable(f"append events answered {response.status_code}")

    async def trigger_intent(
        self, *, sender_id: str, intent: str, entities: dict[str, Any]
    ) -> list[BotReply]:
        """Run ``intent`` (an ``EXTERNAL_…`` one) in the conversation as if the person had said it:
        Rasa 3.6 takes ``{"name", "entities"}`` and, without ``output_channel``, answers the tracker
        and the bot's ``messages`` (``[]`` while the conversation is paused)."""
        try:
            response = await self._client.post(
                f"{self._base}/conversations/{sender_id}/trigger_intent",
                params={"token": self._token},
                json={"name": intent, "entities": entities},
                timeout=self._timeout,
            )
        except httpx.HTTPError as exc:
            raise RasaUnavailable(f"trigger_intent: {type(exc).__name__}") from exc
        if 400 <= response.status_code < 500:
            raise RasaRefused(f"trigger_intent answered {response.status_code}")
        if response.status_code != 200:
            raise RasaUnavailable(f"trigger_intent answered {response.status_code}")
        answer = response.json()
        messages = answer.get("messages") if isinstance(answer, dict) else None
        return [parse_reply(item) for item in messages or () if isinstance(item, dict)]

    async def is_up(self) -> bool:
        """Does the Rasa server answer at all? (Tells "Rasa is down" from "this message fails".)"""
        return await self._answers_200(f"{self._base}/")

    async def actions_healthy(self, answer: RasaAnswer | None = None) -> bool:
        """Did the turn's actions run? famibot's channel says it (no errors met); else: does the action
        server answer its health check? (No action server configured: assume yes.)"""
        if answer is not None and answer.errors == 0:
            return True
        return self._actions is None or await self._answers_200(f"{self._actions}/health")

    async def _answers_200(self, url: str) -> bool:
        try:
            response = await self._client.get(url, timeout=PROBE_TIMEOUT_S)
        except httpx.HTTPError:
            return False
        return response.status_code == 200

    async def answers(self, *, sender_id: str) -> dict[str, Any]:
        """The conversation's filled slots (the answers so far), without Rasa's own bookkeeping."""
        return filled_answers(await self.slots(sender_id=sender_id))

    async def slots(self, *, sender_id: str) -> dict[str, Any]:
        """Every slot of the conversation, as Rasa holds it."""
        slots = (await self._tracker(sender_id, include_events="NONE")).get("slots") or {}
        return slots if isinstance(slots, dict) else {}

    async def active_loop(self, *, sender_id: str) -> str | None:
        """The form Rasa is running for this conversation, if any."""
        loop = (await self._tracker(sender_id, include_events="NONE")).get("active_loop") or {}
        name = loop.get("name") if isinstance(loop, dict) else None
        return name if isinstance(name, str) and name else None

    async def _tracker(self, sender_id: str, *, include_events: str) -> dict[str, Any]:
        try:
            response = await self._client.get(
                f"{self._base}/conversations/{sender_id}/tracker",
                params={"include_events": include_events, "token": self._token},
                timeout=self._timeout,
            )
        except httpx.HTTPError as exc:
            raise RasaUnavailable(f"tracker: {type(exc).__name__}") from exc
        if response.status_code != 200:
            raise RasaUnavailable(f"tracker answered {response.status_code}")
        tracker = response.json()
        return tracker if isinstance(tracker, dict) else {}


def replies_after_message(events: list[dict[str, Any]], message_sid: str) -> list[BotReply] | None:
    turn = turn_after_message(events, message_sid)
    return None if turn is None else turn.replies


def turn_after_message(events: list[dict[str, Any]], message_sid: str) -> TrackedTurn | None:
    """The bot's replies and the actions run after our user message, up to the next user message.

    ``None`` when the message is not in the events, or when the gateway undid its turn.
    """
    start = None
    for index, event in enumerate(events):
        if event.get("event") == "user" and (event.get("metadata") or {}).get("message_sid") == message_sid:
            start = index
    if start is None:
        return None
    replies = []
    actions = []
    reverted = False
    for event in events[start + 1 :]:
        kind = event.get("event")
        if kind == "user":
            break
        if kind == "rewind":
            if (event.get("metadata") or {}).get(UNDO_KEY) == message_sid:
                return None
            reverted = True
        elif kind == "bot":
            data = event.get("data") or {}
            replies.append(parse_reply({"text": event.get("text"), **data}))
        elif kind == "action" and isinstance(event.get("name"), str):
            actions.append(str(event["name"]))
    return TrackedTurn(replies=replies, actions=tuple(actions), reverted=reverted)


def filled_answers(slots: dict[str, Any]) -> dict[str, Any]:
    """The filled slots (the answers so far), without Rasa's own bookkeeping."""
    return {name: value for name, value in slots.items() if value is not None and name not in INTERNAL_SLOTS}
