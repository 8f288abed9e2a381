"""Replay real Twilio form bodies through the signed webhook (one runner for every table row)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import parse_qsl, urlencode

import httpx

from bot.runtime import Runtime
from bot.settings import Settings
from bot.twilio_adapter.signature import sign
from webhooks.app import create_app

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "twilio"
Signing = Literal["valid", "invalid", "none"]


def load_form(name: str, **overrides: str) -> dict[str, str]:
    form = dict(parse_qsl((FIXTURES / f"{name}.form").read_text(), keep_blank_values=True))
    form.update(overrides)
    return form


def signed_headers(settings: Settings, path: str, form: dict[str, str], signing: Signing) -> dict[str, str]:
    headers = {"content-type": "application/x-www-form-urlencoded"}
    url = settings.public_base_url + path
    if signing == "valid":
        headers["x-twilio-signature"] = sign(settings.twilio_auth_token.get_secret_value(), url, form)
    elif signing == "invalid":
        headers["x-twilio-signature"] = sign("not-the-token", url, form)
    return headers


@dataclass
class Harness:
    settings: Settings
    client: httpx.AsyncClient
    runtime: Runtime

    async def post_form(self, path: str, form: dict[str, str], signing: Signing = "valid") -> httpx.Response:
        body = urlencode(form)
        return await self.client.post(
            path, content=body, headers=signed_headers(self.settings, path, form, signing)
        )

    async def apply_queued_statuses(self) -> int:
        """Do what the worker does with the status callbacks the webhook queued; how many it took."""
        from bot.status_queue import apply_queued_statuses

        return await apply_queued_statuses(self.runtime)

    async def queued_jobs(self) -> list[tuple[str, tuple[object, ...], str]]:
        jobs = await self.runtime.redis.queued_jobs(queue_name=self.settings.queue_name)
        return [(job.function, tuple(job.args), job.job_id or "") for job in jobs]


@asynccontextmanager
async def running_app(settings: Settings) -> AsyncIterator[Harness]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield Harness(settings=settings, client=client, runtime=app.state.runtime)
