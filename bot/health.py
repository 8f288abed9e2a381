"""Readiness checks for the parts a turn needs: database, Redis, Rasa (model loaded), actions."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from sqlalchemy import text

from bot.runtime import Runtime

CHECK_TIMEOUT_S = 2.0


async def _database(runtime: Runtime) -> None:
    async with runtime.sessions() as session:
        await session.execute(text("SELECT 1"))


async def _redis(runtime: Runtime) -> None:
    await runtime.redis.ping()


async def _rasa(runtime: Runtime) -> None:
    response = await runtime.http.get(
        f"{runtime.settings.rasa_url}/status",
        params={"token": runtime.settings.rasa_token.get_secret_value()},
    )
    response.raise_for_status()
    if not response.json().get("model_file"):
        raise RuntimeError("no model loaded")


async def _actions(runtime: Runtime) -> None:
    response = await runtime.http.get(f"{runtime.settings.actions_url}/health")
    response.raise_for_status()


CHECKS: dict[str, Callable[[Runtime], Awaitable[None]]] = {
    "database": _database,
    "redis": _redis,
    "rasa": _rasa,
    "actions": _actions,
}


async def readiness(runtime: Runtime) -> dict[str, str]:
    """Each part → "ok" or a short reason; run concurrently, each bounded in time."""

    async def run(check: Callable[[Runtime], Awaitable[None]]) -> str:
        try:
            await asyncio.wait_for(check(runtime), CHECK_TIMEOUT_S)
        except Exception as exc:  # a readiness probe reports, it does not raise
            return f"down: {type(exc).__name__}"
        return "ok"

    results = await asyncio.gather(*(run(check) for check in CHECKS.values()))
    return dict(zip(CHECKS, results, strict=True))
