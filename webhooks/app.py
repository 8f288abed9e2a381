"""The FastAPI app: Twilio webhooks, health and metrics, and (when asked, never in prod) dev tools."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI

from bot.heap import freeze_startup_heap, thaw_heap
from bot.logs import configure_logging, get_logger
from bot.runtime import build_runtime
from bot.settings import Settings
from webhooks import console, health_routes, loans_api, twilio_routes
from webhooks.access import ops_token_required

log = get_logger(__name__)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    configure_logging(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = await build_runtime(settings, web=True)
        app.state.runtime = runtime
        # The write lane's thread runs Python too: let the event loop (Twilio waiting for its ack)
        # take the GIL back after 1 ms instead of CPython's default 5 ms.
        sys.setswitchinterval(0.001)
        freeze_startup_heap()  # bot/heap.py: a full collection stalled the acks
        try:
            yield
        finally:
            await runtime.close()
            thaw_heap()

    # FastAPI's own /docs and /openapi.json are off: api_docs serves them as a dev tool.
    app = FastAPI(title="famibot", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.include_router(twilio_routes.router)
    app.include_router(health_routes.router)
    app.include_router(health_routes.ops_router, dependencies=[Depends(ops_token_required(settings))])
    app.include_router(loans_api.router, dependencies=[Depends(loans_api.loans_token_required(settings))])
    console.mount(app)
    if settings.dev_tools_enabled:  # DEV_TOOLS=true and not prod: simulator, fake Twilio API, /docs
        from webhooks import dev  # production never imports the dev package

        dev.mount(app, settings)
    return app
