"""What a new conversation session starts with: the channel and the slots carried over."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, Literal

from bot.dialogue.prequal_form import TRANSIENT_SLOTS

Channel = Literal["sms", "whatsapp"]

CANAL_SLOT: Final = "canal"
SESSION_METADATA_SLOT: Final = "session_started_metadata"
CHANNELS: Final[frozenset[str]] = frozenset({"sms", "whatsapp"})


def channel_from_metadata(metadata: object) -> Channel | None:
    """The channel the gateway put in the REST metadata, or None when missing or unknown.

    The gateway sends ``{"channel": "sms" | "whatsapp", ...}``; case and spaces are forgiven.
    """
    if not isinstance(metadata, Mapping):
        return None
    raw = metadata.get("channel")
    if not isinstance(raw, str):
        return None
    value = raw.strip().lower()
    if value == "sms":
        return "sms"
    if value == "whatsapp":
        return "whatsapp"
    return None


def carry_over_enabled(domain: Mapping[str, Any]) -> bool:
    """Whether the domain asks to carry slots into a new session (Rasa's default: true)."""
    config = domain.get("session_config")
    if not isinstance(config, Mapping):
        return True
    return bool(config.get("carry_over_slots_to_new_session", True))


def session_start_slots(slots: Mapping[str, Any], metadata: object, *, carry_over: bool) -> dict[str, Any]:
    """Slot values a new session starts with, in a stable order.

    Carried-over slots (those with a value) come first, when ``carry_over`` is on, except those that
    only mean something while a form runs (a new session starts with no form). ``canal`` is always
    set from this session's metadata and overrides a carried-over value; an unknown or missing channel
    sets it to None so an old value never leaks into the new session.
    """
    values: dict[str, Any] = {}
    if carry_over:
        values = {
            name: value
            for name, value in slots.items()
            if value is not None and name != CANAL_SLOT and name not in TRANSIENT_SLOTS
        }
    values[CANAL_SLOT] = channel_from_metadata(metadata)
    return values
