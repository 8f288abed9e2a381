"""A real uvicorn started without APP_ENV is production: it refuses placeholders, serves no dev tools."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.settings import Settings
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN, REDIS_BASE
from tests.e2e.processes import ROOT, Process, child_env, free_port
from tests.prod_data import real_data_dir

OPS_TOKEN = "c2f9e1d04b7a6e35f8d2c1b0"


def env_without_app_env(extra: dict[str, str]) -> dict[str, str]:
    env = child_env(extra)
    for name in Settings.model_fields:  # nothing inherited from the shell running the tests
        if name.upper() not in extra:
            env.pop(name.upper(), None)
    return env


def web_command(port: int) -> list[str]:
    return [sys.executable, "-m", "uvicorn", "webhooks.app:create_app", "--factory", "--port", str(port)]


def prod_env(tmp_path: Path, redis_db: int, data_dir: Path) -> dict[str, str]:
    return env_without_app_env(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'famibot.db'}",
            "REDIS_URL": f"{REDIS_BASE}/{redis_db}",
            "RASA_TOKEN": "3f1c0d5e8a7b4c2e9d6f1a0b",
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "PUBLIC_BASE_URL": "https://bot.example.org",
            "OPS_TOKEN": OPS_TOKEN,
            "LOANS_API_TOKEN": "9d8e7f6a5b4c3d2e1f0a9b8c",
            "MEDIA_DIR": str(tmp_path / "media"),
            "DATA_DIR": str(data_dir),
        }
    )


@pytest.fixture
def prod_web(tmp_path: Path, redis_db: int) -> Iterator[str]:
    port = free_port()
    env = prod_env(tmp_path, redis_db, real_data_dir(tmp_path))
    web = Process("web", web_command(port), env, tmp_path).start()
    url = f"http://127.0.0.1:{port}"
    try:
        web.wait_http(f"{url}/healthz", 60)
        yield url
    finally:
        web.stop()


def test_without_app_env_the_web_process_is_prod(prod_web: str) -> None:
    for path in ("/simulator", "/fake-twilio/_control/messages", "/docs", "/openapi.json"):
        assert httpx.get(prod_web + path).status_code == 404, path
    assert httpx.get(f"{prod_web}/metrics").status_code == 401
    assert httpx.get(f"{prod_web}/readyz").status_code == 401
    authorised = httpx.get(f"{prod_web}/metrics", headers={"authorization": f"Bearer {OPS_TOKEN}"})
    assert authorised.status_code == 200


def start_web(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Start the web process and wait for it to exit (it must refuse to start)."""
    return subprocess.run(
        web_command(free_port()), cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )


def test_without_any_setting_the_web_process_refuses_to_start(tmp_path: Path) -> None:
    done = start_web(env_without_app_env({}))
    assert done.returncode != 0
    assert "refusing to start in prod" in done.stderr
    assert "APP_ENV=dev" in done.stderr


def test_prod_refuses_to_start_with_the_example_organisation_in_the_consent_text(
    tmp_path: Path, redis_db: int
) -> None:
    done = start_web(prod_env(tmp_path, redis_db, ROOT / "data"))  # real secrets, consent.yml as shipped
    assert done.returncode != 0
    assert "refusing to start in prod: data/consent.yml still has placeholders" in done.stderr
    assert "Fundación Ejemplo" in done.stderr


def test_prod_refuses_to_start_with_the_example_payment_channels(tmp_path: Path, redis_db: int) -> None:
    data = real_data_dir(tmp_path)  # the organisation's consent and offices …
    shipped = (ROOT / "data" / "payment_channels.yml").read_text(encoding="utf-8")
    (data / "payment_channels.yml").write_text(shipped, encoding="utf-8")  # … but the example accounts
    done = start_web(prod_env(tmp_path, redis_db, data))
    assert done.returncode != 0
    assert "refusing to start in prod: data/payment_channels.yml has example accounts" in done.stderr
