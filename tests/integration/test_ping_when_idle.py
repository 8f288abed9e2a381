"""PostgreSQL connections are pinged before use only after they idled in the pool (real server).

The server ends a pooled connection behind the pool's back (``pg_terminate_backend``, as a restart or
a proxy's idle timeout would). Idle long enough, the connection is pinged at checkout, found dead and
replaced: the caller's statement runs. In steady use it is not pinged: the statement fails once and
SQLAlchemy invalidates the pool, so the next one runs on a new connection.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import create_async_engine

from bot.db.engine import ping_when_idle
from bot.db.models import utcnow
from bot.runtime import build_runtime
from bot.settings import Settings
from bot.twilio_adapter.records import InboundMessage
from tests.conftest import make_settings
from tests.databases import create_database, drop_database


@pytest.fixture
def postgresql_url(tmp_path: Path) -> Iterator[str]:
    url, name = create_database("postgresql", tmp_path)
    yield url
    assert name is not None
    drop_database(name)


def _engine(url: str, *, idle_s: float) -> Engine:
    engine = create_engine(Settings(app_env="test", database_url=url).sync_database_url, pool_size=1)
    ping_when_idle(engine, after_s=idle_s)
    return engine


def _backend_pid(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(text("SELECT pg_backend_pid()")) or 0)


def _terminate(engine: Engine, pid: int) -> None:
    """End ``pid``'s server process from a connection of another pool."""
    killer = create_engine(engine.url)
    with killer.connect() as connection:
        assert connection.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    killer.dispose()


def test_an_idle_connection_that_died_is_replaced_before_use(postgresql_url: str) -> None:
    engine = _engine(postgresql_url, idle_s=0.0)  # every connection counts as idle
    first = _backend_pid(engine)
    _terminate(engine, first)
    assert _backend_pid(engine) != first  # the ping found it dead; a new connection ran the query
    engine.dispose()


def test_a_connection_in_steady_use_is_not_pinged(postgresql_url: str) -> None:
    engine = _engine(postgresql_url, idle_s=3600.0)
    first = _backend_pid(engine)
    _terminate(engine, first)
    with pytest.raises(DBAPIError) as failed, engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    assert failed.value.connection_invalidated  # SQLAlchemy saw a disconnect
    assert _backend_pid(engine) != first  # and the next use gets a fresh connection
    engine.dispose()


async def test_the_async_engine_pings_an_idle_connection_too(postgresql_url: str) -> None:
    """The worker's and the web's engine: psycopg's async driver behind SQLAlchemy's adapter."""
    settings = Settings(app_env="test", database_url=postgresql_url)
    engine = create_async_engine(settings.async_database_url, pool_size=1, max_overflow=0)
    ping_when_idle(engine.sync_engine, after_s=0.0)
    async with engine.connect() as connection:
        first = await connection.scalar(text("SELECT pg_backend_pid()"))
    _terminate(create_engine(settings.sync_database_url), int(first or 0))
    async with engine.connect() as connection:
        assert await connection.scalar(text("SELECT pg_backend_pid()")) != first
    await engine.dispose()


async def test_the_webhook_store_survives_a_dropped_connection(
    postgresql_url: str, redis_db: int, tmp_path: Path
) -> None:
    """A connection used a moment ago (not pinged) that the server ended: the ack's store runs again
    on a new one instead of answering Twilio 500, and the message is stored once."""
    settings = make_settings(postgresql_url, redis_db, media_dir=tmp_path / "media")
    runtime = await build_runtime(settings, web=True)
    try:

        def message(sid: str) -> InboundMessage:
            return InboundMessage(
                message_sid=sid, channel="sms", from_e164="+573015550000", to="+15005550006"
            )

        assert await runtime.inbound.store(message("SM" + "a" * 32), now=utcnow()) is not None
        async with runtime.engine.connect() as connection:  # the pool's one idle connection
            pid = int(await connection.scalar(text("SELECT pg_backend_pid()")) or 0)
        _terminate(create_engine(settings.sync_database_url), pid)
        stored = await runtime.inbound.store(message("SM" + "b" * 32), now=utcnow())
        assert stored is not None
        async with runtime.engine.connect() as connection:
            count = await connection.scalar(text("SELECT count(*) FROM messages WHERE direction = 'in'"))
        assert count == 2
    finally:
        await runtime.close()
