"""The one place that decides whether a message may be sent to a contact now.

Every send — bot reply, keyword confirmation, reminder, lesson, consultant — asks :func:`may_send`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.db.models import Contact

WHATSAPP_WINDOW = timedelta(hours=24)
# Answers to the contact's own keyword: the opt-out confirmation is the one message an opted-out
# contact still gets, and HELP is answered whatever their state.
SENT_EVEN_WHEN_OPTED_OUT = frozenset({"opt_out_confirmation", "help"})


@dataclass(frozen=True, slots=True)
class SendDecision:
    allowed: bool
    reason: str | None = None


def whatsapp_window_open(contact: Contact, now: datetime) -> bool:
    """Free text is allowed within 24 h of the contact's last WhatsApp message, unless Twilio said
    63016 (window closed) after that message."""
    last = contact.last_whatsapp_inbound_at
    if last is None or now - last > WHATSAPP_WINDOW:
        return False
    closed = contact.whatsapp_window_closed_at
    return closed is None or closed < last


def may_send(
    contact: Contact, *, channel: str, now: datetime, is_template: bool = False, purpose: str = "reply"
) -> SendDecision:
    if contact.opted_out and purpose not in SENT_EVEN_WHEN_OPTED_OUT:
        return SendDecision(False, "contact opted out")
    if channel == "whatsapp" and not is_template and not whatsapp_window_open(contact, now):
        return SendDecision(False, "WhatsApp 24 h window closed: an approved template is required")
    return SendDecision(True)
