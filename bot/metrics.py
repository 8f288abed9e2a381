"""Prometheus metrics. Web and worker share PROMETHEUS_MULTIPROC_DIR, so /metrics shows both."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

INBOUND_MESSAGES = Counter(
    "famibot_inbound_messages_total", "Inbound Twilio messages by channel and outcome", ["channel", "outcome"]
)
OUTBOUND_STATUS = Counter(
    "famibot_outbound_status_total", "Outbound message status transitions recorded", ["status"]
)
STATUS_CALLBACKS = Counter(
    "famibot_status_callbacks_total",
    "Twilio status callbacks acknowledged, by outcome: advanced (the row moved forward), kept (known "
    "status, row unchanged), unknown_status (recorded only), unmatched (no such outbound row)",
    ["outcome"],
)
TURN_LATENCY = Histogram(
    "famibot_turn_seconds",
    "From inbound message stored to its replies handed to Twilio",
    buckets=(0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 30, 60),
)
RASA_CALLS = Counter("famibot_rasa_calls_total", "Calls to Rasa by outcome", ["outcome"])
TURN_FAILURES = Counter(
    "famibot_turn_failures_total",
    "Turns that failed, by reason (rasa_error, no_reply, action_server_down, deadline) and what "
    "happened next (retry; waiting_for_rasa: Rasa down, the try does not count; dead_letter)",
    ["reason", "outcome"],
)
TWILIO_DELETIONS = Counter(
    "famibot_twilio_deletions_total", "Deletes of messages and media at Twilio by outcome", ["outcome"]
)
REPAYMENT_REMINDERS = Counter(
    "famibot_repayment_reminders_total",
    "Repayment reminders (Message.purpose repayment_reminder) by what dispatch did: queued (its outbox "
    "row written), skipped, canceled (paid), moved (paused, limits, a consultant's conversation)",
    ["outcome"],
)
