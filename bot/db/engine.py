"""Engine and session factories, built once by the composition root and passed down."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Engine, event, exc, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from bot.db.sqlite_inline import inline_creator
from bot.settings import Settings

SessionFactory = async_sessionmaker[AsyncSession]


def make_engine(settings: Settings, *, sqlite_inline: bool = False) -> AsyncEngine:
    """The process's async engine; ``sqlite_inline``: SQLite runs on the loop's thread (the worker)."""
    url = settings.async_database_url
    if url.startswith("sqlite"):
        # One connection per process: SQLite has one writer anyway, and waiting in asyncio's queue is
        # cheaper and fairer than sleeping in SQLite's busy handler.
        inline = {"async_creator": inline_creator(make_url(url).database or "")} if sqlite_inline else {}
        engine = create_async_engine(
            url, connect_args={"timeout": 30}, pool_size=1, max_overflow=0, pool_timeout=60, **inline
        )
        event.listen(engine.sync_engine, "connect", sqlite_pragmas)
        if sqlite_inline:  # bot/db/sqlite_inline.py waits for the lock without blocking the loop
            event.listen(engine.sync_engine, "connect", no_busy_timeout)
        return engine
    engine = create_async_engine(url, pool_size=10, max_overflow=10)
    ping_when_idle(engine.sync_engine)
    return engine


# A connection that waited this long in the pool is checked before use (the server may have restarted
# or a proxy dropped it meanwhile); one in steady use is not.
IDLE_BEFORE_PING_S = 10.0


def ping_when_idle(engine: Engine, *, after_s: float = IDLE_BEFORE_PING_S) -> None:
    """``pool_pre_ping``, only for connections idle longer than ``after_s`` (PostgreSQL).

    SQLAlchemy's pre-ping costs a round trip (``SELECT 1``) on every checkout: 9 per ordinary turn
    and one per webhook ack, a quarter of what the worker asked PostgreSQL per turn, for connections
    used milliseconds before. A failed ping raises ``DisconnectionError``: the pool drops that
    connection and hands out a new one, as with ``pool_pre_ping``. A connection that breaks while
    in steady use fails its statement; SQLAlchemy then invalidates the whole pool, and the caller's
    own retry (the worker's job, the status loop) runs on fresh connections.
    """

    def remember_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    def ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < after_s:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            raise exc.DisconnectionError(str(error)) from error
        if not alive:
            raise exc.DisconnectionError("connection failed its ping")

    event.listen(engine.pool, "checkin", remember_checkin)
    event.listen(engine.pool, "checkout", ping_if_idle)


def make_session_factory(engine: AsyncEngine) -> SessionFactory:
    return async_sessionmaker(engine, expire_on_commit=False)


def sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the web process write while the worker reads; busy_timeout waits instead of failing.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def no_busy_timeout(dbapi_connection: Any, _record: Any) -> None:
    """For connections that wait for the write lock themselves (the write lane, the worker's inline one)."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=0")
    cursor.close()
