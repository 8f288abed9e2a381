"""Settings: production is the default, and production refuses what only development may use."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.settings import Settings

# Values a real deployment could have (none of them is a development placeholder).
PROD: dict[str, object] = {
    "rasa_token": "3f1c0d5e8a7b4c2e9d6f1a0b",
    "twilio_account_sid": "AC" + "7" * 32,
    "twilio_auth_token": "0a9b8c7d6e5f4a3b2c1d0e9f",
    "public_base_url": "https://bot.example.org",
    "ops_token": "c2f9e1d04b7a6e35f8d2c1b0",
    "loans_api_token": "9d8e7f6a5b4c3d2e1f0a9b8c",
}


@pytest.fixture
def no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No variable that Settings reads: what a deployment that forgot them all gets."""
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)


def test_without_any_environment_it_is_prod_and_refuses_to_start(no_environment: None) -> None:
    with pytest.raises(ValidationError, match="refusing to start in prod") as caught:
        Settings()
    message = str(caught.value)
    for name in (
        "RASA_TOKEN",
        "TWILIO_AUTH_TOKEN",
        "TWILIO_ACCOUNT_SID",
        "OPS_TOKEN",
        "LOANS_API_TOKEN",
        "PUBLIC_BASE_URL",
    ):
        assert name in message, f"{name} not named in: {message}"
    assert "APP_ENV=dev" in message, "the error must say how to start in development"


def test_prod_with_real_secrets_starts_without_dev_tools(no_environment: None) -> None:
    settings = Settings(**PROD)  # type: ignore[arg-type]
    assert settings.app_env == "prod"
    assert not settings.dev_tools and not settings.dev_tools_enabled


@pytest.mark.parametrize("flag", ["dev_tools", "dev_tools_allow_remote"])
def test_prod_refuses_dev_tools_even_when_asked(no_environment: None, flag: str) -> None:
    with pytest.raises(ValidationError, match=f"refusing to start in prod: {flag.upper()} must be false"):
        Settings(**PROD, **{flag: True})  # type: ignore[arg-type]


@pytest.mark.parametrize("token", ["dev-ops-token", "", "   "])
def test_prod_refuses_a_placeholder_or_blank_ops_token(no_environment: None, token: str) -> None:
    with pytest.raises(ValidationError, match="OPS_TOKEN"):
        Settings(**{**PROD, "ops_token": token})  # type: ignore[arg-type]


@pytest.mark.parametrize("token", ["dev-loans-api-token", "", "   "])
def test_prod_refuses_a_placeholder_or_blank_loans_api_token(no_environment: None, token: str) -> None:
    with pytest.raises(ValidationError, match="LOANS_API_TOKEN is blank or the development placeholder"):
        Settings(**{**PROD, "loans_api_token": token})  # type: ignore[arg-type]


def test_dev_tools_are_off_in_dev_unless_asked(no_environment: None) -> None:
    assert not Settings(app_env="dev").dev_tools_enabled
    assert Settings(app_env="dev", dev_tools=True).dev_tools_enabled
    assert Settings(app_env="test", dev_tools=True).dev_tools_enabled


def test_the_environment_reaches_the_new_settings(
    no_environment: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("APP_ENV", "dev")
    monkeypatch.setenv("DEV_TOOLS", "true")
    monkeypatch.setenv("OPS_TOKEN", "from-the-environment")
    settings = Settings()
    assert settings.dev_tools_enabled and not settings.dev_tools_allow_remote
    assert settings.ops_token.get_secret_value() == "from-the-environment"


def test_prod_refuses_to_shift_the_contact_hours(no_environment: None) -> None:
    with pytest.raises(ValidationError, match="CONTACT_HOURS_OFFSET_S must be 0"):
        Settings(**PROD, contact_hours_offset_s=3600)  # type: ignore[arg-type]
    assert Settings(app_env="test", contact_hours_offset_s=3600).contact_hours_offset_s == 3600
