"""The fake Twilio Messages API: Twilio's shapes and codes, signed status callbacks, scripted failures."""

from __future__ import annotations

import asyncio
import base64
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request, Response

from bot.settings import Settings
from bot.templates import load_templates
from bot.twilio_adapter.records import OutboundRequest
from bot.twilio_adapter.rest import TwilioAmbiguous, TwilioRejected, TwilioRestClient, TwilioRetryable
from bot.twilio_adapter.signature import is_valid_signature
from webhooks.dev import fake_twilio, fake_twilio_store
from webhooks.dev.fake_twilio_store import FakeTwilioStore, get_store

BASE = "http://testserver"
SID = "AC" + "1" * 32
TOKEN = "test-auth-token-123"
SMS_FROM = "+15005550006"
WA_FROM = "whatsapp:+14155238886"
USER = "+573001234567"
MESSAGES = f"/fake-twilio/2010-04-01/Accounts/{SID}/Messages.json"
CALLBACK = f"{BASE}/twilio/status?ob=42&x=a%20b"
RFC2822 = re.compile(r"^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} \+0000$")
AUTH = (SID, TOKEN)


@dataclass
class Received:
    path: str
    form: dict[str, str]
    signed: bool


@dataclass
class Env:
    app: FastAPI
    client: httpx.AsyncClient
    store: FakeTwilioStore
    received: list[Received] = field(default_factory=list)
    answer: int = 204

    async def send(self, auth: Any = AUTH, **form: Any) -> httpx.Response:
        return await self.client.post(MESSAGES, data=form, auth=auth)

    def callbacks(self) -> list[Received]:
        return [item for item in self.received if item.path == "/twilio/status"]


def make_settings() -> Settings:
    return Settings(
        app_env="test",
        twilio_account_sid=SID,
        twilio_auth_token=TOKEN,  # type: ignore[arg-type]
        twilio_api_base_url=f"{BASE}/fake-twilio",
        twilio_sms_from=SMS_FROM,
        twilio_whatsapp_from=WA_FROM,
        public_base_url=BASE,
    )


@pytest.fixture
async def env() -> AsyncIterator[Env]:
    settings = make_settings()
    app = FastAPI()
    app.include_router(fake_twilio.router)
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), timeout=5)
    app.state.runtime = SimpleNamespace(
        settings=settings, http=http, templates=load_templates(Path("data") / "whatsapp_templates.yml")
    )
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE, timeout=5)
    state = Env(app=app, client=client, store=get_store(app))

    async def record(request: Request) -> Response:
        form = {key: str(value) for key, value in (await request.form()).items()}
        url = (
            settings.public_base_url
            + request.url.path
            + (f"?{request.url.query}" if request.url.query else "")
        )
        signed = is_valid_signature(TOKEN, url, form, request.headers.get("x-twilio-signature"))
        state.received.append(Received(request.url.path, form, signed))
        return Response(status_code=state.answer if signed else 403)

    app.add_api_route("/twilio/status", record, methods=["POST"])
    assert (
        await client.post("/fake-twilio/_control/config", json={"callback_delay_s": 0.001})
    ).status_code == 200
    yield state
    assert await state.store.drain(5)
    await client.aclose()
    await http.aclose()


def error_of(response: httpx.Response) -> tuple[int, int]:
    body = response.json()
    assert set(body) == {"code", "message", "more_info", "status"}
    assert body["status"] == response.status_code
    assert body["more_info"] == f"https://www.twilio.com/docs/errors/{body['code']}"
    return response.status_code, body["code"]


