"""Shared fixtures: the network guard, real PostgreSQL/SQLite databases and a real Redis."""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import redis as redis_sync

sys.path.insert(0, str(Path(__file__).parent / "netguard"))
import tests_netguard_impl  # noqa: F401  (refuses sockets beyond loopback in this process)

from bot.settings import Settings
from tests.databases import create_database, drop_database

ROOT = Path(__file__).resolve().parents[1]
REDIS_BASE = os.environ.get("FAMIBOT_TEST_REDIS_URL", "redis://127.0.0.1:6379")
AUTH_TOKEN = "test-auth-token"
ACCOUNT_SID = "AC" + "1" * 32
BACKENDS = ["sqlite", "postgresql"]


def make_settings(database_url: str, redis_db: int, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "app_env": "test",
        "dev_tools": True,  # the simulator and the fake Twilio API, for loopback clients
        "database_url": database_url,
        "redis_url": f"{REDIS_BASE}/{redis_db}",
        "twilio_account_sid": ACCOUNT_SID,
        "twilio_auth_token": AUTH_TOKEN,
        "public_base_url": "https://famibot.test",
        "twilio_api_base_url": "http://127.0.0.1:9/fake-twilio",
        "rasa_url": "http://127.0.0.1:9",
        "actions_url": "http://127.0.0.1:9",
        "queue_name": f"famibot-test:{uuid.uuid4().hex[:8]}",
        "log_json": True,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    url, name = create_database(str(request.param), tmp_path)
    yield url
    if name:
        drop_database(name)


@pytest.fixture
def redis_db() -> Iterator[int]:
    """A Redis database index used by this test only (flushed before and after)."""
    index = int(os.environ.get("FAMIBOT_TEST_REDIS_DB", "14"))
    client = redis_sync.Redis.from_url(f"{REDIS_BASE}/{index}")
    client.flushdb()
    yield index
    client.flushdb()
    client.close()


@pytest.fixture
def settings(database_url: str, redis_db: int, tmp_path: Path) -> Settings:
    return make_settings(database_url, redis_db, media_dir=tmp_path / "media")


@pytest.fixture
async def runtime(settings: Settings) -> AsyncIterator[object]:
    from bot.runtime import build_runtime

    built = await build_runtime(settings)
    yield built
    await built.close()
