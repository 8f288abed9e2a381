"""Typed settings, read once at start-up and passed down.

No other module reads ``os.environ``. Production refuses the development placeholders.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_RASA_TOKEN = "dev-rasa-token"  # noqa: S105 - refused in prod
DEV_TWILIO_AUTH_TOKEN = "dev-twilio-auth-token"  # noqa: S105 - refused in prod
DEV_TWILIO_ACCOUNT_SID = "AC00000000000000000000000000000000"
REAL_TWILIO_API = "https://api.twilio.com"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore", frozen=True)

    app_env: Literal["dev", "test", "prod"] = "dev"
    database_url: str = "sqlite:///var/famibot.db"
    redis_url: str = "redis://127.0.0.1:6379/0"
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_token: SecretStr = SecretStr(DEV_RASA_TOKEN)
    actions_url: str = "http://127.0.0.1:5055"
    twilio_account_sid: str = DEV_TWILIO_ACCOUNT_SID
    twilio_auth_token: SecretStr = SecretStr(DEV_TWILIO_AUTH_TOKEN)
    twilio_api_base_url: str = REAL_TWILIO_API
    twilio_sms_from: str = "+15005550006"
    twilio_whatsapp_from: str = "whatsapp:+14155238886"
    public_base_url: str = "http://127.0.0.1:8000"
    media_dir: Path = Path("var/media")
    data_dir: Path = Path("data")  # content and rules (keywords, templates, …), validated at start
    queue_name: str = "famibot:queue"
    # A turn job that outlives this is considered crashed; arq retries it 10 s later.
    turn_job_timeout_s: int = Field(default=30, ge=2)
    # Turns one worker process runs at once (arq's max_jobs). Rasa serves one turn at a time per CPU
    # anyway: more only queues inside Rasa and costs the worker CPU the web process needs.
    worker_max_turns: int = Field(default=8, ge=1, le=256)
    rasa_timeout_s: float = Field(default=15.0, gt=0)
    twilio_timeout_s: float = Field(default=10.0, gt=0)
    max_inbound_body_bytes: int = 64 * 1024
    sms_segment_budget: int = Field(default=2, ge=1)
    prometheus_multiproc_dir: Path | None = None  # shared by web and worker processes
    log_level: str = "INFO"
    log_json: bool = True

    @model_validator(mode="after")
    def _refuse_placeholders_in_prod(self) -> Settings:
        if self.app_env != "prod":
            return self
        problems = []
        if self.rasa_token.get_secret_value() == DEV_RASA_TOKEN:
            problems.append("RASA_TOKEN is the development placeholder")
        if self.twilio_auth_token.get_secret_value() == DEV_TWILIO_AUTH_TOKEN:
            problems.append("TWILIO_AUTH_TOKEN is the development placeholder")
        if self.twilio_account_sid == DEV_TWILIO_ACCOUNT_SID:
            problems.append("TWILIO_ACCOUNT_SID is the development placeholder")
        if not self.public_base_url.startswith("https://"):
            problems.append("PUBLIC_BASE_URL must be https in prod")
        if self.twilio_api_base_url != REAL_TWILIO_API:
            problems.append("TWILIO_API_BASE_URL must be the real Twilio API in prod")
        if problems:
            raise ValueError("refusing to start in prod: " + "; ".join(problems))
        return self

    @property
    def dev_tools_enabled(self) -> bool:
        """Simulator and fake Twilio API exist only outside production."""
        return self.app_env != "prod"

    @cached_property
    def async_database_url(self) -> str:
        return to_async_url(self.database_url)

    @cached_property
    def sync_database_url(self) -> str:
        return to_sync_url(self.database_url)

    @property
    def public_host(self) -> str:
        return urlsplit(self.public_base_url).netloc


def to_async_url(url: str) -> str:
    scheme, _, rest = url.partition("://")
    base = scheme.split("+")[0]
    if base == "sqlite":
        return f"sqlite+aiosqlite://{rest}"
    if base in ("postgresql", "postgres"):
        return f"postgresql+psycopg://{rest}"
    raise ValueError(f"unsupported DATABASE_URL scheme: {scheme}")


def to_sync_url(url: str) -> str:
    scheme, _, rest = url.partition("://")
    base = scheme.split("+")[0]
    if base == "sqlite":
        return f"sqlite://{rest}"
    if base in ("postgresql", "postgres"):
        return f"postgresql+psycopg://{rest}"
    raise ValueError(f"unsupported DATABASE_URL scheme: {scheme}")
