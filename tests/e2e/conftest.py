"""The real stack: a trained Rasa model served by `rasa run`, the action server, real Redis, the web
app (with the fake Twilio API) and the arq worker — on SQLite and on PostgreSQL.

Rasa and the action server are shared by both backends (different Redis databases and sender ids).
The worker reaches Rasa through a TCP proxy that a test can stop to make Rasa "go down".
"""

from __future__ import annotations

import asyncio
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis as redis_sync

from bot.settings import Settings
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN, REDIS_BASE
from tests.databases import create_database, drop_database
from tests.e2e.db import sms_turn_sizes
from tests.e2e.processes import (
    ROOT,
    SMS_FROM,
    WHATSAPP_FROM,
    Process,
    RasaServer,
    child_env,
    free_port,
    signed_inbound,
    start_rasa_server,
    twilio_settings,
)

pytestmark = pytest.mark.e2e

RASA_TOKEN = "e2e-rasa-token"
MODEL = ROOT / "models" / "famibot.tar.gz"
APP_PYTHON = str(Path(sys.executable))
REDIS_DB = {"rasa": 11, "sqlite": 12, "postgresql": 13}
# A window far smaller than production's 60 events: every e2e conversation runs on a tracker whose
# window has moved forward many times (nlu/famibot_store, docs/TRACKER_STORE.md).
TRACKER_WINDOW_EVENTS = 8


@pytest.fixture(scope="session")
def rasa_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RasaServer]:
    assert MODEL.exists(), f"no trained model at {MODEL}: run scripts/train.sh (make test does)"
    redis_url = f"{REDIS_BASE}/{REDIS_DB['rasa']}"
    redis_sync.Redis.from_url(redis_url).flushdb()
    server = start_rasa_server(
        tmp_path_factory.mktemp("rasa-logs"),
        model=MODEL,
        token=RASA_TOKEN,
        redis_url=redis_url,
        actions_proxy=True,
        env={"TRACKER_WINDOW_EVENTS": str(TRACKER_WINDOW_EVENTS)},
    )
    try:
        yield server
    finally:
        server.stop()


@dataclass
class Stack:
    backend: str
    web_url: str
    database_url: str
    env: dict[str, str]
    web: Process
    worker: Process
    proxy: Process
    logs: Path
    rasa: RasaServer
    http: httpx.AsyncClient = field(init=False)
    twilio: Settings = field(init=False)

    def __post_init__(self) -> None:
        self.http = httpx.AsyncClient(base_url=self.web_url, timeout=15)
        self.twilio = twilio_settings(
            public_base_url=self.web_url, account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN
        )

    async def send(
        self, phone: str, body: str = "", *, channel: str = "sms", sid: str | None = None, **extra: str
    ) -> httpx.Response:
        """POST a signed Twilio-format inbound message, exactly as Twilio would."""
        content, headers = signed_inbound(self.twilio, phone, body, channel=channel, sid=sid, **extra)
        return await self.http.post("/twilio/messages", content=content, headers=headers)

    async def outbound(self, phone: str, *, channel: str = "sms") -> list[dict[str, Any]]:
        to = f"whatsapp:{phone}" if channel == "whatsapp" else phone
        response = await self.http.get("/fake-twilio/_control/messages", params={"to": to})
        response.raise_for_status()
        return list(response.json()["messages"])

    async def wait_outbound(
        self, phone: str, count: int, *, channel: str = "sms", timeout_s: float = 30
    ) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout_s
        while True:
            found = await self.outbound(phone, channel=channel)
            if len(found) >= count or time.monotonic() > deadline:
                assert len(found) >= count, (
                    f"expected {count} replies to {phone}, got {len(found)}: {[m['body'] for m in found]}\n"
                    f"--- worker log ---\n{self.worker.tail()}"
                )
                return found
            await asyncio.sleep(0.1)

    async def script(self, phone: str, responses: list[dict[str, Any]]) -> None:
        response = await self.http.post(
            "/fake-twilio/_control/script", json={"to": phone, "responses": responses}
        )
        response.raise_for_status()

    def slow_rasa(self, delay_s: float) -> None:
        """Hold back every answer from Rasa to the worker by ``delay_s`` (0: back to normal)."""
        (self.logs / "rasa-delay").write_text(str(delay_s))

    def restart_worker(self) -> None:
        self.worker.stop()
        self.worker = Process("worker", self.worker.command, self.env, self.logs).start()


