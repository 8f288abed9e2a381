"""Dialect-specific INSERT (… ON CONFLICT …) for SQLite and PostgreSQL, which share the API."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


def dialect_insert(session: AsyncSession, table: Any) -> Any:
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(table)


def insert_ignoring_conflicts(session: AsyncSession, table: Any) -> Any:
    return dialect_insert(session, table).on_conflict_do_nothing()
