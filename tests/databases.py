"""Fresh, migrated databases for tests and benchmarks: a SQLite file or a new PostgreSQL database."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from bot.db.migrate import upgrade_to_head
from bot.settings import Settings

POSTGRES_URL = os.environ.get("FAMIBOT_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def create_database(
    backend: str, directory: Path, *, label: str = "famibot", prefix: str = "famibot_test"
) -> tuple[str, str | None]:
    """A new, migrated database; returns (url, PostgreSQL database name to drop, or None)."""
    if backend == "sqlite":
        url = f"sqlite:///{directory / f'{label}.db'}"
        upgrade_to_head(Settings(app_env="test", database_url=url))
        return url, None
    import psycopg

    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    url = POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
    upgrade_to_head(Settings(app_env="test", database_url=url))
    return url, name


def drop_database(name: str) -> None:
    import psycopg

    with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
