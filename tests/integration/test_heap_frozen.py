"""Web and worker take what they built at start-up out of the garbage collector's rounds (bot/heap.py).

A full collection used to walk the whole runtime (~160,000 objects, 150–180 ms on the bench's
machine) and stalled Twilio's acks; both processes now freeze it once started and thaw it when they
stop (a test process starts many apps).
"""

from __future__ import annotations

import gc
from typing import Any

from bot.heap import freeze_startup_heap, thaw_heap
from bot.settings import Settings
from bot.worker import shutdown, startup
from tests.channel.harness import running_app


class Bulky:
    """A long-lived structure like the runtime's: many small objects the collector would walk."""

    def __init__(self) -> None:
        self.parts = [{"n": n} for n in range(50_000)]


def test_a_frozen_structure_is_left_out_of_full_collections() -> None:
    bulky = Bulky()
    gc.collect()
    walked_before = len(gc.get_objects(generation=2))
    try:
        frozen = freeze_startup_heap()
        walked_after = len(gc.get_objects(generation=2))
        assert frozen >= 50_000
        assert walked_before - walked_after >= 50_000
        assert not any(part is bulky.parts[0] for part in gc.get_objects())
    finally:
        thaw_heap()
    assert gc.get_freeze_count() == 0
    assert len(gc.get_objects(generation=2)) >= 50_000


async def test_the_web_freezes_its_runtime_while_it_serves_and_thaws_it_when_it_stops(
    settings: Settings,
) -> None:
    assert gc.get_freeze_count() == 0
    async with running_app(settings) as app:
        assert gc.get_freeze_count() > 10_000
        assert not any(obj is app.runtime for obj in gc.get_objects())
        response = await app.client.get("/healthz")
        assert response.status_code == 200
    assert gc.get_freeze_count() == 0


async def test_the_worker_freezes_its_runtime_once_started_and_thaws_it_at_shutdown(
    settings: Settings,
) -> None:
    ctx: dict[str, Any] = {"settings": settings}
    assert gc.get_freeze_count() == 0
    await startup(ctx)
    try:
        assert gc.get_freeze_count() > 10_000
        assert not any(obj is ctx["runtime"] for obj in gc.get_objects())
    finally:
        await shutdown(ctx)
    assert gc.get_freeze_count() == 0
