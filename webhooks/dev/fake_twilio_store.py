"""In-memory state of the fake Twilio API (dev/test only): messages, scripted outcomes, media.

One store per app instance, kept on ``app.state`` and created on first use. Everything is bounded so
a long-running dev server cannot grow without limit.
"""

from __future__ import annotations

import asyncio
import secrets
from collections import OrderedDict
from collections.abc import Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any, Literal

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field

from bot.gsm7 import sms_size

API_VERSION = "2010-04-01"
FAKE_PREFIX = "/fake-twilio"
MAX_MESSAGES = 10_000
MAX_SCRIPTED = 1_000
MAX_MEDIA_ITEMS = 200
MAX_MEDIA_BYTES = 16 * 1024 * 1024
DEFAULT_CALLBACK_DELAY_S = 0.05
MEDIA_TRICKLE_PARTS = 10

FinalStatus = Literal["sent", "delivered", "read", "failed", "undelivered"]
FAILED = frozenset({"failed", "undelivered"})
STATUS_PATHS: dict[str, tuple[str, ...]] = {
    "sent": ("queued", "sent"),
    "delivered": ("queued", "sent", "delivered"),
    "read": ("queued", "sent", "delivered", "read"),
    "failed": ("queued", "failed"),
    "undelivered": ("queued", "sent", "undelivered"),
}
# Texts Twilio gives for the codes the product cares about (others get a generic text).
ERROR_TEXTS: dict[int, str] = {
    20003: "Authenticate",
    20009: "Cannot delete this resource before it is complete",
    21655: "The ContentSid is Invalid",
    20404: "The requested resource was not found",
    20429: "Too Many Requests",
    20500: "Internal Server Error",
    20503: "Service Unavailable",
    21211: "Invalid 'To' Phone Number",
    21602: "Message body is required.",
    21603: "A 'From' phone number is required.",
    21604: "A 'To' phone number is required.",
    21606: "The 'From' phone number provided is not a valid message-capable Twilio phone number.",
    21610: "Attempt to send to unsubscribed recipient",
    21617: "The concatenated message body exceeds the 1600 character limit.",
    21624: "Invalid validity period value",
    21910: "Invalid From and To pair. From and To should be of the same channel",
    30003: "Unreachable destination handset",
    30005: "Unknown destination handset",
    30006: "Landline or unreachable carrier",
    30007: "Message filtered",
    30008: "Unknown error",
    63007: "Twilio could not find a Channel with the specified From address",
    63016: "Failed to send freeform message because you are outside the allowed window. "
    "If you want to send a freeform message, please use a template.",
    63018: "Rate limit exceeded for Channel",
}
IN_PROGRESS = frozenset({"accepted", "scheduled", "queued", "sending"})  # Twilio refuses to delete these
DEFAULT_CODE_FOR_STATUS = {400: 21211, 401: 20003, 404: 20404, 429: 20429, 500: 20500, 503: 20503}


def error_text(code: int) -> str:
    return ERROR_TEXTS.get(code, f"Error {code}")


def new_sid(prefix: str) -> str:
    return prefix + secrets.token_hex(16)


def rfc2822(moment: datetime | None) -> str | None:
    return format_datetime(moment) if moment is not None else None


def utcnow() -> datetime:
    return datetime.now(UTC)


class ScriptedOutcome(BaseModel):
    """What the next matching create should do instead of the happy path."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    http_status: int | None = Field(default=None, ge=200, le=599)
    # The answer (success or error) comes this late; a success is processed first, as Twilio would.
    timeout_s: float | None = Field(default=None, gt=0, le=120)
    error_code: int | None = None
    message: str | None = None
    final_status: FinalStatus | None = None
    # False: the message moves along its status path but fires no status callback (lost callbacks).
    status_callbacks: bool = True


@dataclass(slots=True)
class CallbackRecord:
    status: str
    url: str
    params: dict[str, str]
    http_status: int | None = None
    error: str | None = None
    at: datetime = field(default_factory=utcnow)

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "url": self.url,
            "params": self.params,
            "http_status": self.http_status,
            "error": self.error,
            "at": self.at.isoformat(),
        }


@dataclass(slots=True)
class FakeMessage:
    sid: str
    account_sid: str
    to: str
    from_: str
    body: str
    direction: str = "outbound-api"
    status: str = "queued"
    media_urls: tuple[str, ...] = ()
    media_content_types: tuple[str, ...] = ()
    status_callback: str | None = None
    content_sid: str | None = None
    content_variables: str | None = None
    content_buttons: tuple[dict[str, str], ...] = ()  # the template's buttons, for the simulator
    messaging_service_sid: str | None = None
    validity_period_s: int | None = None  # ValidityPeriod as sent (the fake never expires a message)
    error_code: int | None = None
    error_message: str | None = None
    date_created: datetime = field(default_factory=utcnow)
    date_updated: datetime = field(default_factory=utcnow)
    date_sent: datetime | None = None
    callbacks: list[CallbackRecord] = field(default_factory=list)

    @property
    def num_segments(self) -> int:
        if self.to.startswith("whatsapp:") or self.from_.startswith("whatsapp:"):
            return 1
        return sms_size(self.body).segments

    def set_status(self, status: str, error_code: int | None = None, error_text: str | None = None) -> None:
        now = utcnow()
        self.status = status
        self.date_updated = now
        if status in ("sent", "delivered", "read", "undelivered") and self.date_sent is None:
            self.date_sent = now
        if error_code is not None:
            self.error_code = error_code
            self.error_message = error_text

    def to_twilio_json(self) -> dict[str, Any]:
        """The message as Twilio's REST API renders it."""
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{self.sid}"
        return {
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "body": self.body,
            "date_created": rfc2822(self.date_created),
            "date_sent": rfc2822(self.date_sent),
            "date_updated": rfc2822(self.date_updated),
            "direction": self.direction,
            "error_code": self.error_code,
            "error_message": self.error_message,
            "from": self.from_ or None,
            "messaging_service_sid": self.messaging_service_sid,
            "num_media": str(len(self.media_urls)),
            "num_segments": str(self.num_segments),
            "price": None,
            "price_unit": "USD",
            "sid": self.sid,
            "status": self.status,
            "subresource_uris": {"media": f"{uri}/Media.json"},
            "to": self.to,
            "uri": f"{uri}.json",
        }

    def to_control_json(self) -> dict[str, Any]:
        """Everything the tests may want, including the callbacks fired and what they got back."""
        data = self.to_twilio_json()
        data.update(
            status_callback=self.status_callback,
            media_urls=list(self.media_urls),
            media_content_types=list(self.media_content_types),
            content_sid=self.content_sid,
            content_variables=self.content_variables,
            content_buttons=list(self.content_buttons),
            validity_period_s=self.validity_period_s,
            received_at=self.date_created.isoformat(),  # to the microsecond (send-rate tests, bench)
            callbacks=[record.to_json() for record in self.callbacks],
        )
        return data


