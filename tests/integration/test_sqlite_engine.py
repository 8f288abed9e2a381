"""The SQLite engine the web and the worker share a file with: WAL, and a writer waits for a writer.

Web and worker are separate processes on one SQLite file. With WAL a reader never waits for the
other process's write transaction, and with busy_timeout a writer waits for it instead of failing:
the webhook's insert must not answer 500 because the worker was committing a turn.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

from sqlalchemy import text

from bot.db.engine import make_engine
from bot.settings import Settings


def settings_for(path: Path) -> Settings:
    return Settings(app_env="test", database_url=f"sqlite:///{path}")


async def test_wal_and_busy_timeout_are_on(tmp_path: Path) -> None:
    engine = make_engine(settings_for(tmp_path / "famibot.db"))
    try:
        async with engine.connect() as connection:
            assert (await connection.scalar(text("PRAGMA journal_mode"))) == "wal"
            assert (await connection.scalar(text("PRAGMA busy_timeout"))) == 30000
            assert (await connection.scalar(text("PRAGMA foreign_keys"))) == 1
    finally:
        await engine.dispose()


async def test_a_reader_does_not_wait_and_a_writer_waits_for_the_other_process(tmp_path: Path) -> None:
    path = tmp_path / "famibot.db"
    engine = make_engine(settings_for(path))
    try:
        async with engine.begin() as connection:  # creates the file in WAL mode
            await connection.execute(text("CREATE TABLE t (x INTEGER)"))
            await connection.execute(text("INSERT INTO t VALUES (1)"))
        other = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # the "worker" holds the write lock…
        other.execute("INSERT INTO t VALUES (2)")
        hold_s = 0.5
        release = threading.Timer(hold_s, other.execute, args=("COMMIT",))
        release.start()
        try:
            started = time.monotonic()
            async with engine.connect() as connection:  # …a read answers at once, from the snapshot
                assert await connection.scalar(text("SELECT count(*) FROM t")) == 1
            assert time.monotonic() - started < hold_s / 2
            async with engine.begin() as connection:  # …a write waits for the commit, then succeeds
                await connection.execute(text("INSERT INTO t VALUES (3)"))
            assert time.monotonic() - started >= hold_s * 0.9
        finally:
            release.join()
            other.close()
        async with engine.connect() as connection:
            assert await connection.scalar(text("SELECT count(*) FROM t")) == 3
    finally:
        await engine.dispose()
