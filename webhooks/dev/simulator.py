"""Dev-only chat simulator at ``/simulator`` (never mounted in prod).

The browser never talks to the bot directly: ``POST /simulator/api/send`` builds the form Twilio would
post for an inbound SMS or WhatsApp message, signs it with the auth token over PUBLIC_BASE_URL and posts
it to our real ``/twilio/messages``. The bot's replies are read back from the fake Twilio API's store,
where the worker's sends land when TWILIO_API_BASE_URL points at ``/fake-twilio``.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
from collections import OrderedDict
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any, Literal

import httpx
import phonenumbers
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, ConfigDict, Field

from bot.gsm7 import sms_size
from bot.settings import Settings
from bot.twilio_adapter.signature import sign
from webhooks.deps import RuntimeDep
from webhooks.dev.fake_twilio_control import register_media
from webhooks.dev.fake_twilio_store import (
    API_VERSION,
    MAX_MEDIA_ITEMS,
    FakeMessage,
    FakeTwilioStore,
    StoredMedia,
    get_store,
    new_sid,
)

router = APIRouter(prefix="/simulator", include_in_schema=False)
HERE = Path(__file__).resolve().parent
DEFAULT_PHONE = "+573001234567"
DEFAULT_PROFILE = "Usuaria de prueba"
# WhatsApp limits: images 5 MB, documents 16 MB.
MEDIA_LIMITS = {
    "image/jpeg": 5 * 1024 * 1024,
    "image/png": 5 * 1024 * 1024,
    "application/pdf": 16 * 1024 * 1024,
}
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
Channel = Literal["sms", "whatsapp"]


@cache
def _templates() -> Jinja2Templates:
    return Jinja2Templates(directory=HERE / "templates")


class MediaIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    content_type: Literal["image/jpeg", "image/png", "application/pdf"]
    data_b64: str = Field(min_length=4, max_length=16 * 1024 * 1024 * 4 // 3 + 4)
    filename: str | None = Field(default=None, max_length=200)


class SendRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channel: Channel
    phone: str = Field(min_length=7, max_length=32)
    text: str = Field(default="", max_length=1600)
    button_payload: str | None = Field(default=None, max_length=256)
    button_text: str | None = Field(default=None, max_length=256)
    profile_name: str = Field(default=DEFAULT_PROFILE, max_length=60)
    media: MediaIn | None = None


def to_e164(phone: str) -> str:
    """A valid phone number in E.164 (Colombian by default), else 422 with a reason in Spanish."""
    try:
        parsed = phonenumbers.parse(phone.strip(), "CO")
    except phonenumbers.NumberParseException as exc:
        raise HTTPException(422, "El número de teléfono no es válido.") from exc
    if not phonenumbers.is_valid_number(parsed):
        raise HTTPException(422, "El número de teléfono no es válido (ej. +573001234567).")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def address_of(channel: Channel, e164: str) -> str:
    return f"whatsapp:{e164}" if channel == "whatsapp" else e164


def _region(number: str) -> str:
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(number.removeprefix("whatsapp:"))) or ""
    except phonenumbers.NumberParseException:
        return ""


def build_inbound_form(
    settings: Settings,
    *,
    channel: Channel,
    e164: str,
    body: str,
    message_sid: str,
    media: tuple[str, str] | None = None,
    button_payload: str | None = None,
    button_text: str | None = None,
    profile_name: str = DEFAULT_PROFILE,
) -> dict[str, str]:
    """The form Twilio posts to the messaging webhook for this inbound message."""
    to = settings.twilio_whatsapp_from if channel == "whatsapp" else settings.twilio_sms_from
    form = {
        "AccountSid": settings.twilio_account_sid,
        "ApiVersion": API_VERSION,
        "Body": body,
        "From": address_of(channel, e164),
        "MessageSid": message_sid,
        "NumMedia": "1" if media else "0",
        "NumSegments": "1" if channel == "whatsapp" else str(sms_size(body).segments),
        "SmsMessageSid": message_sid,
        "SmsSid": message_sid,
        "SmsStatus": "received",
        "To": to,
    }
    if media:
        form["MediaUrl0"], form["MediaContentType0"] = media
    if channel == "sms":
        form.update(FromCountry=_region(e164), FromState="", FromCity="", FromZip="")
        form.update(ToCountry=_region(to), ToState="", ToCity="", ToZip="")
        return form
    wa_id = e164.removeprefix("+")
    kind = "button" if button_payload else "text"
    if media:
        kind = "image" if media[1].startswith("image/") else "document"
    context = {"ProfileName": profile_name, "WaId": wa_id}
    form.update(ProfileName=profile_name, WaId=wa_id, MessageType=kind, ReferralNumMedia="0")
    form["ChannelMetadata"] = json.dumps({"type": "whatsapp", "data": {"context": context}})
    if button_payload:
        form["ButtonPayload"] = button_payload
        form["ButtonText"] = button_text or body
    return form


@router.get("")
async def page(request: Request, runtime: RuntimeDep) -> Response:
    settings = runtime.settings
    context = {
        "default_phone": DEFAULT_PHONE,
        "default_profile": DEFAULT_PROFILE,
        "sms_from": settings.twilio_sms_from,
        "whatsapp_from": settings.twilio_whatsapp_from,
        "webhook_url": settings.public_base_url.rstrip("/") + "/twilio/messages",
    }
    response = _templates().TemplateResponse(request, "simulator.html", context)
    response.headers["Content-Security-Policy"] = PAGE_CSP
    return response


@router.get("/static/simulator.js")
async def script() -> FileResponse:
    return FileResponse(HERE / "static" / "simulator.js", media_type="text/javascript")


@router.post("/api/send")
async def send(payload: SendRequest, request: Request, runtime: RuntimeDep) -> JSONResponse:
    """Post a signed, Twilio-shaped inbound message to our own webhook; answer what it said."""
    settings = runtime.settings
    e164 = to_e164(payload.phone)
    if payload.media and payload.channel != "whatsapp":
        raise HTTPException(422, "Solo se pueden adjuntar archivos por WhatsApp.")
    body = payload.text
    if not body and payload.button_payload:
        body = payload.button_text or payload.button_payload  # Twilio puts the button's text in Body
    if not body and not payload.media:
        raise HTTPException(422, "Escriba un mensaje, toque un botón o adjunte un archivo.")
    sid = new_sid("MM" if payload.media else "SM")
    media: tuple[str, str] | None = None
    if payload.media:
        try:
            content = base64.b64decode(payload.media.data_b64, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise HTTPException(422, "El archivo adjunto no es base64 válido.") from exc
        if len(content) > MEDIA_LIMITS[payload.media.content_type]:
            raise HTTPException(413, "El archivo es demasiado grande para WhatsApp.")
        ctype = payload.media.content_type
        item, url = register_media(request, settings, content_type=ctype, content=content, message_sid=sid)
        _keep_on_phone(request, item)
        media = (url, ctype)
    form = build_inbound_form(
        settings,
        channel=payload.channel,
        e164=e164,
        body=body,
        message_sid=sid,
        media=media,
        button_payload=payload.button_payload,
        button_text=payload.button_text,
        profile_name=payload.profile_name,
    )
    logged = FakeMessage(
        sid=sid,
        account_sid=settings.twilio_account_sid,
        to=form["To"],
        from_=form["From"],
        body=body,
        direction="inbound",
        status="received",
        media_urls=(media[0],) if media else (),
        media_content_types=(media[1],) if media else (),
    )
    get_store(request.app).add_message(logged)
    webhook = settings.public_base_url.rstrip("/") + "/twilio/messages"
    headers = {
        "X-Twilio-Signature": sign(settings.twilio_auth_token.get_secret_value(), webhook, form),
        "I-Twilio-Idempotency-Token": secrets.token_hex(16),
        "User-Agent": "TwilioProxy/1.1",
    }
    try:
        response = await runtime.http.post(webhook, data=form, headers=headers)
    except httpx.HTTPError as exc:
        logged.error_message = f"El webhook no respondió: {type(exc).__name__}"
        return JSONResponse({"ok": False, "status_code": None, "message_sid": sid, "error": repr(exc)}, 502)
    ok = 200 <= response.status_code < 300
    if not ok:
        logged.error_message = f"El webhook respondió {response.status_code}"
    return JSONResponse({"ok": ok, "status_code": response.status_code, "message_sid": sid})


@router.get("/api/messages")
async def conversation(request: Request, channel: Channel, phone: str) -> dict[str, Any]:
    """The conversation with this address, oldest first: what the user sent and what the bot sent."""
    address = address_of(channel, to_e164(phone))
    store, phone_copies = get_store(request.app), _phone_copies(request)
    items = [
        _view(message, channel, store, phone_copies)
        for message in store.messages()
        if (message.direction == "inbound" and message.from_ == address)
        or (message.direction != "inbound" and message.to == address)
    ]
    return {"address": address, "messages": items}


def _phone_copies(request: Request) -> OrderedDict[str, StoredMedia]:
    """What the simulated phone keeps of the files it sent: the bot deletes Twilio's copy once it
    has its own (or when it may not keep it), but the person still sees their photo."""
    copies = getattr(request.app.state, "simulator_phone_media", None)
    if not isinstance(copies, OrderedDict):
        copies = OrderedDict()
        request.app.state.simulator_phone_media = copies
    return copies


def _keep_on_phone(request: Request, item: StoredMedia) -> None:
    copies = _phone_copies(request)
    copies[item.sid] = item
    while len(copies) > MAX_MEDIA_ITEMS:
        copies.popitem(last=False)


def _view(
    message: FakeMessage, channel: Channel, store: FakeTwilioStore, phone: Mapping[str, StoredMedia]
) -> dict[str, Any]:
    inbound = message.direction == "inbound"
    media = []
    for index, url in enumerate(message.media_urls):
        types = message.media_content_types
        sid = url.rstrip("/").rsplit("/", 1)[-1]
        item = phone.get(sid) or store.get_media(sid)
        if item is not None:
            media.append({"url": f"/simulator/api/media/{item.sid}", "content_type": item.content_type})
        else:
            media.append({"url": url, "content_type": types[index] if index < len(types) else ""})
    sms = None
    if channel == "sms" and not inbound:
        size = sms_size(message.body)
        sms = {"encoding": size.encoding, "segments": size.segments}
    return {
        "sid": message.sid,
        "direction": "in" if inbound else "out",
        "body": message.body,
        "status": message.status,
        "date": message.date_created.isoformat(),
        "error_code": message.error_code,
        "error_message": message.error_message,
        "media": media,
        "content_sid": message.content_sid,
        "content_variables": message.content_variables,
        "buttons": list(message.content_buttons),
        "sms": sms,
    }


@router.get("/api/media/{media_sid}")
async def media_file(media_sid: str, request: Request) -> Response:
    """Media the user attached, for the page to show (the fake's own URL needs Basic auth)."""
    item = _phone_copies(request).get(media_sid) or get_store(request.app).get_media(media_sid)
    if item is None:
        raise HTTPException(404, "No existe ese archivo.")
    headers = {"X-Content-Type-Options": "nosniff", "Cache-Control": "private, max-age=3600"}
    return Response(item.content, media_type=item.content_type, headers=headers)
