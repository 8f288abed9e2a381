"""The FastAPI app: Twilio webhooks, health and metrics, and (outside prod) simulator + fake Twilio."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from bot.logs import configure_logging
from bot.runtime import build_runtime
from bot.settings import Settings
from webhooks import fake_twilio, health_routes, simulator, twilio_routes


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    configure_logging(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = await build_runtime(settings)
        app.state.runtime = runtime
        try:
            yield
        finally:
            await runtime.close()

    prod = settings.app_env == "prod"
    app = FastAPI(
        title="famibot",
        lifespan=lifespan,
        docs_url=None if prod else "/docs",
        redoc_url=None,
        openapi_url=None if prod else "/openapi.json",
    )
    app.include_router(twilio_routes.router)
    app.include_router(health_routes.router)
    if settings.dev_tools_enabled:  # never in prod: no simulator, no fake Twilio API
        app.include_router(fake_twilio.router)
        app.include_router(simulator.router)
    return app