async def test_create_answers_201_with_twilios_message_shape(env: Env) -> None:
    response = await env.send(To=USER, From=SMS_FROM, Body="Hola, ¿cómo está?")
    assert response.status_code == 201
    body = response.json()
    assert re.fullmatch(r"SM[0-9a-f]{32}", body["sid"])
    uri = f"/2010-04-01/Accounts/{SID}/Messages/{body['sid']}"
    assert body == body | {
        "account_sid": SID,
        "to": USER,
        "from": SMS_FROM,
        "body": "Hola, ¿cómo está?",
        "status": "queued",
        "num_segments": "1",
        "num_media": "0",
        "direction": "outbound-api",
        "error_code": None,
        "error_message": None,
        "price": None,
        "api_version": "2010-04-01",
        "messaging_service_sid": None,
        "uri": f"{uri}.json",
        "subresource_uris": {"media": f"{uri}/Media.json"},
    }
    assert RFC2822.match(body["date_created"]) and RFC2822.match(body["date_updated"])
    assert parsedate_to_datetime(body["date_created"]).tzinfo is not None
    assert body["date_sent"] is None  # as Twilio: set once the message is sent


@pytest.mark.parametrize(
    ("body", "segments"),
    [("a" * 160, "1"), ("a" * 161, "2"), ("á" * 70, "1"), ("á" * 71, "2"), ("ñ" * 160, "1"), ("[" * 81, "2")],
)
async def test_num_segments_follow_gsm7_and_ucs2(env: Env, body: str, segments: str) -> None:
    response = await env.send(To=USER, From=SMS_FROM, Body=body)
    assert response.json()["num_segments"] == segments


@pytest.mark.parametrize(
    "auth",
    [None, (SID, "wrong"), ("AC" + "2" * 32, TOKEN), (SID, "")],
    ids=["none", "wrong-token", "wrong-sid", "empty-token"],
)
async def test_bad_credentials_get_401_20003(env: Env, auth: Any) -> None:
    response = await env.send(auth=auth, To=USER, From=SMS_FROM, Body="x")
    assert error_of(response) == (401, 20003)
    assert response.json()["message"] == "Authenticate"
    assert (await env.client.get(MESSAGES, auth=auth)).status_code == 401
    assert env.store.messages() == []


async def test_account_in_path_must_match_the_credentials(env: Env) -> None:
    other = MESSAGES.replace(SID, "AC" + "3" * 32)
    response = await env.client.post(other, data={"To": USER, "From": SMS_FROM, "Body": "x"}, auth=AUTH)
    assert error_of(response) == (401, 20003)


@pytest.mark.parametrize(
    ("form", "code"),
    [
        ({"From": SMS_FROM, "Body": "x"}, 21604),
        ({"To": USER, "Body": "x"}, 21603),
        ({"To": USER, "From": SMS_FROM}, 21602),
        ({"To": USER, "From": SMS_FROM, "Body": ""}, 21602),
        ({"To": "300 123", "From": SMS_FROM, "Body": "x"}, 21211),
        ({"To": f"whatsapp:{USER}", "From": SMS_FROM, "Body": "x"}, 21910),
        ({"To": USER, "From": "+15550001111", "Body": "x"}, 21606),
        ({"To": f"whatsapp:{USER}", "From": "whatsapp:+15550001111", "Body": "x"}, 63007),
        ({"To": USER, "From": SMS_FROM, "Body": "x" * 1601}, 21617),
        ({"To": USER, "From": SMS_FROM, "Body": "x", "ValidityPeriod": "0"}, 21624),
        ({"To": USER, "From": SMS_FROM, "Body": "x", "ValidityPeriod": "36001"}, 21624),
        ({"To": USER, "From": SMS_FROM, "Body": "x", "ValidityPeriod": "1.5"}, 21624),
    ],
)
async def test_validation_errors_carry_twilios_codes(env: Env, form: dict[str, str], code: int) -> None:
    assert error_of(await env.send(**form)) == (400, code)
    assert env.store.messages() == []


