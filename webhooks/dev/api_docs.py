"""/docs and /openapi.json: a development tool like the simulator (mounted by the app factory)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse

from webhooks import twilio_routes

router = APIRouter(include_in_schema=False)


def _webhook_doc(summary: str, answer: dict[str, Any]) -> dict[str, Any]:
    errors = {
        "400": {
            "description": "A field Twilio always sends is missing or malformed (the reason is in `detail`)"
        },
        "403": {"description": "Missing or wrong X-Twilio-Signature"},
        "413": {"description": "Body larger than MAX_INBOUND_BODY_BYTES"},
        "415": {"description": "Not application/x-www-form-urlencoded"},
    }
    return {
        "post": {
            "tags": ["twilio"],
            "summary": summary,
            "parameters": [
                {"name": "X-Twilio-Signature", "in": "header", "required": True, "schema": {"type": "string"}}
            ],
            "requestBody": {"content": {"application/x-www-form-urlencoded": {"schema": {"type": "object"}}}},
            "responses": {**answer, **errors},
        }
    }


# The Twilio webhooks are plain routes (webhooks/twilio_routes.py): FastAPI does not describe them.
TWILIO_PATHS = {
    f"{twilio_routes.router.prefix}/messages": _webhook_doc(
        "An inbound SMS or WhatsApp message: stored, queued for the worker, answered with empty TwiML",
        {"200": {"description": "Stored (or a duplicate MessageSid, ignored)", "content": {"text/xml": {}}}},
    ),
    f"{twilio_routes.router.prefix}/status": _webhook_doc(
        "A delivery status callback of a message we sent; any status Twilio names is accepted",
        {"204": {"description": "Queued for the worker's status loop (applied here if Redis is down)"}},
    ),
}


@router.get("/openapi.json")
async def openapi(request: Request) -> JSONResponse:
    schema = dict(request.app.openapi())
    schema["paths"] = {**schema["paths"], **TWILIO_PATHS}
    return JSONResponse(schema)


@router.get("/docs")
async def docs() -> HTMLResponse:
    return get_swagger_ui_html(openapi_url="/openapi.json", title="famibot API")
