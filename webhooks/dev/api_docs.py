"""/docs and /openapi.json: a development tool like the simulator (mounted by the app factory)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse

from webhooks import twilio_routes

router = APIRouter(include_in_schema=False)


@router.get("/openapi.json")
async def openapi(request: Request) -> JSONResponse:
    schema = dict(request.app.openapi())
    schema["paths"] = {**schema["paths"], **twilio_routes.OPENAPI_PATHS}
    return JSONResponse(schema)


@router.get("/docs")
async def docs() -> HTMLResponse:
    return get_swagger_ui_html(openapi_url="/openapi.json", title="famibot API")
