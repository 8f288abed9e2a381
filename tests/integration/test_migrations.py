"""The migrations build exactly the schema the models describe, and go down and up again cleanly."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from bot.db.migrate import alembic_config
from bot.db.models import Base
from bot.settings import to_sync_url


def _differences(url: str) -> list[object]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, Base.metadata))
    finally:
        engine.dispose()


def test_models_and_migrations_agree_and_downgrade_works(database_url: str) -> None:
    url = to_sync_url(database_url)
    assert _differences(url) == []
    config = alembic_config(url)
    command.downgrade(config, "base")
    command.upgrade(config, "head")
    assert _differences(url) == []
