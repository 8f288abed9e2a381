"""Rasa over HTTP: the REST channel for turns, the tracker to reconcile a turn that may have run.

Rasa answers its REST channel with 200 and ``[]`` even after an internal error, so an empty answer
is checked against the tracker: if our message is not there, Rasa did not process it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

INTERNAL_SLOTS = frozenset({"session_started_metadata", "requested_slot", "canal"})


class RasaUnavailable(Exception):
    """Rasa did not answer (down, slow, 5xx, or it dropped the message): retry later."""


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


class RasaClient:
    def __init__(self, *, base_url: str, token: str, client: httpx.AsyncClient, timeout_s: float) -> None:
        self._base = base_url.rstrip("/")
        self._token = token
        self._client = client
        self._timeout = httpx.Timeout(timeout_s, connect=3.0)

    async def send(self, *, sender_id: str, message: str, metadata: dict[str, Any]) -> list[BotReply]:
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
        return [parse_reply(item) for item in items if isinstance(item, dict)]

    async def replies_in_tracker(self, *, sender_id: str, message_sid: str) -> list[BotReply] | None:
        """The bot's replies to our message if Rasa recorded it, else ``None``."""
        tracker = await self._tracker(sender_id, include_events="ALL")
        return replies_after_message(tracker.get("events") or [], message_sid)

    async def answers(self, *, sender_id: str) -> dict[str, Any]:
        """The conversation's filled slots (the answers so far), without Rasa's own bookkeeping."""
        slots = (await self._tracker(sender_id, include_events="NONE")).get("slots") or {}
        return {
            name: value for name, value in slots.items() if value is not None and name not in INTERNAL_SLOTS
        }

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
    start = None
    for index, event in enumerate(events):
        if event.get("event") == "user" and (event.get("metadata") or {}).get("message_sid") == message_sid:
            start = index
    if start is None:
        return None
    replies = []
    for event in events[start + 1 :]:
        if event.get("event") == "user":
            break
        if event.get("event") == "bot":
            data = event.get("data") or {}
            replies.append(parse_reply({"text": event.get("text"), **data}))
    return replies
