"""Engine and session factories, built once by the composition root and passed down."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, make_url
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
    return create_async_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True)


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
