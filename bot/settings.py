"""Typed settings, read once at start-up and passed down.

No other module reads ``os.environ``. ``APP_ENV`` defaults to prod: a deployment that forgets it gets
production, which refuses the development placeholders and never serves the development tools.
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
DEV_OPS_TOKEN = "dev-ops-token"  # noqa: S105 - refused in prod
DEV_LOANS_API_TOKEN = "dev-loans-api-token"  # noqa: S105 - refused in prod
DEV_TWILIO_ACCOUNT_SID = "AC00000000000000000000000000000000"
REAL_TWILIO_API = "https://api.twilio.com"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore", frozen=True)

    app_env: Literal["dev", "test", "prod"] = "prod"  # dev.env and the tests say dev/test
    # Simulator, fake Twilio API and /docs: off unless asked (dev.env, tests), never in prod; they answer
    # clients on this machine only unless DEV_TOOLS_ALLOW_REMOTE (see webhooks/access.py).
    dev_tools: bool = False
    dev_tools_allow_remote: bool = False
    # In prod, /metrics and /readyz answer only `Authorization: Bearer <OPS_TOKEN>`.
    ops_token: SecretStr = SecretStr(DEV_OPS_TOKEN)
    # POST /api/loans (the core banking system's schedule) answers only `Authorization: Bearer <it>`.
    loans_api_token: SecretStr = SecretStr(DEV_LOANS_API_TOKEN)
    # The largest body POST /api/loans reads (100,000 instalments are about 10 MB of CSV).
    loans_api_max_bytes: int = Field(default=32 * 1024 * 1024, ge=1024)
    database_url: str = "sqlite:///var/famibot.db"
    redis_url: str = "redis://127.0.0.1:6379/0"
    # Where Rasa keeps its trackers (scripts/run_rasa.sh gives Rasa REDIS_URL); erasure deletes them.
    rasa_tracker_redis_url: str | None = None
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
    # arq's limit for one conversation job. A turn stops itself earlier (``turn_deadline_s``) and is
    # retried: arq 0.28 treats a job that reaches its timeout as failed, not as something to retry.
    turn_job_timeout_s: int = Field(default=30, ge=5)
    # Tries of one message while Rasa answers (tries while Rasa is down do not count); after the last
    # one the message is set aside ("dead_letter"), the person gets one apology and a consultant is asked.
    max_turn_attempts: int = Field(default=4, ge=1)
    # Wait before retrying a failed turn: base, 4x base, 16x base … (capped at 60 s).
    turn_retry_base_s: float = Field(default=1.0, gt=0)
    # Turns one worker process runs at once (arq's max_jobs). Rasa's throughput stops growing well
    # before this (docs/BENCHMARKS.md); more only queues inside Rasa and takes CPU from the web process.
    worker_max_turns: int = Field(default=8, ge=1, le=256)
    rasa_timeout_s: float = Field(default=15.0, gt=0)
    twilio_timeout_s: float = Field(default=10.0, gt=0)
    max_inbound_body_bytes: int = 64 * 1024
    # A console session ends this long after the consultant's last request (or at logout).
    console_session_hours: float = Field(default=8.0, gt=0, le=24 * 7)
    sms_segment_budget: int = Field(default=2, ge=1)
    prometheus_multiproc_dir: Path | None = None  # shared by web and worker processes
    log_level: str = "INFO"
    log_json: bool = True
    # Messages per second per sender number (bot/send_rate.py), shared by all workers. Twilio releases a
    # sender's messages at its rate and queues the rest, where the ValidityPeriod that keeps a reminder
    # inside the contact hours runs out: so the default is what Twilio gives the sender. SMS: any Twilio
    # number sending outside the US/Canada (here: to Colombia) gets 10 message segments/s, counted in
    # segments (a 2-segment SMS takes two slots). WhatsApp: 10 text messages/s per sender by default
    # (Twilio raises it to 50 on request; media is 1.5/s and not paced separately here).
    sms_send_rate_per_s: float = Field(default=10.0, gt=0, le=1000)
    whatsapp_send_rate_per_s: float = Field(default=10.0, gt=0, le=1000)
    # Sends that may go back to back before the rate applies (a reply and the wave's next message).
    send_rate_burst: int = Field(default=2, ge=1, le=100)
    # A proactive send whose slot is nearer sleeps for it; a farther one frees the worker and its
    # conversation's job comes back then. Sleeping holds one of ``worker_max_turns``: keep it short.
    send_rate_max_sleep_s: float = Field(default=1.0, ge=0, le=10)
    # Development and tests only (refused in prod): judge the contact hours (Ley 2300 de 2023) as if
    # the clock were this many seconds ahead, e.g. to show a proactive send at night.
    contact_hours_offset_s: float = 0.0

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
        if self.ops_token.get_secret_value().strip() in ("", DEV_OPS_TOKEN):
            problems.append("OPS_TOKEN is blank or the development placeholder")
        if self.loans_api_token.get_secret_value().strip() in ("", DEV_LOANS_API_TOKEN):
            problems.append("LOANS_API_TOKEN is blank or the development placeholder")
        if self.dev_tools:
            problems.append(
                "DEV_TOOLS must be false in prod (the simulator signs any form with the auth token)"
            )
        if self.dev_tools_allow_remote:
            problems.append("DEV_TOOLS_ALLOW_REMOTE must be false in prod")
        if self.contact_hours_offset_s:
            problems.append("CONTACT_HOURS_OFFSET_S must be 0 in prod (the law follows the real clock)")
        if problems:
            raise ValueError(
                "refusing to start in prod: "
                + "; ".join(problems)
                + " (APP_ENV defaults to prod; for development set APP_ENV=dev, as dev.env does)"
            )
        return self

    @property
    def dev_tools_enabled(self) -> bool:
        """Simulator, fake Twilio API and /docs: only when asked, and never in production."""
        return self.dev_tools and self.app_env != "prod"

    @property
    def turn_deadline_s(self) -> float:
        """A conversation job stops taking turns at this point, leaving time to record a failure."""
        timeout = float(self.turn_job_timeout_s)
        return timeout - max(3.0, 0.25 * timeout)

    @cached_property
    def async_database_url(self) -> str:
        return to_async_url(self.database_url)

    @cached_property
    def sync_database_url(self) -> str:
        return to_sync_url(self.database_url)

    @property
    def rasa_redis_url(self) -> str:
        return self.rasa_tracker_redis_url or self.redis_url

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
