"""Where an end-to-end turn's time goes, from timestamps the app already stores (no app changes).

Per turn: bench POST → inbound row stored (web) → inbound answered (worker: queue pickup, lock, DB,
Rasa, render, outbox rows) → first reply's send started (worker) → reply stored at the fake Twilio.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import create_engine, select

from bench.stats import summary_ms
from bench.turns import Turn
from bot.db.models import Message
from bot.settings import Settings


def stage_times(database_url: str, turns: list[Turn]) -> dict[str, dict[str, Any]]:
    ok = [t for t in turns if t.error is None and t.stamps]
    if not ok:
        return {}
    engine = create_engine(Settings(app_env="test", database_url=database_url).sync_database_url)
    try:
        with engine.connect() as connection:
            inbound = {
                row.twilio_sid: row
                for row in connection.execute(
                    select(Message.id, Message.twilio_sid, Message.created_at, Message.answered_at).where(
                        Message.direction == "in", Message.twilio_sid.in_([t.inbound_sid for t in ok])
                    )
                )
            }
            outbound = {
                row.twilio_sid: row
                for row in connection.execute(
                    select(Message.twilio_sid, Message.reply_to_id, Message.send_started_at).where(
                        Message.direction == "out",
                        Message.twilio_sid.in_([sid for t in ok for sid in t.reply_sids]),
                    )
                )
            }
    finally:
        engine.dispose()
    stages: dict[str, list[float]] = {
        "1_webhook_to_stored": [],
        "2_stored_to_answered (queue+worker+rasa)": [],
        "3_answered_to_send_started": [],
        "4_send_to_visible_at_fake": [],
    }
    for turn in ok:
        row = inbound.get(turn.inbound_sid)
        first = outbound.get(turn.reply_sids[0])
        if row is None or first is None or row.answered_at is None or first.send_started_at is None:
            continue
        created, answered = _epoch(row.created_at), _epoch(row.answered_at)
        send_started = _epoch(first.send_started_at)
        stages["1_webhook_to_stored"].append(created - turn.wall_start)
        stages["2_stored_to_answered (queue+worker+rasa)"].append(answered - created)
        stages["3_answered_to_send_started"].append(send_started - answered)
        stages["4_send_to_visible_at_fake"].append(turn.stamps[0] - send_started)
    return {name: summary_ms(values) for name, values in stages.items()}


def _epoch(value: Any) -> float:
    from datetime import UTC, datetime

    if isinstance(value, str):  # SQLite via a raw select may hand back text
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return float(value.timestamp())
