"""The worker's doorbell: a burst of rings makes a poll or two, not one poll per ring (real Redis)."""

from __future__ import annotations

import asyncio
from typing import Any, cast

from arq.worker import Worker

from bot.queue import ring_doorbell
from bot.runtime import Runtime
from bot.worker import answer_doorbell

POLL_S = 0.2


class SlowPolls:
    """Stands in for arq's Worker: each poll takes a while, as when it waits for a free slot."""

    def __init__(self) -> None:
        self.polls = 0
        self.running = 0
        self.most_at_once = 0

    async def _poll_iteration(self) -> None:
        self.polls += 1
        self.running += 1
        self.most_at_once = max(self.most_at_once, self.running)
        await asyncio.sleep(POLL_S)
        self.running -= 1


async def test_rings_during_a_poll_make_one_more_poll_not_one_each(runtime: Any) -> None:
    built = cast(Runtime, runtime)
    worker = SlowPolls()
    queue_name = built.settings.queue_name
    listening = asyncio.create_task(answer_doorbell(cast(Worker, worker), built, queue_name))
    try:
        await asyncio.sleep(0.3)  # subscribed
        for _ in range(100):  # a burst: 100 messages stored while the first poll runs
            await ring_doorbell(built.redis)
        await asyncio.sleep(3 * POLL_S)
        assert 1 <= worker.polls <= 2, worker.polls
        assert worker.most_at_once == 1
        await ring_doorbell(built.redis)  # a ring after the burst is still answered
        await asyncio.sleep(2 * POLL_S)
        assert worker.polls in (2, 3), worker.polls
    finally:
        listening.cancel()
        await asyncio.gather(listening, return_exceptions=True)
