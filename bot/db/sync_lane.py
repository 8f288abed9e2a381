"""Short write transactions of the web process, on a synchronous connection in a thread of their own.

The webhook's writes are a few tiny statements. Through the async drivers each statement costs
several hops between the event loop and the driver's thread (aiosqlite: cursor, execute, fetch,
close) plus the ORM's bookkeeping: about 1.8 ms of CPU for an inbound message and 3.4 ms for a status
callback, most of the web's budget. A lane runs the whole transaction as plain synchronous Core code
in one hop: SQLite gets one thread (one writer anyway), PostgreSQL a few.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from sqlalchemy import Connection, create_engine, event

from bot.db.engine import sqlite_pragmas

T = TypeVar("T")


class SyncLane:
    def __init__(self, sync_url: str, *, threads: int = 4) -> None:
        self.sqlite = sync_url.startswith("sqlite")
        threads = 1 if self.sqlite else threads
        if self.sqlite:
            self.engine = create_engine(
                sync_url, connect_args={"timeout": 30, "check_same_thread": False}, pool_size=1
            )
            event.listen(self.engine, "connect", sqlite_pragmas)
        else:
            self.engine = create_engine(sync_url, pool_size=threads, max_overflow=0, pool_pre_ping=True)
        self._threads = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="write-lane")

    async def run(self, transaction: Callable[[Connection], T]) -> T:
        """Run ``transaction`` in one database transaction (committed unless it raises or rolls back)."""
        return await asyncio.get_running_loop().run_in_executor(
            self._threads, self._in_transaction, transaction
        )

    def _in_transaction(self, transaction: Callable[[Connection], T]) -> T:
        with self.engine.connect() as connection:
            result = transaction(connection)
            if connection.in_transaction():
                connection.commit()
            return result

    def close(self) -> None:
        self._threads.shutdown(wait=True)
        self.engine.dispose()
