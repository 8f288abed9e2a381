"""Short write transactions of the web process, on a synchronous connection in a thread of their own.

The webhook's writes are a few tiny statements. Through the async drivers each statement costs
several hops between the event loop and the driver's thread (aiosqlite: cursor, execute, fetch,
close) plus the ORM's bookkeeping: about 1.8 ms of CPU for an inbound message and 3.4 ms for a status
callback, most of the web's budget. A lane runs the whole transaction as plain synchronous Core code
in one hop.
"""

from __future__ import annotations

import asyncio
import itertools
import queue
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Connection, create_engine, event
from sqlalchemy.exc import OperationalError

from bot.db.engine import no_busy_timeout, ping_when_idle, sqlite_pragmas
from bot.db.sqlite_inline import BUSY_DEADLINE_S, FIRST_PAUSE_S, LONGEST_PAUSE_S, is_busy

T = TypeVar("T")
URGENT, LATER = 0, 1  # an inbound message (Twilio waits for its ack) goes before status callbacks
_STOP = (2, 0, None, None, None)


class SyncLane:
    """One thread, one connection, one queue in priority order.

    One thread: SQLite has one writer anyway, and a second thread would only fight the first for the
    GIL while the event loop answers Twilio. Priority: a burst of status callbacks (three per reply,
    fired together when a worker finishes a batch of turns) must not make an inbound message wait
    behind it; with the queue, an ack waits at most for the one write in progress.
    """

    def __init__(self, sync_url: str) -> None:
        self.sqlite = sync_url.startswith("sqlite")
        if self.sqlite:
            self.engine = create_engine(
                sync_url, connect_args={"timeout": 0, "check_same_thread": False}, pool_size=1
            )
            event.listen(self.engine, "connect", sqlite_pragmas)
            event.listen(self.engine, "connect", no_busy_timeout)
        else:
            self.engine = create_engine(sync_url, pool_size=1, max_overflow=0)
            ping_when_idle(self.engine)
        self._queue: queue.PriorityQueue[tuple[int, int, Any, Any, Any]] = queue.PriorityQueue()
        self._order = itertools.count()
        self._thread = threading.Thread(target=self._serve, name="write-lane", daemon=True)
        self._thread.start()

    async def run(self, transaction: Callable[[Connection], T], *, urgent: bool = False) -> T:
        """Run ``transaction`` in one database transaction (committed unless it raises or rolls back)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._queue.put((URGENT if urgent else LATER, next(self._order), transaction, future, loop))
        return await future

    def _serve(self) -> None:
        while True:
            _, _, transaction, future, loop = self._queue.get()
            if transaction is None:
                return
            try:
                result = self._in_transaction(transaction)
            except BaseException as exc:  # handed to the awaiting coroutine
                loop.call_soon_threadsafe(_settle, future, None, exc)
            else:
                loop.call_soon_threadsafe(_settle, future, result, None)

    def _in_transaction(self, transaction: Callable[[Connection], T]) -> T:
        if not self.sqlite:
            return self._once(transaction)
        # SQLite's own busy handler sleeps 1, 2, 5, 10, 15 … ms while the worker holds the write lock,
        # whatever the moment the lock comes free: an ack waited 11 ms on average for locks held far
        # less. Here a busy database is tried again at once, then every 0.2 to 2 ms.
        deadline = time.monotonic() + BUSY_DEADLINE_S
        pause = FIRST_PAUSE_S
        while True:
            try:
                return self._once(transaction)
            except OperationalError as exc:
                if not is_busy(exc.orig) or time.monotonic() > deadline:
                    raise
            time.sleep(pause)
            pause = min(pause * 2, LONGEST_PAUSE_S)

    def _once(self, transaction: Callable[[Connection], T]) -> T:
        with self.engine.connect() as connection:
            result = transaction(connection)
            if connection.in_transaction():
                connection.commit()
            return result

    def close(self) -> None:
        self._queue.put(_STOP)
        self._thread.join(timeout=30)
        self.engine.dispose()


def _settle(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if future.cancelled():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)
