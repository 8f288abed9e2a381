"""What the reply box shows as the consultant types: the WhatsApp 24 h window and the SMS size.

Pure functions over the same rules as the bot's own sends (``bot.send_policy``, ``bot.gsm7``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.db.models import Contact
from bot.gsm7 import fold_to_gsm7, sms_size
from bot.send_policy import WHATSAPP_WINDOW, whatsapp_window_open

MAX_REPLY_CHARS = 1600  # Twilio's Body limit (SMS: ~11 segments)


@dataclass(frozen=True, slots=True)
class WindowState:
    """``open``: free text may go out now. ``closes_at``: when it closes (WhatsApp, while open)."""

    open: bool
    closes_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Preview:
    """The text as the person will get it; ``encoding``/``segments``/``units`` for SMS only."""

    text: str
    encoding: str | None
    segments: int | None
    too_long: bool
    units: int | None = None  # characters as SMS counts them (GSM-7 extension characters count 2)


def window_state(contact: Contact, channel: str, now: datetime) -> WindowState:
    """SMS has no window. WhatsApp: open for 24 h after the person's last message, unless Twilio
    said 63016 (closed) since then."""
    if channel != "whatsapp":
        return WindowState(open=True)
    if not whatsapp_window_open(contact, now) or contact.last_whatsapp_inbound_at is None:
        return WindowState(open=False)
    return WindowState(open=True, closes_at=contact.last_whatsapp_inbound_at + WHATSAPP_WINDOW)


def rendered_reply(text: str, channel: str) -> str:
    """A consultant's text as it is sent: trimmed, and folded to GSM-7 on SMS."""
    text = text.strip().replace("\r\n", "\n")
    return fold_to_gsm7(text) if channel == "sms" else text


def preview(text: str, channel: str) -> Preview:
    rendered = rendered_reply(text, channel)
    too_long = len(rendered) > MAX_REPLY_CHARS
    if channel != "sms":
        return Preview(text=rendered, encoding=None, segments=None, too_long=too_long)
    size = sms_size(rendered)
    return Preview(
        text=rendered,
        encoding=size.encoding,
        segments=size.segments,
        too_long=too_long,
        units=size.units,
    )
