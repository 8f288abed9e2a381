"""The dev simulator: Twilio-shaped, signed inbound forms to our webhook; the conversation read back."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request, Response

from bot.settings import Settings
from bot.templates import load_templates
from bot.twilio_adapter.inbound import parse_message_form
from bot.twilio_adapter.signature import is_valid_signature
from webhooks.dev import fake_twilio, simulator
from webhooks.dev.fake_twilio_store import FakeTwilioStore, get_store

BASE = "http://testserver"
PUBLIC = "https://famibot.example.org"  # the simulator must sign over PUBLIC_BASE_URL, not the Host
SID = "AC" + "4" * 32
TOKEN = "simulator-test-token"
SMS_FROM = "+15005550006"
WA_FROM = "whatsapp:+14155238886"
USER = "+573001234567"
MESSAGES = f"/fake-twilio/2010-04-01/Accounts/{SID}/Messages.json"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@dataclass
class Env:
    client: httpx.AsyncClient
    store: FakeTwilioStore
    inbound: list[dict[str, str]] = field(default_factory=list)
    signed: list[bool] = field(default_factory=list)
    answer: int = 200

    async def send(self, **payload: Any) -> httpx.Response:
        return await self.client.post("/simulator/api/send", json=payload)

    async def conversation(self, channel: str, phone: str = USER) -> list[dict[str, Any]]:
        response = await self.client.get(
            "/simulator/api/messages", params={"channel": channel, "phone": phone}
        )
        assert response.status_code == 200
        messages: list[dict[str, Any]] = response.json()["messages"]
        return messages


@pytest.fixture
async def env() -> AsyncIterator[Env]:
    settings = Settings(
        app_env="test",
        twilio_account_sid=SID,
        twilio_auth_token=TOKEN,  # type: ignore[arg-type]
        twilio_api_base_url=f"{BASE}/fake-twilio",
        twilio_sms_from=SMS_FROM,
        twilio_whatsapp_from=WA_FROM,
        public_base_url=PUBLIC,
    )
    app = FastAPI()
    app.include_router(fake_twilio.router)
    app.include_router(simulator.router)
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), timeout=5)
    app.state.runtime = SimpleNamespace(
        settings=settings, http=http, templates=load_templates(Path("data") / "whatsapp_templates.yml")
    )
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE, timeout=5)
    state = Env(client=client, store=get_store(app))
    state.store.callback_delay_s = 0.001

    async def inbound(request: Request) -> Response:
        form = {key: str(value) for key, value in (await request.form()).items()}
        signed = is_valid_signature(
            TOKEN, f"{PUBLIC}/twilio/messages", form, request.headers.get("x-twilio-signature")
        )
        state.inbound.append(form)
        state.signed.append(signed)
        if not signed:
            return Response(status_code=403)
        return Response(
            '<?xml version="1.0" encoding="UTF-8"?><Response/>', state.answer, media_type="text/xml"
        )

    async def status(request: Request) -> Response:
        return Response(status_code=204)

    app.add_api_route("/twilio/messages", inbound, methods=["POST"])
    app.add_api_route("/twilio/status", status, methods=["POST"])
    yield state
    assert await state.store.drain(5)
    await client.aclose()
    await http.aclose()


async def test_page_renders_with_the_form_and_no_external_resources(env: Env) -> None:
    page = await env.client.get("/simulator")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    for needle in (
        '<form id="composer"',
        'id="phone"',
        'value="+573001234567"',
        'name="channel" value="whatsapp"',
        'type="file"',
        'role="log"',
        'lang="es-CO"',
        SMS_FROM,
        "/simulator/static/simulator.js",
    ):
        assert needle in html
    assert not re.search(r"""(src|href)=["']https?://""", html)
    assert "script-src 'self'" in page.headers["content-security-policy"]
    script = await env.client.get("/simulator/static/simulator.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert "/simulator/api/send" in script.text and "/simulator/api/messages" in script.text
    assert "http://" not in script.text and "https://" not in script.text


async def test_sms_send_posts_a_signed_twilio_form(env: Env) -> None:
    response = await env.send(channel="sms", phone="300 123 4567", text="Hola, ¿cómo está?")
    assert response.status_code == 200
    result = response.json()
    assert result["ok"] is True and result["status_code"] == 200
    assert env.signed == [True]
    form = env.inbound[0]
    sid = form["MessageSid"]
    assert re.fullmatch(r"SM[0-9a-f]{32}", sid) and result["message_sid"] == sid
    assert form["SmsMessageSid"] == form["SmsSid"] == sid
    assert {
        k: form[k] for k in ("AccountSid", "From", "To", "Body", "NumMedia", "NumSegments", "ApiVersion")
    } == {
        "AccountSid": SID,
        "From": USER,
        "To": SMS_FROM,
        "Body": "Hola, ¿cómo está?",
        "NumMedia": "0",
        "NumSegments": "1",
        "ApiVersion": "2010-04-01",
    }
    assert form["SmsStatus"] == "received" and form["FromCountry"] == "CO"
    assert not {"ProfileName", "WaId", "ButtonPayload", "MediaUrl0"} & set(form)
    parsed = parse_message_form(form)
    assert parsed.channel == "sms" and parsed.from_e164 == USER and parsed.message_sid == sid


async def test_long_accented_sms_counts_ucs2_segments(env: Env) -> None:
    await env.send(channel="sms", phone=USER, text="á" * 71)
    assert env.inbound[0]["NumSegments"] == "2"


async def test_whatsapp_button_tap_carries_payload_profile_and_waid(env: Env) -> None:
    response = await env.send(
        channel="whatsapp", phone=USER, button_payload="/afirmar", button_text="Sí", profile_name="Doña Rosa"
    )
    assert response.json()["ok"] is True and env.signed == [True]
    form = env.inbound[0]
    assert form["From"] == f"whatsapp:{USER}" and form["To"] == WA_FROM
    assert form["ButtonPayload"] == "/afirmar" and form["ButtonText"] == "Sí" and form["Body"] == "Sí"
    assert form["ProfileName"] == "Doña Rosa" and form["WaId"] == "573001234567"
    assert form["MessageType"] == "button" and form["NumSegments"] == "1"
    assert re.fullmatch(r"SM[0-9a-f]{32}", form["MessageSid"])
    assert json.loads(form["ChannelMetadata"])["data"]["context"]["WaId"] == "573001234567"
    parsed = parse_message_form(form)
    assert (
        parsed.channel == "whatsapp"
        and parsed.button_payload == "/afirmar"
        and parsed.profile_name == "Doña Rosa"
    )


async def test_whatsapp_image_is_registered_as_twilio_media(env: Env) -> None:
    media = {"content_type": "image/png", "data_b64": base64.b64encode(PNG).decode(), "filename": "foto.png"}
    response = await env.send(channel="whatsapp", phone=USER, text="mi cédula", media=media)
    assert response.json()["ok"] is True and env.signed == [True]
    form = env.inbound[0]
    assert (
        form["NumMedia"] == "1"
        and form["MediaContentType0"] == "image/png"
        and form["MessageType"] == "image"
    )
    assert form["MessageSid"].startswith("MM")
    pattern = (
        rf"{BASE}/fake-twilio/2010-04-01/Accounts/{SID}/Messages/{form['MessageSid']}/Media/ME[0-9a-f]{{32}}"
    )
    assert re.fullmatch(pattern, form["MediaUrl0"])
    assert (await env.client.get(form["MediaUrl0"])).status_code == 401
    downloaded = await env.client.get(form["MediaUrl0"], auth=(SID, TOKEN))
    assert downloaded.content == PNG
    [shown] = await env.conversation("whatsapp")
    assert shown["direction"] == "in" and shown["media"][0]["content_type"] == "image/png"
    preview = await env.client.get(shown["media"][0]["url"])
    assert shown["media"][0]["url"].startswith("/simulator/api/media/ME") and preview.content == PNG
    media_path = form["MediaUrl0"].removeprefix(BASE) + ".json"
    assert (await env.client.delete(media_path, auth=(SID, TOKEN))).status_code == 204  # the bot took it
    assert (await env.client.get(form["MediaUrl0"], auth=(SID, TOKEN))).status_code == 404
    [still_shown] = await env.conversation("whatsapp")  # the phone keeps what it sent
    assert (await env.client.get(still_shown["media"][0]["url"])).content == PNG


@pytest.mark.parametrize(
    "payload",
    [
        {"channel": "sms", "phone": "12", "text": "hola"},
        {"channel": "sms", "phone": "+57 300 123", "text": "hola"},
        {"channel": "fax", "phone": USER, "text": "hola"},
        {"channel": "sms", "phone": USER, "text": ""},
        {
            "channel": "sms",
            "phone": USER,
            "text": "x",
            "media": {"content_type": "image/png", "data_b64": "AAAA"},
        },
        {"channel": "whatsapp", "phone": USER, "media": {"content_type": "image/gif", "data_b64": "AAAA"}},
        {"channel": "whatsapp", "phone": USER, "media": {"content_type": "image/png", "data_b64": "@@@@"}},
    ],
    ids=["short", "incomplete", "channel", "empty", "sms-media", "gif", "bad-base64"],
)
async def test_invalid_sends_are_refused_before_the_webhook(env: Env, payload: dict[str, Any]) -> None:
    response = await env.send(**payload)
    assert response.status_code == 422
    assert env.inbound == []


async def test_webhook_refusal_is_reported(env: Env) -> None:
    env.answer = 500
    response = await env.send(channel="sms", phone=USER, text="hola")
    assert response.status_code == 200 and response.json() == response.json() | {
        "ok": False,
        "status_code": 500,
    }
    [shown] = await env.conversation("sms")
    assert "500" in shown["error_message"]


async def test_conversation_merges_user_and_bot_messages_per_channel(env: Env) -> None:
    await env.send(channel="sms", phone=USER, text="hola")
    auth = (SID, TOKEN)
    callback = f"{PUBLIC}/twilio/status?ob=7"
    menu = "¿Qué desea hacer?\n1. Crédito\n2. Documentos\nResponda 1 o 2"
    first = await env.client.post(
        MESSAGES, data={"To": USER, "From": SMS_FROM, "Body": menu, "StatusCallback": callback}, auth=auth
    )
    assert first.status_code == 201
    await env.client.post(MESSAGES, data={"To": USER, "From": SMS_FROM, "Body": "Gracias 😊"}, auth=auth)
    await env.client.post(
        MESSAGES, data={"To": f"whatsapp:{USER}", "From": WA_FROM, "Body": "otro canal"}, auth=auth
    )
    await env.client.post(
        MESSAGES, data={"To": "+573109876543", "From": SMS_FROM, "Body": "otra persona"}, auth=auth
    )
    assert await env.store.drain(5)
    messages = await env.conversation("sms", phone="3001234567")
    assert [(m["direction"], m["body"]) for m in messages] == [
        ("in", "hola"),
        ("out", menu),
        ("out", "Gracias 😊"),
    ]
    assert [m["status"] for m in messages] == ["received", "delivered", "delivered"]
    assert messages[0]["sms"] is None
    assert messages[1]["sms"] == {"encoding": "GSM-7", "segments": 1}
    assert messages[2]["sms"] == {"encoding": "UCS-2", "segments": 1}
    whatsapp = await env.conversation("whatsapp")
    assert [(m["direction"], m["body"], m["sms"]) for m in whatsapp] == [("out", "otro canal", None)]
    bad = await env.client.get("/simulator/api/messages", params={"channel": "sms", "phone": "abc"})
    assert bad.status_code == 422
