"""Who may reach what: dev tools only on this machine and never in prod; ops endpoints behind a token in prod."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest

from bot.settings import REAL_TWILIO_API, Settings
from tests.conftest import ACCOUNT_SID, make_settings
from tests.prod_data import real_data_dir
from webhooks.access import is_loopback
from webhooks.app import create_app

LOOPBACK = ("127.0.0.1", 50123)
REMOTE = ("203.0.113.5", 50123)
OPS_TOKEN = "c2f9e1d04b7a6e35f8d2c1b0"
DEV_TOOL_PATHS = [
    "/simulator",
    "/simulator/static/simulator.js",
    "/fake-twilio/_control/messages",
    f"/fake-twilio/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json",
    "/docs",
    "/openapi.json",
]


@pytest.fixture
def base(tmp_path: Path, redis_db: int) -> dict[str, object]:
    """A sqlite file and this test's Redis database: enough for the app's lifespan."""
    return {
        "database_url": f"sqlite:///{tmp_path / 'famibot.db'}",
        "redis_db": redis_db,
        "prod_data_dir": real_data_dir(tmp_path),
    }


def dev(base: dict[str, object], **overrides: object) -> Settings:
    values: dict[str, object] = {"app_env": "dev", **overrides}
    return make_settings(str(base["database_url"]), int(str(base["redis_db"])), **values)


def prod(base: dict[str, object], **overrides: object) -> Settings:
    return make_settings(
        str(base["database_url"]),
        int(str(base["redis_db"])),
        app_env="prod",
        dev_tools=False,
        rasa_token="3f1c0d5e8a7b4c2e9d6f1a0b",
        twilio_api_base_url=REAL_TWILIO_API,
        ops_token=OPS_TOKEN,
        loans_api_token="9d8e7f6a5b4c3d2e1f0a9b8c",
        data_dir=base["prod_data_dir"],
        **overrides,
    )


@asynccontextmanager
async def serve(settings: Settings, client: tuple[str, int] = LOOPBACK) -> AsyncIterator[httpx.AsyncClient]:
    """The app with its lifespan, seen from one client address."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=client)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("::ffff:127.0.0.1", True),
        ("10.0.0.1", False),
        ("203.0.113.5", False),
        ("0.0.0.0", False),
        ("::", False),
        ("testclient", False),
        ("", False),
        (None, False),
    ],
)
def test_is_loopback(host: str | None, expected: bool) -> None:
    assert is_loopback(host) is expected


async def test_prod_has_no_dev_tools(base: dict[str, object]) -> None:
    async with serve(prod(base)) as http:
        for path in DEV_TOOL_PATHS:
            assert (await http.get(path)).status_code == 404, path
        assert (await http.get("/healthz")).status_code == 200


async def test_prod_mounts_no_dev_tools_even_with_the_flag_forced_past_validation(
    base: dict[str, object],
) -> None:
    forced = Settings.model_construct(**{**prod(base).model_dump(), "dev_tools": True})
    assert not forced.dev_tools_enabled
    async with serve(forced) as http:
        for path in DEV_TOOL_PATHS:
            assert (await http.get(path)).status_code == 404, path


async def test_dev_without_dev_tools_has_none(base: dict[str, object]) -> None:
    async with serve(dev(base, dev_tools=False)) as http:
        for path in DEV_TOOL_PATHS:
            assert (await http.get(path)).status_code == 404, path


async def test_dev_tools_answer_a_loopback_client(base: dict[str, object]) -> None:
    async with serve(dev(base, dev_tools=True), LOOPBACK) as http:
        assert (await http.get("/simulator")).status_code == 200
        assert (await http.get("/fake-twilio/_control/messages")).json() == {"messages": []}
        assert (await http.get("/docs")).status_code == 200
        assert "/twilio/messages" in (await http.get("/openapi.json")).json()["paths"]


async def test_dev_tools_refuse_a_remote_client(base: dict[str, object]) -> None:
    async with serve(dev(base, dev_tools=True), REMOTE) as http:
        for path in DEV_TOOL_PATHS:
            response = await http.get(path)
            assert response.status_code == 403, path
        posted = await http.post(DEV_TOOL_PATHS[3], data={"To": "+573001234567", "Body": "x"})
        assert posted.status_code == 403
        assert (await http.get("/healthz")).status_code == 200


@pytest.mark.parametrize(
    "header",
    [{"x-forwarded-for": "203.0.113.5"}, {"forwarded": "for=203.0.113.5"}, {"x-real-ip": "203.0.113.5"}],
)
async def test_dev_tools_refuse_what_a_local_proxy_forwards(
    base: dict[str, object], header: dict[str, str]
) -> None:
    """A tunnel (ngrok, cloudflared) or reverse proxy on this machine connects from loopback."""
    async with serve(dev(base, dev_tools=True), LOOPBACK) as http:
        assert (await http.get("/simulator", headers=header)).status_code == 403


async def test_dev_tools_answer_anyone_when_remote_is_allowed(base: dict[str, object]) -> None:
    async with serve(dev(base, dev_tools=True, dev_tools_allow_remote=True), REMOTE) as http:
        assert (await http.get("/simulator")).status_code == 200


async def test_prod_ops_endpoints_need_the_token(base: dict[str, object]) -> None:
    async with serve(prod(base), REMOTE) as http:
        for path in ("/metrics", "/readyz"):
            missing = await http.get(path)
            assert missing.status_code == 401, path
            assert missing.headers["www-authenticate"] == "Bearer"
            for wrong in ("Bearer nope", f"Basic {OPS_TOKEN}", f"Bearer {OPS_TOKEN}x", OPS_TOKEN):
                assert (await http.get(path, headers={"authorization": wrong})).status_code == 401, wrong
        good = {"authorization": f"Bearer {OPS_TOKEN}"}
        metrics = await http.get("/metrics", headers=good)
        assert metrics.status_code == 200 and "famibot_queue_depth" in metrics.text
        ready = await http.get("/readyz", headers=good)  # no Rasa here: answered, not ready
        assert ready.status_code in (200, 503) and "checks" in ready.json()
        assert (await http.get("/healthz")).status_code == 200, "liveness stays open"


@pytest.mark.parametrize("app_env", ["dev", "test"])
async def test_ops_endpoints_are_open_outside_prod(base: dict[str, object], app_env: str) -> None:
    async with serve(dev(base, app_env=app_env), REMOTE) as http:
        assert (await http.get("/metrics")).status_code == 200
        assert (await http.get("/readyz")).status_code in (200, 503)
