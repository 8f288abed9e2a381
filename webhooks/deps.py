"""Request-scoped access to the runtime built in the app's lifespan."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from bot.runtime import Runtime


async def get_runtime(request: Request) -> Runtime:
    # async: FastAPI would run a plain ``def`` dependency in its thread pool, a hop per request.
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
