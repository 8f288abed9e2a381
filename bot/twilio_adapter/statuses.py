"""Message statuses and the Twilio error codes the product acts on."""

from __future__ import annotations

# Rank of each status: a status callback may only move a message forward.
STATUS_RANK: dict[str, int] = {
    "pending": 0,
    "sending": 1,
    "unknown": 1,
    "accepted": 2,
    "scheduled": 2,
    "queued": 2,
    "sent": 3,
    "failed": 4,
    "undelivered": 4,
    "delivered": 5,
    "read": 6,
    "refused": 7,  # our own decision not to send; final
    "canceled": 7,
}
TWILIO_STATUSES = frozenset(STATUS_RANK) - {"pending", "sending", "unknown", "refused"}
FAILED_STATUSES = frozenset({"failed", "undelivered"})

ERROR_UNSUBSCRIBED = 21610  # recipient replied STOP: opted out
ERROR_WHATSAPP_WINDOW_CLOSED = 63016  # outside the 24 h window: template needed
ERROR_WHATSAPP_THROTTLED = 63018
ERROR_CARRIER_FILTERED = 30007

ERROR_MEANINGS: dict[int, str] = {
    ERROR_UNSUBSCRIBED: "the recipient has opted out (STOP)",
    ERROR_WHATSAPP_WINDOW_CLOSED: "WhatsApp 24 h window closed: only a template may be sent",
    ERROR_WHATSAPP_THROTTLED: "WhatsApp rate limit for this sender",
    ERROR_CARRIER_FILTERED: "filtered by the carrier",
    30003: "unreachable handset",
    30005: "unknown or inactive number",
    30006: "landline or unreachable carrier",
    21211: "invalid 'To' number",
}


def moves_forward(current: str, new: str) -> bool:
    return STATUS_RANK.get(new, -1) > STATUS_RANK.get(current, -1)


def is_opt_out_error(code: int | None) -> bool:
    return code == ERROR_UNSUBSCRIBED
