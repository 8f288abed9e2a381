"""The worker's SQLite connection runs on the event loop's thread (bot/db/sqlite_inline.py).

What the webhook needs from it: a write transaction with no other await in it holds SQLite's write
lock only while its statements run, never while the loop serves other turns; and while the webhook
holds the lock, the worker waits for it without stopping its loop, then writes exactly once.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db import sqlite_inline
from bot.db.engine import make_engine
from bot.settings import Settings


def engine_at(path: Path, *, inline: bool) -> AsyncEngine:
    return make_engine(Settings(app_env="test", database_url=f"sqlite:///{path}"), sqlite_inline=inline)


async def with_table(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE t (x INTEGER PRIMARY KEY, note TEXT)"))


class LoopTicks:
    """Counts the turns other tasks get on the loop."""

    def __init__(self) -> None:
        self.count = 0
        self._task = asyncio.create_task(self._tick())

    async def _tick(self) -> None:
        while True:
            self.count += 1
            await asyncio.sleep(0)

    def stop(self) -> None:
        self._task.cancel()


async def ticks_while_the_lock_is_held(engine: AsyncEngine) -> int:
    await asyncio.sleep(0)
    ticks = LoopTicks()
    await asyncio.sleep(0)
    try:
        async with engine.connect() as connection:
            await connection.execute(text("INSERT INTO t (note) VALUES ('one')"))  # the lock is taken here
            before = ticks.count
            await connection.execute(text("UPDATE t SET note = 'two' WHERE note = 'one'"))
            await connection.commit()  # and released here
            return ticks.count - before
    finally:
        ticks.stop()


async def test_no_other_task_runs_between_a_write_and_its_commit(tmp_path: Path) -> None:
    inline = engine_at(tmp_path / "inline.db", inline=True)
    threaded = engine_at(tmp_path / "threaded.db", inline=False)
    try:
        await with_table(inline)
        await with_table(threaded)
        assert await ticks_while_the_lock_is_held(inline) == 0
        assert await ticks_while_the_lock_is_held(threaded) > 0  # aiosqlite: a hop per call
    finally:
        await inline.dispose()
        await threaded.dispose()


async def test_pragmas_are_those_of_the_other_connections_but_the_busy_wait_is_its_own(
    tmp_path: Path,
) -> None:
    engine = engine_at(tmp_path / "famibot.db", inline=True)
    try:
        async with engine.connect() as connection:
            assert (await connection.scalar(text("PRAGMA journal_mode"))) == "wal"
            assert (await connection.scalar(text("PRAGMA foreign_keys"))) == 1
            assert (await connection.scalar(text("PRAGMA busy_timeout"))) == 0
    finally:
        await engine.dispose()


async def test_a_write_waits_for_the_webhook_without_stopping_the_loop_and_lands_once(tmp_path: Path) -> None:
    path = tmp_path / "famibot.db"
    engine = engine_at(path, inline=True)
    try:
        await with_table(engine)
        webhook = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        webhook.execute("BEGIN IMMEDIATE")  # the webhook's lane holds the write lock…
        webhook.execute("INSERT INTO t (note) VALUES ('inbound')")
        hold_s = 0.3
        release = threading.Timer(hold_s, webhook.execute, args=("COMMIT",))
        ticks = LoopTicks()
        release.start()
        try:
            started = time.monotonic()
            async with engine.begin() as connection:  # …the worker's write waits, then lands
                await connection.execute(text("INSERT INTO t (note) VALUES ('reply')"))
                await connection.execute(text("UPDATE t SET note = 'reply sent' WHERE note = 'reply'"))
            waited = time.monotonic() - started
            assert waited >= hold_s * 0.9
            assert ticks.count > 10  # the loop ran other tasks while the worker waited
        finally:
            ticks.stop()
            release.join()
            webhook.close()
        async with engine.connect() as connection:
            rows = (await connection.execute(text("SELECT note FROM t ORDER BY x"))).scalars().all()
        assert rows == ["inbound", "reply sent"]
    finally:
        await engine.dispose()


async def test_a_lock_never_freed_ends_in_the_usual_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "famibot.db"
    engine = engine_at(path, inline=True)
    monkeypatch.setattr(sqlite_inline, "BUSY_DEADLINE_S", 0.2)
    try:
        await with_table(engine)
        other = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            started = time.monotonic()
            with pytest.raises(OperationalError, match="locked"):  # as with SQLite's own busy handler
                async with engine.begin() as connection:
                    await connection.execute(text("INSERT INTO t (note) VALUES ('never')"))
            assert 0.2 <= time.monotonic() - started < 2
        finally:
            other.execute("ROLLBACK")
            other.close()
        async with engine.connect() as connection:
            assert await connection.scalar(text("SELECT count(*) FROM t")) == 0
    finally:
        await engine.dispose()
