"""The worker's SQLite connection, run on the event loop's own thread instead of aiosqlite's.

aiosqlite runs each call (cursor, execute, fetch, close, commit) in a thread of its own and hands the
result back through the event loop. Between a write and its commit the coroutine waits for its turn
on the loop, behind the other turns in flight, a garbage collection, or the kernel giving the CPU to
Rasa: the worker held SQLite's one write lock for 5 ms at the median and 13 ms at the 90th percentile
of its slower transactions (up to 0.4 s measured) while the webhook's ack waited for it. Here each
call runs at once, in the caller's thread: a transaction written without other awaits in between
holds the lock only for its statements (SQLite answers in micro- to milliseconds from the page cache).

Only the wait for the lock yields: the connection's busy timeout is 0 and a busy database is tried
again after an asyncio sleep (0.2 to 2 ms), so the loop keeps running while the webhook writes, and
two engines in one process (tests) cannot block each other. A transaction that began at the write
that met the lock is rolled back before the statement is tried again (Python's sqlite3 begins a
transaction only at the first write, so nothing is lost); inside a savepoint the statement is
simply tried again, as SQLite's busy handler would.

Used through SQLAlchemy's aiosqlite dialect (``async_creator``): the same dialect, types and SQL.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

T = TypeVar("T")
BUSY_DEADLINE_S = 30.0  # as the busy_timeout of the other connections
FIRST_PAUSE_S, LONGEST_PAUSE_S = 0.0002, 0.002


class InlineCursor:
    """aiosqlite's Cursor API over a sqlite3 cursor, every call done at once."""

    def __init__(self, connection: InlineConnection) -> None:
        self._connection = connection
        self._cursor = connection._conn.cursor()

    async def __aenter__(self) -> InlineCursor:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    async def execute(self, sql: str, parameters: Any = None) -> InlineCursor:
        args = (sql,) if parameters is None else (sql, parameters)
        await self._connection._when_free(lambda: self._cursor.execute(*args))
        return self

    async def executemany(self, sql: str, parameters: Iterable[Any]) -> InlineCursor:
        rows = list(parameters)  # a retry needs them again
        await self._connection._when_free(lambda: self._cursor.executemany(sql, rows))
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(self._cursor.arraysize if size is None else size)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value


class InlineConnection:
    """aiosqlite's Connection API (what SQLAlchemy's adapter calls) over one sqlite3 connection."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection: sqlite3.Connection | None = connection  # SQLAlchemy checks it before commit

    @property
    def _conn(self) -> sqlite3.Connection:
        if self._connection is None:
            raise ValueError("no active connection")
        return self._connection

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    def cursor(self) -> InlineCursor:
        return InlineCursor(self)

    async def commit(self) -> None:
        await self._when_free(self._conn.commit)

    async def rollback(self) -> None:
        self._conn.rollback()

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._conn.create_function(*args, **kwargs)

    async def close(self) -> None:
        self.stop()

    def stop(self) -> None:  # also SQLAlchemy's terminate
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    async def _when_free(self, call: Callable[[], T]) -> T:
        deadline = time.monotonic() + BUSY_DEADLINE_S
        pause = FIRST_PAUSE_S
        while True:
            began_here = not self._conn.in_transaction  # sqlite3 issues BEGIN before a first write
            try:
                result = call()
            except sqlite3.OperationalError as exc:
                if not is_busy(exc) or time.monotonic() > deadline:
                    raise
                if began_here and self._conn.in_transaction:
                    self._conn.rollback()  # the transaction began at this write: nothing to lose
            else:
                return result
            await asyncio.sleep(pause)
            pause = min(pause * 2, LONGEST_PAUSE_S)


def inline_creator(path: str) -> Callable[[], Awaitable[InlineConnection]]:
    """SQLAlchemy's ``async_creator`` for the file at ``path`` (the pragmas come from the connect event)."""

    async def connect() -> InlineConnection:
        return InlineConnection(sqlite3.connect(path, timeout=0, check_same_thread=False))

    return connect


def is_busy(exc: BaseException | None) -> bool:
    """SQLite's "database is locked" (also the web's write lane, bot/db/sync_lane.py, asks this)."""
    code = getattr(exc, "sqlite_errorcode", None)
    return code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) or "database is locked" in str(exc)
