"""The fake Twilio API in this process, wired as the runtime's Twilio (the adapter's real client)."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import httpx
from fastapi import FastAPI

from bot.runtime import Runtime
from bot.twilio_adapter.rest import TwilioRestClient
from webhooks.dev import fake_twilio
from webhooks.dev.fake_twilio_store import FakeTwilioStore, get_store


@dataclass
class FakeTwilio:
    store: FakeTwilioStore
    control: httpx.AsyncClient
    requests: list[tuple[str, str]] = field(default_factory=list)  # (method, path) the app made

    async def register_media(
        self, message_sid: str, content: bytes = b"\x89PNG photo", content_type: str = "image/png"
    ) -> str:
        response = await self.control.post(
            "/fake-twilio/_control/media",
            json={
                "content_type": content_type,
                "data_b64": base64.b64encode(content).decode(),
                "message_sid": message_sid,
            },
        )
        response.raise_for_status()
        return str(response.json()["url"])

    async def fail_deletes(self, count: int, http_status: int = 503) -> None:
        response = await self.control.post(
            "/fake-twilio/_control/deletes", json={"fail_next": count, "http_status": http_status}
        )
        response.raise_for_status()

    def media_sids(self) -> set[str]:
        return {item.sid for item in self.store.all_media()}


def attach_fake_twilio(runtime: Runtime) -> FakeTwilio:
    app = FastAPI()
    app.include_router(fake_twilio.router)
    transport = httpx.ASGITransport(app=app)
    app.state.runtime = SimpleNamespace(
        settings=runtime.settings, http=httpx.AsyncClient(transport=transport), templates=runtime.templates
    )
    fake = FakeTwilio(
        store=get_store(app),
        control=httpx.AsyncClient(transport=transport, base_url="http://fake", timeout=5),
    )

    async def remember(request: httpx.Request) -> None:
        fake.requests.append((request.method, request.url.path))

    http = httpx.AsyncClient(transport=transport, timeout=5, event_hooks={"request": [remember]})
    runtime.twilio = TwilioRestClient(
        base_url=runtime.settings.twilio_api_base_url,
        account_sid=runtime.settings.twilio_account_sid,
        auth_token=runtime.settings.twilio_auth_token.get_secret_value(),
        client=http,
    )
    return fake


def media_files(media_dir: Path) -> list[Path]:
    return sorted(path for path in media_dir.rglob("*") if path.is_file()) if media_dir.exists() else []