@dataclass(frozen=True, slots=True)
class StoredMedia:
    sid: str
    message_sid: str
    content_type: str
    content: bytes


class FakeTwilioStore:
    def __init__(self, *, callback_delay_s: float = DEFAULT_CALLBACK_DELAY_S) -> None:
        self.callback_delay_s = callback_delay_s
        self.status_callbacks = True  # False: no message fires callbacks (as if Twilio cannot reach us)
        self.media_delay_s = 0.0  # every media download answers this late (a slow or stuck Twilio)
        self.media_trickle_s = 0.0  # >0: media bytes come in MEDIA_TRICKLE_PARTS parts, this far apart
        self._messages: OrderedDict[str, FakeMessage] = OrderedDict()
        self._scripts: list[tuple[str | None, ScriptedOutcome]] = []
        self._media: OrderedDict[str, StoredMedia] = OrderedDict()
        self._tasks: set[asyncio.Task[None]] = set()
        self.failing_deletes = 0  # the next N deletes answer ``failing_delete_status`` (tests)
        self.failing_delete_status = 503

    # messages
    def add_message(self, message: FakeMessage) -> None:
        self._messages[message.sid] = message
        while len(self._messages) > MAX_MESSAGES:
            self._messages.popitem(last=False)

    def get_message(self, sid: str) -> FakeMessage | None:
        return self._messages.get(sid)

    def messages(self, *, to: str | None = None, from_: str | None = None) -> list[FakeMessage]:
        """Oldest first, filtered by exact address."""
        return [
            message
            for message in self._messages.values()
            if (to is None or message.to == to) and (from_ is None or message.from_ == from_)
        ]

    def delete_message(self, sid: str) -> bool:
        """Forget the message and its media, as Twilio does; False when there was no such message."""
        if self._messages.pop(sid, None) is None:
            return False
        for media_sid in [item.sid for item in self._media.values() if item.message_sid == sid]:
            del self._media[media_sid]
        return True

    def take_failing_delete(self) -> int | None:
        """The HTTP status the next delete must fail with, when a test scripted failures."""
        if self.failing_deletes <= 0:
            return None
        self.failing_deletes -= 1
        return self.failing_delete_status

    # scripted outcomes
    def add_script(self, to: str | None, outcomes: list[ScriptedOutcome]) -> int:
        if len(self._scripts) + len(outcomes) > MAX_SCRIPTED:
            raise ValueError(f"at most {MAX_SCRIPTED} scripted outcomes may be pending")
        self._scripts.extend((to, outcome) for outcome in outcomes)
        return len(self._scripts)

    def next_outcome(self, to: str) -> ScriptedOutcome | None:
        """The oldest pending outcome for this address (or for any address), consumed."""
        for index, (address, outcome) in enumerate(self._scripts):
            if address is None or address == to:
                del self._scripts[index]
                return outcome
        return None

    @property
    def pending_scripts(self) -> int:
        return len(self._scripts)

    # media
    def add_media(self, *, content_type: str, content: bytes, message_sid: str | None = None) -> StoredMedia:
        if len(content) > MAX_MEDIA_BYTES:
            raise ValueError("media larger than 16 MB")
        item = StoredMedia(new_sid("ME"), message_sid or new_sid("MM"), content_type, content)
        self._media[item.sid] = item
        while len(self._media) > MAX_MEDIA_ITEMS:
            self._media.popitem(last=False)
        return item

    def get_media(self, sid: str) -> StoredMedia | None:
        return self._media.get(sid)

    def delete_media(self, message_sid: str, sid: str) -> bool:
        item = self._media.get(sid)
        if item is None or item.message_sid != message_sid:
            return False
        del self._media[sid]
        return True

    def all_media(self) -> list[StoredMedia]:
        return list(self._media.values())

    # background work (status callbacks)
    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self, timeout_s: float = 10.0) -> bool:
        """Wait for the callbacks in flight; False if some were still running at the timeout."""
        pending = set(self._tasks)
        if not pending:
            return True
        _, still = await asyncio.wait(pending, timeout=timeout_s)
        return not still

    def reset(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        self._messages.clear()
        self._scripts.clear()
        self._media.clear()
        self.failing_deletes = 0


def get_store(app: FastAPI) -> FakeTwilioStore:
    store = getattr(app.state, "fake_twilio", None)
    if not isinstance(store, FakeTwilioStore):
        store = FakeTwilioStore()
        app.state.fake_twilio = store
    return store
