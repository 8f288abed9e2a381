"""/healthz (the process answers), /readyz (every part a turn needs), /metrics (Prometheus).

``router`` (liveness, reveals nothing) is open; the app factory mounts ``ops_router`` behind the
OPS_TOKEN check in prod (webhooks/access.py).
"""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest, multiprocess

from bot.health import readiness
from bot.queue import queue_depth
from webhooks.deps import RuntimeDep

router = APIRouter(tags=["health"])
ops_router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@ops_router.get("/readyz")
async def readyz(runtime: RuntimeDep) -> JSONResponse:
    checks = await readiness(runtime)
    ready = all(value == "ok" for value in checks.values())
    return JSONResponse({"ready": ready, "checks": checks}, status_code=200 if ready else 503)


@ops_router.get("/metrics")
async def metrics(runtime: RuntimeDep) -> Response:
    if runtime.settings.prometheus_multiproc_dir is not None:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(  # type: ignore[no-untyped-call]
            registry, path=str(runtime.settings.prometheus_multiproc_dir)
        )
    else:
        registry = REGISTRY
    body = generate_latest(registry).decode()
    try:
        depth = await queue_depth(runtime.redis, runtime.settings.queue_name)
        body += (
            "# HELP famibot_queue_depth Jobs waiting in the turn queue\n"
            "# TYPE famibot_queue_depth gauge\n"
            f"famibot_queue_depth {depth}\n"
        )
    except Exception:  # noqa: S110 - metrics must render even when Redis is down
        pass
    return Response(body, media_type=CONTENT_TYPE_LATEST)
