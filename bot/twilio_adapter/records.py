"""Typed records crossing the Twilio boundary."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Channel = Literal["sms", "whatsapp"]


@dataclass(frozen=True, slots=True)
class MediaItem:
    url: str
    content_type: str


@dataclass(frozen=True, slots=True)
class InboundMessage:
    message_sid: str
    channel: Channel
    from_e164: str
    to: str
    body: str = ""
    media: tuple[MediaItem, ...] = ()
    button_payload: str | None = None
    button_text: str | None = None
    profile_name: str | None = None
    whatsapp_id: str | None = None


@dataclass(frozen=True, slots=True)
class StatusUpdate:
    message_sid: str
    status: str
    error_code: int | None = None
    outbound_id: int | None = None


@dataclass(frozen=True, slots=True)
class OutboundRequest:
    """One message to send. ``to``/``from_`` carry the ``whatsapp:`` prefix when needed."""

    to: str
    from_: str
    body: str = ""
    status_callback: str | None = None
    media_urls: tuple[str, ...] = ()
    content_sid: str | None = None
    content_variables: dict[str, str] = field(default_factory=dict)
    validity_period_s: int | None = None  # Twilio drops it if still queued after this (1–36 000 s)


@dataclass(frozen=True, slots=True)
class SentMessage:
    sid: str
    status: str


@dataclass(frozen=True, slots=True)
class RemoteMessage:
    """A message as Twilio's list endpoint describes it (used to reconcile ambiguous sends)."""

    sid: str
    to: str
    from_: str
    body: str
    status: str
    date_created_epoch: float
