"""The worker's backlog, read from the app's database: how many inbound messages wait, and when each
finished (answered, skipped or failed). Turns per second come from the app's own timestamps.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, create_engine, func, select

from bot.db.messages import PENDING_INBOUND
from bot.db.models import Message
from bot.settings import Settings


@dataclass(frozen=True, slots=True)
class Backlog:
    waiting: int  # inbound rows not finished yet ("received" or "processing")
    finished: Sequence[float]  # epoch seconds at which each finished inbound row was finished


class BacklogReader:
    """A small synchronous engine of its own (the bench's reads must not share the app's pool)."""

    def __init__(self, database_url: str) -> None:
        self.engine: Engine = create_engine(
            Settings(app_env="test", database_url=database_url).sync_database_url
        )

    def waiting(self) -> int:
        with self.engine.connect() as connection:
            count = connection.scalar(
                select(func.count())
                .select_from(Message)
                .where(Message.direction == "in", Message.status.in_(PENDING_INBOUND))
            )
        return int(count or 0)

    def read(self) -> Backlog:
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(Message.status, Message.answered_at, Message.updated_at).where(
                    Message.direction == "in"
                )
            ).all()
        finished = [
            epoch(row.answered_at or row.updated_at) for row in rows if row.status not in PENDING_INBOUND
        ]
        waiting = sum(1 for row in rows if row.status in PENDING_INBOUND)
        return Backlog(waiting=waiting, finished=sorted(finished))

    async def wait_empty(self, timeout_s: float, poll_s: float = 0.5) -> bool:
        """True once nothing waits; False after ``timeout_s``. One cheap COUNT per poll."""
        deadline = time.monotonic() + timeout_s
        while True:
            if await asyncio.to_thread(self.waiting) == 0:
                return True
            if time.monotonic() >= deadline:
                return False
            await asyncio.sleep(poll_s)

    async def wait_below(self, count: int, timeout_s: float = 60, poll_s: float = 0.05) -> None:
        """Until fewer than ``count`` messages wait (the first turn is under way or done)."""
        deadline = time.monotonic() + timeout_s
        while True:
            if await asyncio.to_thread(self.waiting) < count or time.monotonic() >= deadline:
                return
            await asyncio.sleep(poll_s)

    def close(self) -> None:
        self.engine.dispose()


def epoch(value: Any) -> float:
    if isinstance(value, str):  # SQLite through a raw select may hand back text
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return float(value.timestamp())


def rate(finished: Sequence[float], start: float, end: float) -> float | None:
    """Turns finished per second in [start, end)."""
    if end - start <= 0:
        return None
    return round(sum(1 for t in finished if start <= t < end) / (end - start), 2)


def steady_rate(finished: Sequence[float]) -> float | None:
    """Turns/s between the first and the last finished turn (start-up and the last straggler excluded)."""
    if len(finished) < 2 or finished[-1] <= finished[0]:
        return None
    return round((len(finished) - 1) / (finished[-1] - finished[0]), 2)
