"""The real web app served by uvicorn on loopback inside the test process (a real HTTP port, so the
Twilio client's timeouts and the fake Twilio API's signed callbacks are real)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn

from bot.settings import Settings
from webhooks.app import create_app


@asynccontextmanager
async def serving(settings: Settings, port: int) -> AsyncIterator[None]:
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        assert not task.done(), "the web app did not start"
        await asyncio.sleep(0.02)
    try:
        yield
    finally:
        server.should_exit = True
        await task
