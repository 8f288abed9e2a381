"""Twilio webhooks. The doorman: verify → parse → dedupe → store → enqueue → ack. No Rasa here.

They are plain Starlette routes: FastAPI's dependency solving and response handling cost about a
sixth of an ack's CPU and give these two endpoints nothing (the runtime is on ``app.state``).
Errors are still FastAPI's ``HTTPException``, answered by the app's handlers with their reason.
The dev /docs describes them by hand (webhooks/dev/api_docs.py).
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from fastapi import APIRouter, HTTPException, Request, Response
from redis.exceptions import RedisError

from bot.inbound import store_inbound
from bot.logs import get_logger
from bot.metrics import INBOUND_MESSAGES
from bot.queue import enqueue_turn
from bot.runtime import Runtime
from bot.settings import Settings
from bot.status import apply_status
from bot.status_queue import push_status
from bot.twilio_adapter.inbound import InvalidForm, parse_message_form, parse_status_form
from bot.twilio_adapter.signature import is_valid_signature

router = APIRouter(prefix="/twilio", tags=["twilio"])
log = get_logger(__name__)

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'


async def read_signed_form(request: Request, settings: Settings) -> dict[str, str]:
    """The verified form fields; 413 too large, 415 not a form, 403 bad or missing signature."""
    limit = settings.max_inbound_body_bytes
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise HTTPException(413, f"body larger than {limit} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            raise HTTPException(413, f"body larger than {limit} bytes")
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        raise HTTPException(415, "expected application/x-www-form-urlencoded")
    try:
        form = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False))
    except UnicodeDecodeError as exc:
        raise HTTPException(400, "body is not UTF-8") from exc
    # Sign against the configured public URL, never the Host or X-Forwarded-* headers.
    url = settings.public_base_url.rstrip("/") + request.scope["path"]
    if query := request.scope["query_string"]:
        url += "?" + query.decode("latin-1")
    signature = request.headers.get("x-twilio-signature")
    if not is_valid_signature(settings.twilio_auth_token.get_secret_value(), url, form, signature):
        log.warning("rejected request with bad signature", path=request.url.path, signed=bool(signature))
        raise HTTPException(403, "invalid or missing X-Twilio-Signature")
    return form


async def inbound_message(request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    form = await read_signed_form(request, runtime.settings)
    try:
        message = parse_message_form(form)
    except InvalidForm as exc:
        INBOUND_MESSAGES.labels(channel="unknown", outcome="invalid").inc()
        raise HTTPException(400, str(exc)) from exc
    stored = await store_inbound(runtime.inbound, message)
    if stored is None:
        INBOUND_MESSAGES.labels(channel=message.channel, outcome="duplicate").inc()
        log.info("duplicate inbound ignored", sid=message.message_sid)
    else:
        # If Redis is down this raises and Twilio sees a 500; the stored row is picked up by the
        # worker's recovery sweep, so nothing is lost either way.
        await enqueue_turn(
            runtime.redis, conversation_id=stored.conversation_id, message_id=stored.message_id
        )
        INBOUND_MESSAGES.labels(channel=message.channel, outcome="accepted").inc()
        log.info(
            "inbound stored",
            conversation_id=stored.conversation_id,
            message_id=stored.message_id,
            channel=message.channel,
            media=len(message.media),
        )
    return Response(EMPTY_TWIML, media_type="text/xml")


async def status_callback(request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    form = await read_signed_form(request, runtime.settings)
    try:
        update = parse_status_form(form, request.query_params.get("ob"))
    except InvalidForm as exc:
        raise HTTPException(400, str(exc)) from exc
    try:
        await push_status(runtime.redis, runtime.settings.queue_name, update)
    except (RedisError, OSError):
        # No queue: apply it here rather than lose it (Twilio does not send a status twice).
        log.warning("status queue unavailable; status applied in the webhook", sid=update.message_sid)
        await apply_status(runtime.lane, runtime.sessions, update)
    return Response(status_code=204)


router.add_route(f"{router.prefix}/messages", inbound_message, methods=["POST"])
router.add_route(f"{router.prefix}/status", status_callback, methods=["POST"])