async def test_media_or_content_sid_alone_is_enough(env: Env) -> None:
    media = await env.send(
        To=f"whatsapp:{USER}", From=WA_FROM, MediaUrl=["https://e.x/a.png", "https://e.x/b.png"]
    )
    assert media.status_code == 201
    assert media.json()["num_media"] == "2" and media.json()["sid"].startswith("MM")
    si_no = "HX0f5c3a9e2d7b4e8a9c1d2e3f4a5b6c7d"  # data/whatsapp_templates.yml
    template = await env.send(
        To=f"whatsapp:{USER}", From=WA_FROM, ContentSid=si_no, ContentVariables='{"1": "¿Seguimos?"}'
    )
    assert template.status_code == 201
    stored = env.store.get_message(template.json()["sid"])
    assert stored is not None and stored.content_sid == si_no and stored.body == "¿Seguimos?"
    assert [b["payload"] for b in stored.content_buttons] == ["/affirm", "/deny"]
    unknown = await env.send(To=f"whatsapp:{USER}", From=WA_FROM, ContentSid="HX" + "0" * 32)
    assert unknown.status_code == 400 and unknown.json()["code"] == 21655
    service = await env.send(To=USER, MessagingServiceSid="MG" + "0" * 32, Body="x")
    assert service.status_code == 201 and service.json()["messaging_service_sid"] == "MG" + "0" * 32


async def test_list_filters_exactly_newest_first_and_pages(env: Env) -> None:
    other = "+573109876543"
    sids = [
        (await env.send(To=to, From=SMS_FROM, Body=f"m{i}")).json()["sid"]
        for i, to in enumerate([USER, other, USER])
    ]
    await env.send(To=f"whatsapp:{USER}", From=WA_FROM, Body="wa")
    page = (await env.client.get(MESSAGES, params={"To": USER, "From": SMS_FROM}, auth=AUTH)).json()
    assert [m["sid"] for m in page["messages"]] == [sids[2], sids[0]]
    assert page["page"] == 0 and page["page_size"] == 50 and page["next_page_uri"] is None
    assert page["uri"].startswith(f"/2010-04-01/Accounts/{SID}/Messages.json?") and "first_page_uri" in page
    wa = (await env.client.get(MESSAGES, params={"From": WA_FROM}, auth=AUTH)).json()["messages"]
    assert [m["body"] for m in wa] == ["wa"]
    one = (await env.client.get(MESSAGES, params={"To": USER, "PageSize": "1"}, auth=AUTH)).json()
    assert len(one["messages"]) == 1 and one["page_size"] == 1 and one["next_page_uri"] is not None
    fetched = await env.client.get(MESSAGES.replace(".json", f"/{sids[1]}.json"), auth=AUTH)
    assert fetched.status_code == 200 and fetched.json()["to"] == other
    missing = await env.client.get(MESSAGES.replace(".json", f"/SM{'0' * 32}.json"), auth=AUTH)
    assert error_of(missing) == (404, 20404)


async def test_callbacks_arrive_signed_in_order_and_update_the_status(env: Env) -> None:
    sid = (await env.send(To=USER, From=SMS_FROM, Body="hola", StatusCallback=CALLBACK)).json()["sid"]
    assert await env.store.drain(5)
    callbacks = env.callbacks()
    assert [c.form["MessageStatus"] for c in callbacks] == ["queued", "sent", "delivered"]
    assert all(c.signed for c in callbacks)
    assert callbacks[-1].form == {
        "AccountSid": SID,
        "ApiVersion": "2010-04-01",
        "From": SMS_FROM,
        "MessageSid": sid,
        "MessageStatus": "delivered",
        "SmsSid": sid,
        "SmsStatus": "delivered",
        "To": USER,
    }
    fetched = (await env.client.get(MESSAGES.replace(".json", f"/{sid}.json"), auth=AUTH)).json()
    assert fetched["status"] == "delivered" and RFC2822.match(fetched["date_sent"])
    log = (await env.client.get("/fake-twilio/_control/messages", params={"to": USER})).json()["messages"]
    assert [(c["status"], c["http_status"]) for c in log[0]["callbacks"]] == [
        ("queued", 204),
        ("sent", 204),
        ("delivered", 204),
    ]


