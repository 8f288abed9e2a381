"""Fresh, migrated databases for tests and benchmarks: a SQLite file or a new PostgreSQL database.

Running every Alembic migration for each of the suite's ~1,500 databases took about a quarter of its
time. Each kind of database is migrated once, into a template keyed by the migrations' contents, and
copied from it: SQLite with its backup API, PostgreSQL with ``CREATE DATABASE … TEMPLATE``. A change
to any migration gives a new key, so a template never holds an old schema.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import tempfile
import uuid
from contextlib import closing
from pathlib import Path

from bot.db.migrate import MIGRATIONS_DIR, upgrade_to_head
from bot.settings import Settings

POSTGRES_URL = os.environ.get("FAMIBOT_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
TEMPLATE_PREFIX = "famibot_template_"
_sqlite_templates: dict[str, Path] = {}  # migrations' key -> a migrated file, for this process


def migrations_key() -> str:
    """A digest of every migration file: the schema a template was built with."""
    digest = hashlib.sha256()
    for path in sorted(MIGRATIONS_DIR.rglob("*.py")):
        digest.update(path.relative_to(MIGRATIONS_DIR).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def create_database(
    backend: str, directory: Path, *, label: str = "famibot", prefix: str = "famibot_test"
) -> tuple[str, str | None]:
    """A new, migrated database; returns (url, PostgreSQL database name to drop, or None)."""
    if backend == "sqlite":
        target = directory / f"{label}.db"
        target.parent.mkdir(parents=True, exist_ok=True)
        _copy_sqlite(_sqlite_template(), target)
        return f"sqlite:///{target}", None
    import psycopg

    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    template = _postgres_template()
    with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return _postgres_url(name), name


def drop_database(name: str) -> None:
    import psycopg

    with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _postgres_url(name: str) -> str:
    return POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"


def _sqlite_template() -> Path:
    key = migrations_key()
    if key not in _sqlite_templates:
        path = Path(tempfile.mkdtemp(prefix="famibot-template-")) / f"{key}.db"
        upgrade_to_head(Settings(app_env="test", database_url=f"sqlite:///{path}"))
        _sqlite_templates[key] = path
    return _sqlite_templates[key]


def _copy_sqlite(source: Path, target: Path) -> None:
    """A consistent copy (the backup API, not a file copy: the template may be in WAL mode)."""
    with closing(sqlite3.connect(source)) as origin, closing(sqlite3.connect(target)) as copy:
        origin.backup(copy)


def _postgres_template() -> str:
    """The migrated template database for the current migrations, built once per server.

    Built under a temporary name and renamed when complete, so an interrupted build is never used;
    templates of other migrations are dropped when a new one is built.
    """
    import psycopg
    from psycopg import errors

    template = TEMPLATE_PREFIX + migrations_key()
    with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
        found = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (template,)).fetchone()
        if found:
            return template
        building = f"{template}_{uuid.uuid4().hex[:6]}"
        connection.execute(f'CREATE DATABASE "{building}"')
        try:
            upgrade_to_head(Settings(app_env="test", database_url=_postgres_url(building)))
            connection.execute(f'ALTER DATABASE "{building}" RENAME TO "{template}"')
        except errors.DuplicateDatabase:  # another test process finished the same template first
            connection.execute(f'DROP DATABASE IF EXISTS "{building}" WITH (FORCE)')
            return template
        except BaseException:
            connection.execute(f'DROP DATABASE IF EXISTS "{building}" WITH (FORCE)')
            raise
        stale = connection.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s AND datname <> %s",
            (TEMPLATE_PREFIX.replace("_", r"\_") + "%", template),
        ).fetchall()
        for (name,) in stale:
            try:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
            except psycopg.Error:  # in use by another test process: a later build drops it
                continue
    return template
