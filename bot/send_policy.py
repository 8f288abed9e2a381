"""The one place that decides whether a message may be sent to a contact now.

Every send — bot reply, keyword confirmation, reminder, lesson, consultant — asks :func:`may_send`.

Replies and proactive messages. A *reply* answers the person's own message and may go at any hour:
the bot's replies, the answers to a keyword (opt-out/opt-in confirmation, help), the apology for a
message the bot could not answer, and a consultant's reply while the conversation is live (the
person wrote in the last ``LIVE_CONVERSATION``: they asked for a person and are waiting). Everything
else is *proactive* — a document reminder ("document_reminder"), a repayment reminder
("repayment_reminder"), the template that reopens a closed WhatsApp window, a consultant's reply to
someone who went quiet days ago, and any purpose this module does not know (fail closed) — and goes
only within the contact hours of Ley 2300 de 2023 (``bot.contact_hours``). Outside them the decision
is not a refusal but a deferral: the row waits ("deferred") and goes at ``defer_until`` (bot/outbox.py,
bot/deferred.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.contact_hours import ContactHours
from bot.db.consultant import CONSULTANT_REPLY
from bot.db.models import Contact

WHATSAPP_WINDOW = timedelta(hours=24)
# Answers to the contact's own keyword: the opt-out confirmation is the one message an opted-out
# contact still gets, and HELP is answered whatever their state.
SENT_EVEN_WHEN_OPTED_OUT = frozenset({"opt_out_confirmation", "help"})
# Message.purpose values that answer the person's own message: sent at any hour ("failure_apology":
# bot.turn_failures.APOLOGY_PURPOSE, not imported: it imports the outbox, which imports this module).
REPLY_PURPOSES = frozenset(
    {"reply", "opt_out_confirmation", "opt_in_confirmation", "help", "failure_apology"}
)
LIVE_CONVERSATION = timedelta(hours=24)
OUTSIDE_CONTACT_HOURS = "outside contact hours (Ley 2300 de 2023)"
MAX_VALIDITY_S = 36_000  # Twilio's ceiling for ValidityPeriod (10 hours)


@dataclass(frozen=True, slots=True)
class SendDecision:
    """``allowed``: send now. Not allowed with ``defer_until``: keep the message, send it then;
    without: never send it (``reason`` says why)."""

    allowed: bool
    reason: str | None = None
    defer_until: datetime | None = None
    # A proactive message allowed now: Twilio drops it if still queued when the contact hours close
    # (its ValidityPeriod, whole seconds, 1–36 000), so nothing queued arrives after hours.
    valid_for_s: int | None = None

    @property
    def deferred(self) -> bool:
        return self.defer_until is not None


def whatsapp_window_open(contact: Contact, now: datetime) -> bool:
    """Free text is allowed within 24 h of the contact's last WhatsApp message, unless Twilio said
    63016 (window closed) after that message."""
    last = contact.last_whatsapp_inbound_at
    if last is None or now - last > WHATSAPP_WINDOW:
        return False
    closed = contact.whatsapp_window_closed_at
    return closed is None or closed < last


def is_proactive(contact: Contact, *, purpose: str, now: datetime) -> bool:
    """Not an answer to the person's own message: contact hours apply (see the module docstring)."""
    if purpose in REPLY_PURPOSES:
        return False
    if purpose == CONSULTANT_REPLY:
        last = contact.last_inbound_at
        return last is None or now - last > LIVE_CONVERSATION
    return True


def may_send(
    contact: Contact,
    *,
    channel: str,
    now: datetime,
    hours: ContactHours,
    is_template: bool = False,
    purpose: str = "reply",
) -> SendDecision:
    if contact.opted_out and purpose not in SENT_EVEN_WHEN_OPTED_OUT:
        return SendDecision(False, "contact opted out")
    if channel == "whatsapp" and not is_template and not whatsapp_window_open(contact, now):
        return SendDecision(False, "WhatsApp 24 h window closed: an approved template is required")
    if is_proactive(contact, purpose=purpose, now=now):
        closes = hours.closes_at(now)
        if closes is None:
            return SendDecision(False, OUTSIDE_CONTACT_HOURS, defer_until=hours.next_open(now))
        left = int((closes - now).total_seconds())
        return SendDecision(True, valid_for_s=min(max(left, 1), MAX_VALIDITY_S))
    return SendDecision(True)
