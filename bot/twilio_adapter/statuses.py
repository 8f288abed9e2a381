"""Message statuses and the Twilio error codes the product acts on."""

from __future__ import annotations

# Rank of each status of our outbound rows: a row only ever moves to a higher rank.
# pending/sending/unknown are ours (not yet at Twilio, or not known to be); the rest come from Twilio.
# Decisions for the statuses besides queued/sent/delivered/read/failed/undelivered:
# - accepted, scheduled (Messaging Services): Twilio has it, not yet sent; same rank as queued.
# - partially_delivered: some parts reached the phone and some did not. An outcome like failed and
#   undelivered (same rank: whichever comes first stays); a later delivered or read still wins.
# - canceled (a scheduled message canceled before it went out): final, as our own "refused".
# - held: a consultant's WhatsApp reply written after the 24 h window closed; it waits, unsent, until
#   the person answers the template (then it becomes "sending"). Not in the unsent set: nothing
#   retries it before then.
# - deferred: a proactive message outside the contact hours (Ley 2300 de 2023, bot/send_policy.py);
#   unsent, not in the unsent set either: bot/deferred.py makes it "pending" again when the hours open.
STATUS_RANK: dict[str, int] = {
    "held": 0,
    "deferred": 0,
    "pending": 0,
    "sending": 1,
    "unknown": 1,
    "accepted": 2,
    "scheduled": 2,
    "queued": 2,
    "sent": 3,
    "failed": 4,
    "undelivered": 4,
    "partially_delivered": 4,
    "delivered": 5,
    "read": 6,
    "refused": 7,  # our own decision not to send; final
    "canceled": 7,
}
UNSENT_STATUSES = ("pending", "sending", "unknown")  # the outbox still owes these rows a send
AT_TWILIO_FLOOR = "queued"  # the least a row with a Twilio SID can be: it is no longer unsent

# What each status Twilio reports (send answer, list, status callback) makes of our row.
# Twilio's "sending" (handing the message to the carrier) is not our "sending" (our request to
# Twilio is in flight): the row becomes "queued". "receiving"/"received" belong to inbound messages:
# recorded, they do not move an outbound row. A status missing here is recorded and acknowledged too.
ROW_STATUS_FOR_TWILIO: dict[str, str | None] = {
    "accepted": "accepted",
    "scheduled": "scheduled",
    "queued": "queued",
    "sending": "queued",
    "sent": "sent",
    "failed": "failed",
    "undelivered": "undelivered",
    "partially_delivered": "partially_delivered",
    "delivered": "delivered",
    "read": "read",
    "canceled": "canceled",
    "receiving": None,
    "received": None,
}
TWILIO_STATUSES = frozenset(ROW_STATUS_FOR_TWILIO)
FAILED_STATUSES = frozenset({"failed", "undelivered"})
MAX_STATUS_CHARS = 32  # the status columns' width; a longer unknown status is stored cut

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
    30036: "validity period expired: still queued when the contact hours closed, not sent",
}


def moves_forward(current: str, new: str) -> bool:
    return STATUS_RANK.get(new, -1) > STATUS_RANK.get(current, -1)


def row_status_for(twilio_status: str) -> str | None:
    """The row status a Twilio status means; None when it must only be recorded."""
    return ROW_STATUS_FOR_TWILIO.get(twilio_status)


def is_opt_out_error(code: int | None) -> bool:
    return code == ERROR_UNSUBSCRIBED
