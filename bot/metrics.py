"""Prometheus metrics. Web and worker share PROMETHEUS_MULTIPROC_DIR, so /metrics shows both."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

INBOUND_MESSAGES = Counter(
    "famibot_inbound_messages_total", "Inbound Twilio messages by channel and outcome", ["channel", "outcome"]
)
OUTBOUND_STATUS = Counter(
    "famibot_outbound_status_total", "Outbound message status transitions recorded", ["status"]
)
TURN_LATENCY = Histogram(
    "famibot_turn_seconds",
    "From inbound message stored to its replies handed to Twilio",
    buckets=(0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 30, 60),
)
RASA_CALLS = Counter("famibot_rasa_calls_total", "Calls to Rasa by outcome", ["outcome"])
TWILIO_DELETIONS = Counter(
    "famibot_twilio_deletions_total", "Deletes of messages and media at Twilio by outcome", ["outcome"]
)