def new_phone() -> str:
    return "+57300" + str(uuid.uuid4().int)[:7]


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def stack(
    request: pytest.FixtureRequest, rasa_server: RasaServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    backend = str(request.param)
    logs = tmp_path_factory.mktemp(f"stack-{backend}")
    database_url, database_name = create_database(backend, logs)
    redis_url = f"{REDIS_BASE}/{REDIS_DB[backend]}"
    redis_sync.Redis.from_url(redis_url).flushdb()
    web_port, proxy_port = free_port(), free_port()
    web_url = f"http://127.0.0.1:{web_port}"
    (logs / "metrics").mkdir()
    env = child_env(
        {
            "APP_ENV": "test",
            "DEV_TOOLS": "true",  # the fake Twilio API the worker sends to
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "RASA_TRACKER_REDIS_URL": f"{REDIS_BASE}/{REDIS_DB['rasa']}",  # erasure deletes trackers there
            "RASA_URL": f"http://127.0.0.1:{proxy_port}",
            "RASA_TOKEN": RASA_TOKEN,
            "ACTIONS_URL": rasa_server.actions_url,
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "TWILIO_API_BASE_URL": f"{web_url}/fake-twilio",
            "TWILIO_SMS_FROM": SMS_FROM,
            "TWILIO_WHATSAPP_FROM": WHATSAPP_FROM,
            "TWILIO_TIMEOUT_S": "2",
            "PUBLIC_BASE_URL": web_url,
            "MEDIA_DIR": str(logs / "media"),
            "QUEUE_NAME": f"famibot-e2e:{backend}",
            "TURN_JOB_TIMEOUT_S": "6",
            "MAX_TURN_ATTEMPTS": "3",
            "TURN_RETRY_BASE_S": "0.3",
            "RASA_TIMEOUT_S": "10",
            "PROMETHEUS_MULTIPROC_DIR": str(logs / "metrics"),
            "LOG_LEVEL": "INFO",
        }
    )
    proxy = Process(
        "rasa-proxy",
        [
            APP_PYTHON,
            str(ROOT / "tests" / "e2e" / "tcp_proxy.py"),
            str(proxy_port),
            str(rasa_server.port),
            str(logs / "rasa-delay"),  # a test writes seconds here to make Rasa slow
        ],
        env,
        logs,
    ).start()
    web = Process(
        "web",
        [APP_PYTHON, "-m", "uvicorn", "webhooks.app:create_app", "--factory", "--port", str(web_port)],
        env,
        logs,
    ).start()
    worker = Process("worker", [APP_PYTHON, "-m", "bot.worker"], env, logs).start()
    stack = Stack(backend, web_url, database_url, env, web, worker, proxy, logs, rasa_server)
    try:
        web.wait_http(f"{web_url}/readyz", 120)
        yield stack
        SMS_TURNS[backend] = asyncio.run(sms_turn_sizes(database_url))
    finally:
        for process in (stack.worker, web, proxy):
            process.stop()
        if database_name:
            drop_database(database_name)


SMS_TURNS: dict[str, list[tuple[int, bool]]] = {}


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The SMS figures issue 3 asks for, over every bot turn the end-to-end suite sent by SMS."""
    turns = [turn for backend_turns in SMS_TURNS.values() for turn in backend_turns]
    if not turns:
        return
    gsm7 = sum(1 for _, all_gsm7 in turns if all_gsm7) / len(turns)
    mean = sum(segments for segments, _ in turns) / len(turns)
    terminalreporter.write_line(
        f"SMS over the e2e suite: {len(turns)} bot turns, {gsm7:.1%} GSM-7, {mean:.2f} segments per turn"
    )


@pytest.fixture
async def live(stack: Stack) -> AsyncIterator[Stack]:
    """The session's stack with an HTTP client bound to this test's event loop."""
    stack.http = httpx.AsyncClient(base_url=stack.web_url, timeout=15)
    try:
        yield stack
    finally:
        await stack.http.aclose()