async def test_callback_signature_covers_the_exact_url(env: Env) -> None:
    await env.send(To=USER, From=SMS_FROM, Body="hola", StatusCallback=CALLBACK)
    assert await env.store.drain(5)
    stored = env.store.messages()[0].callbacks[0]
    assert stored.url == CALLBACK
    signature = fake_twilio.sign(TOKEN, CALLBACK, stored.params)
    assert is_valid_signature(TOKEN, CALLBACK, stored.params, signature)
    assert not is_valid_signature(TOKEN, CALLBACK.split("?")[0], stored.params, signature)
    assert not is_valid_signature("other-token", CALLBACK, stored.params, signature)


@pytest.mark.parametrize(
    ("outcome", "to", "statuses", "code"),
    [
        ({"final_status": "failed", "error_code": 30007}, USER, ["queued", "failed"], "30007"),
        (
            {"final_status": "undelivered", "error_code": 63016},
            f"whatsapp:{USER}",
            ["queued", "sent", "undelivered"],
            "63016",
        ),
        ({"final_status": "read"}, f"whatsapp:{USER}", ["queued", "sent", "delivered", "read"], None),
    ],
)
async def test_scripted_final_status(
    env: Env, outcome: dict[str, Any], to: str, statuses: list[str], code: str | None
) -> None:
    script = await env.client.post("/fake-twilio/_control/script", json={"responses": [outcome]})
    assert script.status_code == 200
    sender = WA_FROM if to.startswith("whatsapp:") else SMS_FROM
    response = await env.send(To=to, From=sender, Body="hola", StatusCallback=CALLBACK)
    assert response.status_code == 201
    assert await env.store.drain(5)
    callbacks = env.callbacks()
    assert [c.form["MessageStatus"] for c in callbacks] == statuses
    assert [c.form.get("ErrorCode") for c in callbacks] == [None] * (len(statuses) - 1) + [code]
    assert all(c.signed for c in callbacks)
    message = env.store.get_message(response.json()["sid"])
    assert message is not None and message.status == statuses[-1]
    assert message.error_code == (int(code) if code else None)


async def test_scripted_http_errors_are_consumed_in_order_and_store_nothing(env: Env) -> None:
    responses = [
        {"http_status": 429},
        {"http_status": 500},
        {"error_code": 21610, "http_status": 400, "message": "Attempt to send to unsubscribed recipient"},
    ]
    assert (await env.client.post("/fake-twilio/_control/script", json={"responses": responses})).json() == {
        "pending": 3
    }
    got = [await env.send(To=USER, From=SMS_FROM, Body="x") for _ in range(4)]
    assert [error_of(r) for r in got[:3]] == [(429, 20429), (500, 20500), (400, 21610)]
    assert got[2].json()["message"] == "Attempt to send to unsubscribed recipient"
    assert got[3].status_code == 201
    assert [m.sid for m in env.store.messages()] == [got[3].json()["sid"]]


async def test_script_for_one_address_leaves_others_alone(env: Env) -> None:
    await env.client.post(
        "/fake-twilio/_control/script", json={"to": USER, "responses": [{"http_status": 429}]}
    )
    assert (await env.send(To="+573109876543", From=SMS_FROM, Body="x")).status_code == 201
    assert (await env.send(To=USER, From=SMS_FROM, Body="x")).status_code == 429
    assert (await env.send(To=USER, From=SMS_FROM, Body="x")).status_code == 201


async def test_scripted_timeout_stores_the_message_but_answers_too_late(env: Env) -> None:
    await env.client.post("/fake-twilio/_control/script", json={"responses": [{"timeout_s": 3}]})
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(env.send(To=USER, From=SMS_FROM, Body="x", StatusCallback=CALLBACK), 0.3)
    assert [m.body for m in env.store.messages(to=USER)] == ["x"]
    assert await env.store.drain(5)
    assert [c.form["MessageStatus"] for c in env.callbacks()] == ["queued", "sent", "delivered"]


