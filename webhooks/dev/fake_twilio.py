"""A Twilio-compatible fake of the Messages REST resource, for dev and tests (never mounted in prod).

The app reaches it only through TWILIO_API_BASE_URL, exactly as it reaches the real API. Creates answer
like Twilio (Basic auth, error codes, message JSON), then status callbacks are fired in the background,
signed with X-Twilio-Signature. ``/fake-twilio/_control`` lets tests script failures, inspect what was
sent and register inbound media.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import re
import secrets
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from bot.logs import get_logger
from bot.settings import Settings
from bot.templates import ContentTemplate
from bot.twilio_adapter.signature import sign
from webhooks.deps import RuntimeDep
from webhooks.dev import fake_twilio_control
from webhooks.dev.fake_twilio_store import (
    API_VERSION,
    DEFAULT_CODE_FOR_STATUS,
    FAILED,
    FAKE_PREFIX,
    IN_PROGRESS,
    MEDIA_TRICKLE_PARTS,
    STATUS_PATHS,
    CallbackRecord,
    FakeMessage,
    FakeTwilioStore,
    ScriptedOutcome,
    error_text,
    get_store,
    new_sid,
)

log = get_logger(__name__)
router = APIRouter(prefix=FAKE_PREFIX, include_in_schema=False)
ACCOUNT = "/2010-04-01/Accounts/{account_sid}"
ADDRESS = re.compile(r"^(whatsapp:)?\+[1-9]\d{6,14}$")
MAX_BODY_CHARS = 1600
MAX_PAGE_SIZE = 1000
FIELDS = (
    "To", "From", "MessagingServiceSid", "ContentSid", "ContentVariables", "StatusCallback", "ValidityPeriod",
)  # fmt: skip
MAX_VALIDITY_S = 36_000  # Twilio: ValidityPeriod is whole seconds, 1 to 36 000


def twilio_error(status: int, code: int, message: str | None = None) -> JSONResponse:
    headers = {"WWW-Authenticate": 'Basic realm="Twilio API"'} if status == 401 else None
    content = {
        "code": code,
        "message": message or error_text(code),
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
    return JSONResponse(content, status_code=status, headers=headers)


def _denied(request: Request, settings: Settings, account_sid: str) -> JSONResponse | None:
    """401 unless Basic auth carries the configured SID/token and the path names that account."""
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    user = password = b""
    if scheme.lower() == "basic":
        try:
            user, _, password = base64.b64decode(encoded.strip(), validate=True).partition(b":")
        except (binascii.Error, ValueError):
            user = password = b""
    expected_user = settings.twilio_account_sid.encode()
    expected_password = settings.twilio_auth_token.get_secret_value().encode()
    ok = secrets.compare_digest(user, expected_user) & secrets.compare_digest(password, expected_password)
    if not ok or not expected_password or account_sid != settings.twilio_account_sid:
        return twilio_error(401, 20003)
    return None


def _validate(
    settings: Settings, to: str, from_: str, service: str, body: str, media: list[str], content: str
) -> int | None:
    """The Twilio error code a create with these fields gets, or None."""
    if not to:
        return 21604
    if not from_ and not service:
        return 21603
    if not body and not media and not content:
        return 21602
    if len(body) > MAX_BODY_CHARS:
        return 21617
    if not ADDRESS.match(to):
        return 21211
    if from_ and from_.startswith("whatsapp:") != to.startswith("whatsapp:"):
        return 21910
    if from_ and from_ not in (settings.twilio_sms_from, settings.twilio_whatsapp_from):
        return 63007 if from_.startswith("whatsapp:") else 21606
    return None


def _template_text(template: ContentTemplate, variables: str) -> str:
    """The text a template shows: its body with the variables filled in (button templates: "{{1}}")."""
    try:
        values = json.loads(variables) if variables else {}
    except ValueError:
        return ""
    return template.text_for({str(k): str(v) for k, v in values.items()}) if isinstance(values, dict) else ""


def _field(form: Any, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


@router.post(ACCOUNT + "/Messages.json")
async def create_message(account_sid: str, request: Request, runtime: RuntimeDep) -> Response:
    settings = runtime.settings
    if (denied := _denied(request, settings, account_sid)) is not None:
        return denied
    async with request.form() as form:
        fields = {name: _field(form, name) for name in FIELDS}
        raw_body = form.get("Body")
        media = [url for url in form.getlist("MediaUrl") if isinstance(url, str) and url]
    body = raw_body if isinstance(raw_body, str) else ""
    to, from_, service = fields["To"], fields["From"], fields["MessagingServiceSid"]
    content_sid = fields["ContentSid"]
    if (code := _validate(settings, to, from_, service, body, media, content_sid)) is not None:
        return twilio_error(400, code)
    template = runtime.templates.by_content_sid(content_sid) if content_sid else None
    if content_sid and template is None:
        return twilio_error(400, 21655)  # "The ContentSid is Invalid"
    if template is not None:
        body = _template_text(template, fields["ContentVariables"])
    validity = fields["ValidityPeriod"]
    if validity and not (validity.isdigit() and 1 <= int(validity) <= MAX_VALIDITY_S):
        return twilio_error(400, 21624)  # "Invalid validity period value"
    store = get_store(request.app)
    outcome = store.next_outcome(to) or ScriptedOutcome()
    if outcome.http_status is not None and outcome.http_status >= 400:
        code = outcome.error_code or DEFAULT_CODE_FOR_STATUS.get(outcome.http_status, 20001)
        await _answer_late(outcome)
        return twilio_error(outcome.http_status, code, outcome.message)
    if outcome.error_code is not None and outcome.final_status is None:
        await _answer_late(outcome)
        return twilio_error(400, outcome.error_code, outcome.message)
    message = FakeMessage(
        sid=new_sid("MM" if media else "SM"),
        account_sid=settings.twilio_account_sid,
        to=to,
        from_=from_,
        body=body,
        media_urls=tuple(media),
        status_callback=fields["StatusCallback"] or None,
        content_sid=content_sid or None,
        content_variables=fields["ContentVariables"] or None,
        messaging_service_sid=service or None,
        validity_period_s=int(validity) if validity else None,
        content_buttons=tuple({"title": b.title, "payload": b.payload} for b in template.buttons)
        if template
        else (),
    )
    store.add_message(message)
    token = settings.twilio_auth_token.get_secret_value()
    path = STATUS_PATHS[outcome.final_status or "delivered"]
    callbacks = outcome.status_callbacks and store.status_callbacks
    store.spawn(_progress(store, runtime.http, token, message, path, outcome.error_code, callbacks))
    # Twilio processed it, but the answer may come too late: the client sees an ambiguous send
    # (and the status callbacks may reach the app before the answer does).
    await _answer_late(outcome)
    return JSONResponse(message.to_twilio_json(), status_code=201)


async def _answer_late(outcome: ScriptedOutcome) -> None:
    if outcome.timeout_s is not None:
        await asyncio.sleep(outcome.timeout_s)


async def _progress(
    store: FakeTwilioStore,
    http: httpx.AsyncClient,
    auth_token: str,
    message: FakeMessage,
    path: tuple[str, ...],
    error_code: int | None,
    callbacks: bool = True,
) -> None:
    """Move the message along its status path, firing a signed callback at each step (if ``callbacks``)."""
    for status in path:
        await asyncio.sleep(store.callback_delay_s)
        if status in FAILED:
            code = error_code or 30008
            message.set_status(status, code, error_text(code))
        elif status != message.status:
            message.set_status(status)
        if message.status_callback and callbacks:
            await _post_callback(http, auth_token, message, status)


async def _post_callback(http: httpx.AsyncClient, auth_token: str, message: FakeMessage, status: str) -> None:
    url = message.status_callback or ""
    params = {
        "AccountSid": message.account_sid,
        "ApiVersion": API_VERSION,
        "From": message.from_,
        "MessageSid": message.sid,
        "MessageStatus": status,
        "SmsSid": message.sid,
        "SmsStatus": status,
        "To": message.to,
    }
    if message.to.startswith("whatsapp:"):
        params["ChannelPrefix"] = "whatsapp"
        params["ChannelToAddress"] = message.to.removeprefix("whatsapp:")
    if status in FAILED and message.error_code is not None:
        params["ErrorCode"] = str(message.error_code)
    record = CallbackRecord(status=status, url=url, params=params)
    message.callbacks.append(record)
    headers = {
        "X-Twilio-Signature": sign(auth_token, url, params),
        "I-Twilio-Idempotency-Token": secrets.token_hex(16),
        "User-Agent": "TwilioProxy/1.1",
    }
    try:
        response = await http.post(url, data=params, headers=headers)
        record.http_status = response.status_code
    except Exception as exc:  # the fake must survive whatever the receiver does
        record.error = repr(exc)
        log.warning("fake twilio status callback failed", url=url, error=repr(exc))


@router.get(ACCOUNT + "/Messages.json")
async def list_messages(account_sid: str, request: Request, runtime: RuntimeDep) -> Response:
    settings = runtime.settings
    if (denied := _denied(request, settings, account_sid)) is not None:
        return denied
    query = request.query_params
    try:
        page_size = max(1, min(MAX_PAGE_SIZE, int(query.get("PageSize") or 50)))
        page = max(0, int(query.get("Page") or 0))
    except ValueError:
        return twilio_error(400, 20001, "Invalid paging parameter")
    filters = {name: query[name] for name in ("To", "From") if query.get(name)}
    found = get_store(request.app).messages(to=filters.get("To"), from_=filters.get("From"))
    found.reverse()
    chunk = found[page * page_size : (page + 1) * page_size]
    base = f"/{API_VERSION}/Accounts/{account_sid}/Messages.json?"

    def uri(number: int) -> str:
        return base + urlencode({**filters, "PageSize": page_size, "Page": number})

    return JSONResponse(
        {
            "messages": [message.to_twilio_json() for message in chunk],
            "page": page,
            "page_size": page_size,
            "start": page * page_size,
            "end": page * page_size + max(len(chunk) - 1, 0),
            "first_page_uri": uri(0),
            "next_page_uri": uri(page + 1) if len(found) > (page + 1) * page_size else None,
            "previous_page_uri": uri(page - 1) if page > 0 else None,
            "uri": uri(page),
        }
    )


@router.get(ACCOUNT + "/Messages/{message_sid}.json")
async def fetch_message(
    account_sid: str, message_sid: str, request: Request, runtime: RuntimeDep
) -> Response:
    if (denied := _denied(request, runtime.settings, account_sid)) is not None:
        return denied
    message = get_store(request.app).get_message(message_sid)
    if message is None:
        return twilio_error(404, 20404, f"The requested resource {request.url.path} was not found")
    return JSONResponse(message.to_twilio_json())


@router.get(ACCOUNT + "/Messages/{message_sid}/Media/{media_sid}")
async def fetch_media(
    account_sid: str, message_sid: str, media_sid: str, request: Request, runtime: RuntimeDep
) -> Response:
    if (denied := _denied(request, runtime.settings, account_sid)) is not None:
        return denied
    store = get_store(request.app)
    item = store.get_media(media_sid.removesuffix(".json"))
    if item is None or item.message_sid != message_sid:
        return twilio_error(404, 20404, f"The requested resource {request.url.path} was not found")
    if store.media_delay_s:
        await asyncio.sleep(store.media_delay_s)  # _control/config: a download that times out
    if store.media_trickle_s:
        return StreamingResponse(_trickle(item.content, store.media_trickle_s), media_type=item.content_type)
    return Response(item.content, media_type=item.content_type)


async def _trickle(content: bytes, pause_s: float) -> AsyncIterator[bytes]:
    """The bytes in MEDIA_TRICKLE_PARTS parts, ``pause_s`` apart: each part in time, the whole late."""
    size = -(-len(content) // MEDIA_TRICKLE_PARTS)
    for start in range(0, len(content), size):
        if start:
            await asyncio.sleep(pause_s)
        yield content[start : start + size]


@router.delete(ACCOUNT + "/Messages/{message_sid}.json")
async def delete_message(
    account_sid: str, message_sid: str, request: Request, runtime: RuntimeDep
) -> Response:
    """204 and the message (with its media) is gone; 404 when unknown; 20009 while still in progress."""
    if (denied := _denied(request, runtime.settings, account_sid)) is not None:
        return denied
    store = get_store(request.app)
    if (failing := store.take_failing_delete()) is not None:
        return twilio_error(failing, DEFAULT_CODE_FOR_STATUS.get(failing, 20500))
    message = store.get_message(message_sid)
    if message is None:
        return twilio_error(404, 20404, f"The requested resource {request.url.path} was not found")
    if message.status in IN_PROGRESS:
        return twilio_error(409, 20009)
    store.delete_message(message_sid)
    return Response(status_code=204)


@router.delete(ACCOUNT + "/Messages/{message_sid}/Media/{media_sid}")
async def delete_media(
    account_sid: str, message_sid: str, media_sid: str, request: Request, runtime: RuntimeDep
) -> Response:
    """204 and the media URL answers 404 from now on; 404 when unknown."""
    if (denied := _denied(request, runtime.settings, account_sid)) is not None:
        return denied
    store = get_store(request.app)
    if (failing := store.take_failing_delete()) is not None:
        return twilio_error(failing, DEFAULT_CODE_FOR_STATUS.get(failing, 20500))
    if not store.delete_media(message_sid, media_sid.removesuffix(".json")):
        return twilio_error(404, 20404, f"The requested resource {request.url.path} was not found")
    return Response(status_code=204)


router.include_router(fake_twilio_control.router)
