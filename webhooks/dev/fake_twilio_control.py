"""Control API of the fake Twilio (dev/test only): script outcomes, inspect, reset, register media.

Mounted under ``/fake-twilio/_control`` by ``webhooks.dev.fake_twilio``; the real Twilio has nothing like it.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.datastructures import UploadFile

from bot.settings import REAL_TWILIO_API, Settings
from webhooks.deps import RuntimeDep
from webhooks.dev.fake_twilio_store import (
    API_VERSION,
    FAKE_PREFIX,
    MAX_MEDIA_BYTES,
    ScriptedOutcome,
    StoredMedia,
    get_store,
)

router = APIRouter(prefix="/_control")


def fake_base_url(settings: Settings, request: Request) -> str:
    """Where the app reaches this fake: TWILIO_API_BASE_URL when it points here, else this server."""
    configured = settings.twilio_api_base_url.rstrip("/")
    if configured != REAL_TWILIO_API:
        return configured
    return str(request.base_url).rstrip("/") + FAKE_PREFIX


def register_media(
    request: Request, settings: Settings, *, content_type: str, content: bytes, message_sid: str | None = None
) -> tuple[StoredMedia, str]:
    """Store bytes as a Twilio media item; returns it and its (Basic-auth protected) URL."""
    store = get_store(request.app)
    item = store.add_media(content_type=content_type, content=content, message_sid=message_sid)
    account = settings.twilio_account_sid
    path = f"/{API_VERSION}/Accounts/{account}/Messages/{item.message_sid}/Media/{item.sid}"
    return item, fake_base_url(settings, request) + path


class ScriptRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to: str | None = None
    responses: list[ScriptedOutcome] = Field(min_length=1, max_length=100)


class ConfigRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    callback_delay_s: float | None = Field(default=None, ge=0, le=10)
    status_callbacks: bool | None = None  # False: no message fires status callbacks until turned on
    media_delay_s: float | None = Field(default=None, ge=0, le=60)  # media downloads answer this late
    media_trickle_s: float | None = Field(default=None, ge=0, le=10)  # and send their bytes this slowly


class DeletesRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    fail_next: int = Field(ge=0, le=1000)
    http_status: int = Field(default=503, ge=400, le=599)


class MediaRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    content_type: str = Field(min_length=3, max_length=100)
    data_b64: str = Field(max_length=MAX_MEDIA_BYTES * 4 // 3 + 4)
    message_sid: str | None = Field(default=None, pattern=r"^(MM|SM)[0-9a-f]{32}$")


@router.post("/script")
async def control_script(payload: ScriptRequest, request: Request) -> Response:
    """Queue outcomes for the next creates (to ``to`` only, when given), consumed in order."""
    try:
        pending = get_store(request.app).add_script(payload.to, payload.responses)
    except ValueError as exc:
        return JSONResponse({"detail": str(exc)}, status_code=409)
    return JSONResponse({"pending": pending})


@router.post("/reset")
async def control_reset(request: Request) -> dict[str, bool]:
    """Forget messages, scripts and media; cancel callbacks in flight."""
    get_store(request.app).reset()
    return {"ok": True}


@router.post("/config")
async def control_config(payload: ConfigRequest, request: Request) -> dict[str, float | bool]:
    """Change what is given; answer the whole configuration."""
    store = get_store(request.app)
    if payload.callback_delay_s is not None:
        store.callback_delay_s = payload.callback_delay_s
    if payload.status_callbacks is not None:
        store.status_callbacks = payload.status_callbacks
    if payload.media_delay_s is not None:
        store.media_delay_s = payload.media_delay_s
    if payload.media_trickle_s is not None:
        store.media_trickle_s = payload.media_trickle_s
    return {
        "callback_delay_s": store.callback_delay_s,
        "status_callbacks": store.status_callbacks,
        "media_delay_s": store.media_delay_s,
        "media_trickle_s": store.media_trickle_s,
    }


@router.post("/drain")
async def control_drain(request: Request, timeout_s: float = 10.0) -> dict[str, bool]:
    """Wait until every status callback in flight has been fired."""
    return {"idle": await get_store(request.app).drain(min(max(timeout_s, 0.0), 60.0))}


@router.post("/deletes")
async def control_deletes(payload: DeletesRequest, request: Request) -> dict[str, int]:
    """Make the next ``fail_next`` DELETEs (messages or media) answer ``http_status``."""
    store = get_store(request.app)
    store.failing_deletes, store.failing_delete_status = payload.fail_next, payload.http_status
    return {"fail_next": payload.fail_next}


@router.get("/media")
async def control_media_list(request: Request) -> dict[str, Any]:
    """Every media item still stored: SIDs, type and size (not the bytes)."""
    items = get_store(request.app).all_media()
    return {
        "media": [
            {
                "sid": i.sid,
                "message_sid": i.message_sid,
                "content_type": i.content_type,
                "size": len(i.content),
            }
            for i in items
        ]
    }


@router.get("/messages")
async def control_messages(request: Request) -> dict[str, Any]:
    """Everything stored (outbound and simulated inbound), oldest first, with the callbacks fired.

    Optional exact filters: ``?to=`` and ``?from=``.
    """
    query = request.query_params
    found = get_store(request.app).messages(to=query.get("to") or None, from_=query.get("from") or None)
    return {"messages": [message.to_control_json() for message in found]}


@router.post("/media", status_code=201)
async def control_media(request: Request, runtime: RuntimeDep) -> Response:
    """Register bytes (multipart field ``file``, or JSON ``{content_type, data_b64}``) as Twilio media."""
    message_sid: str | None = None
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        async with request.form(max_part_size=MAX_MEDIA_BYTES) as form:
            upload = form.get("file")
            if not isinstance(upload, UploadFile):
                return JSONResponse({"detail": "multipart field 'file' is required"}, status_code=422)
            content = await upload.read()
            content_type = upload.content_type or "application/octet-stream"
    else:
        try:
            payload = MediaRequest.model_validate_json(await request.body())
            content = base64.b64decode(payload.data_b64, validate=True)
        except (ValueError, binascii.Error) as exc:
            return JSONResponse({"detail": f"invalid media request: {exc}"}, status_code=422)
        content_type, message_sid = payload.content_type, payload.message_sid
    try:
        item, url = register_media(
            request, runtime.settings, content_type=content_type, content=content, message_sid=message_sid
        )
    except ValueError as exc:
        return JSONResponse({"detail": str(exc)}, status_code=413)
    body = {"sid": item.sid, "message_sid": item.message_sid, "content_type": content_type, "url": url}
    return JSONResponse({**body, "size": len(content)}, status_code=201)