async def test_scripted_callbacks_off_still_moves_the_message_along(env: Env) -> None:
    script = {"to": USER, "responses": [{"status_callbacks": False}]}
    await env.client.post("/fake-twilio/_control/script", json=script)
    silent = (await env.send(To=USER, From=SMS_FROM, Body="x", StatusCallback=CALLBACK)).json()["sid"]
    loud = (await env.send(To=USER, From=SMS_FROM, Body="y", StatusCallback=CALLBACK)).json()["sid"]
    assert await env.store.drain(5)
    assert {c.form["MessageSid"] for c in env.callbacks()} == {loud}
    message = env.store.get_message(silent)
    assert message is not None and message.status == "delivered" and message.callbacks == []


async def test_config_turns_every_callback_off_and_on(env: Env) -> None:
    off = await env.client.post("/fake-twilio/_control/config", json={"status_callbacks": False})
    assert off.json() == {
        "callback_delay_s": 0.001,
        "status_callbacks": False,
        "media_delay_s": 0.0,
        "media_trickle_s": 0.0,
    }
    await env.send(To=USER, From=SMS_FROM, Body="x", StatusCallback=CALLBACK)
    assert await env.store.drain(5)
    assert env.callbacks() == []
    on = await env.client.post("/fake-twilio/_control/config", json={"status_callbacks": True})
    assert on.json()["status_callbacks"] is True
    await env.send(To=USER, From=SMS_FROM, Body="y", StatusCallback=CALLBACK)
    assert await env.store.drain(5)
    assert [c.form["MessageStatus"] for c in env.callbacks()] == ["queued", "sent", "delivered"]


async def test_scripted_error_can_answer_late_and_stores_nothing(env: Env) -> None:
    late = {"http_status": 400, "error_code": 21610, "timeout_s": 0.3}
    await env.client.post("/fake-twilio/_control/script", json={"responses": [late]})
    started = asyncio.get_running_loop().time()
    response = await env.send(To=USER, From=SMS_FROM, Body="x")
    assert asyncio.get_running_loop().time() - started >= 0.3
    assert error_of(response) == (400, 21610)
    assert env.store.messages() == []


async def test_rest_client_against_the_fake(env: Env) -> None:
    """The adapter's own client classifies the fake's answers the way the outbox expects."""
    http: httpx.AsyncClient = env.app.state.runtime.http
    client = TwilioRestClient(base_url=f"{BASE}/fake-twilio", account_sid=SID, auth_token=TOKEN, client=http)
    request = OutboundRequest(to=USER, from_=SMS_FROM, body="hola", status_callback=CALLBACK)
    sent = await client.send(request)
    assert sent.status == "queued" and sent.sid.startswith("SM")
    script = [{"http_status": 429}, {"http_status": 503}, {"error_code": 21610, "http_status": 400}]
    await env.client.post("/fake-twilio/_control/script", json={"responses": script})
    with pytest.raises(TwilioRetryable):
        await client.send(request)
    with pytest.raises(TwilioAmbiguous):
        await client.send(request)
    with pytest.raises(TwilioRejected) as rejected:
        await client.send(request)
    assert rejected.value.code == 21610
    recent = await client.recent_messages(to=USER, from_=SMS_FROM)
    assert [m.sid for m in recent] == [sent.sid]


async def test_reset_clears_messages_and_scripts(env: Env) -> None:
    await env.send(To=USER, From=SMS_FROM, Body="x")
    await env.client.post("/fake-twilio/_control/script", json={"responses": [{"http_status": 500}]})
    assert (await env.client.post("/fake-twilio/_control/reset")).json() == {"ok": True}
    assert env.store.messages() == [] and env.store.pending_scripts == 0
    assert (await env.send(To=USER, From=SMS_FROM, Body="x")).status_code == 201
    bad = await env.client.post(
        "/fake-twilio/_control/script", json={"responses": [{"final_status": "lost"}]}
    )
    assert bad.status_code == 422


