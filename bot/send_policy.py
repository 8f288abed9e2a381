"""The one place that decides whether a message may be sent to a contact now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.db.models import Contact

WHATSAPP_WINDOW = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class SendDecision:
    allowed: bool
    reason: str | None = None


def may_send(contact: Contact, *, channel: str, now: datetime, is_template: bool = False) -> SendDecision:
    if contact.opted_out:
        return SendDecision(False, "contact opted out")
    if channel == "whatsapp" and not is_template:
        last = contact.last_whatsapp_inbound_at
        if last is None or now - last > WHATSAPP_WINDOW:
            return SendDecision(False, "WhatsApp 24 h window closed: an approved template is required")
    return SendDecision(True)