async def test_media_register_and_download_needs_basic_auth(env: Env) -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
    registered = await env.client.post(
        "/fake-twilio/_control/media",
        json={"content_type": "image/png", "data_b64": base64.b64encode(png).decode()},
    )
    assert registered.status_code == 201
    url = registered.json()["url"]
    pattern = (
        rf"{BASE}/fake-twilio/2010-04-01/Accounts/{SID}/Messages/MM[0-9a-f]{{32}}/Media/ME[0-9a-f]{{32}}"
    )
    assert re.fullmatch(pattern, url)
    assert error_of(await env.client.get(url)) == (401, 20003)
    assert (await env.client.get(url, auth=(SID, "nope"))).status_code == 401
    got = await env.client.get(url, auth=AUTH)
    assert got.status_code == 200 and got.content == png and got.headers["content-type"] == "image/png"
    wrong_message = re.sub(r"/Messages/MM[0-9a-f]{32}/", f"/Messages/MM{'0' * 32}/", url)
    assert (await env.client.get(wrong_message, auth=AUTH)).status_code == 404
    http: httpx.AsyncClient = env.app.state.runtime.http
    client = TwilioRestClient(base_url=f"{BASE}/fake-twilio", account_sid=SID, auth_token=TOKEN, client=http)
    downloaded = await client.download_media(url)
    assert downloaded.content == png and downloaded.content_type == "image/png"


async def test_config_delays_and_trickles_media_downloads(env: Env) -> None:
    registered = await env.client.post(
        "/fake-twilio/_control/media",
        json={"content_type": "image/png", "data_b64": base64.b64encode(b"\x89PNG late").decode()},
    )
    url = registered.json()["url"]
    slow = await env.client.post("/fake-twilio/_control/config", json={"media_delay_s": 0.4})
    assert slow.json()["media_delay_s"] == 0.4
    started = time.monotonic()
    assert (await env.client.get(url, auth=AUTH)).content == b"\x89PNG late"
    assert time.monotonic() - started >= 0.4
    await env.client.post("/fake-twilio/_control/config", json={"media_delay_s": 0})
    started = time.monotonic()
    assert (await env.client.get(url, auth=AUTH)).status_code == 200
    assert time.monotonic() - started < 0.4
    await env.client.post("/fake-twilio/_control/config", json={"media_trickle_s": 0.05})
    started = time.monotonic()
    async with env.client.stream("GET", url, auth=AUTH) as response:
        parts = [part async for part in response.aiter_raw()]
    assert b"".join(parts) == b"\x89PNG late" and time.monotonic() - started >= 0.05 * 8  # 9 bytes: 9 parts


async def test_media_register_multipart_and_rejects_bad_base64(env: Env) -> None:
    files = {"file": ("cedula.pdf", b"%PDF-1.4 test", "application/pdf")}
    registered = await env.client.post("/fake-twilio/_control/media", files=files)
    assert registered.status_code == 201 and registered.json()["content_type"] == "application/pdf"
    got = await env.client.get(registered.json()["url"], auth=AUTH)
    assert got.content == b"%PDF-1.4 test"
    bad = await env.client.post(
        "/fake-twilio/_control/media", json={"content_type": "image/png", "data_b64": "@@@"}
    )
    assert bad.status_code == 422


def test_store_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fake_twilio_store, "MAX_MESSAGES", 3)
    monkeypatch.setattr(fake_twilio_store, "MAX_MEDIA_ITEMS", 2)
    store = FakeTwilioStore()
    for index in range(5):
        store.add_message(fake_twilio_store.FakeMessage(f"SM{index}", SID, USER, SMS_FROM, str(index)))
    assert [m.body for m in store.messages()] == ["2", "3", "4"]
    media = [store.add_media(content_type="image/png", content=b"x") for _ in range(3)]
    assert store.get_media(media[0].sid) is None and store.get_media(media[2].sid) is not None
    with pytest.raises(ValueError, match="16 MB"):
        store.add_media(content_type="image/png", content=b"x" * (16 * 1024 * 1024 + 1))
