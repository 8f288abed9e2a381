"""DELETE of Message and Media resources, on the fake Twilio API and through the adapter's client.

Twilio answers 204 and forgets the resource (a deleted Message takes its media with it), 404 for
what it does not know, and error 20009 while a message is still in progress.
"""

from __future__ import annotations

import base64
import re

import httpx
import pytest

from bot.twilio_adapter.rest import DeleteFailed, TwilioRestClient
from bot.twilio_adapter.sids import InvalidSid
from tests.webhooks.dev.test_fake_twilio import AUTH, BASE, SID, SMS_FROM, TOKEN, USER, Env, env, error_of

__all__ = ["env"]  # the fixture, shared with the fake API's other tests

ACCOUNT = f"/fake-twilio/2010-04-01/Accounts/{SID}"
UNKNOWN_MESSAGE = "SM" + "0" * 32
UNKNOWN_MEDIA = "ME" + "0" * 32


async def _media(env: Env, message_sid: str | None = None) -> tuple[str, str, str]:
    """Register a photo; returns (MessageSid, MediaSid, URL)."""
    payload: dict[str, str] = {"content_type": "image/png", "data_b64": base64.b64encode(b"png").decode()}
    if message_sid:
        payload["message_sid"] = message_sid
    body = (await env.client.post("/fake-twilio/_control/media", json=payload)).json()
    return body["message_sid"], body["sid"], body["url"]


def _client(env: Env) -> TwilioRestClient:
    http: httpx.AsyncClient = env.app.state.runtime.http
    return TwilioRestClient(base_url=f"{BASE}/fake-twilio", account_sid=SID, auth_token=TOKEN, client=http)


async def test_deleting_a_media_answers_204_and_its_url_then_answers_404(env: Env) -> None:
    message_sid, media_sid, url = await _media(env)
    path = f"{ACCOUNT}/Messages/{message_sid}/Media/{media_sid}.json"
    assert error_of(await env.client.delete(path)) == (401, 20003)  # Basic auth, as everywhere
    assert (await env.client.get(url, auth=AUTH)).status_code == 200
    deleted = await env.client.delete(path, auth=AUTH)
    assert deleted.status_code == 204 and deleted.content == b""
    assert error_of(await env.client.get(url, auth=AUTH)) == (404, 20404)
    assert error_of(await env.client.delete(path, auth=AUTH)) == (404, 20404)  # gone: 404 the second time
    listed = (await env.client.get("/fake-twilio/_control/media")).json()["media"]
    assert media_sid not in {item["sid"] for item in listed}


async def test_deleting_a_message_forgets_it_and_its_media(env: Env) -> None:
    sent = (await env.send(To=USER, From=SMS_FROM, Body="su cédula es 1032456789")).json()
    _, media_sid, url = await _media(env, message_sid=sent["sid"])
    assert await env.store.drain(5)  # delivered: no longer in progress
    path = f"{ACCOUNT}/Messages/{sent['sid']}.json"
    assert (await env.client.get(path, auth=AUTH)).status_code == 200
    assert (await env.client.delete(path, auth=AUTH)).status_code == 204
    assert error_of(await env.client.get(path, auth=AUTH)) == (404, 20404)
    listed = (await env.client.get(f"{ACCOUNT}/Messages.json", auth=AUTH)).json()["messages"]
    assert sent["sid"] not in {message["sid"] for message in listed}
    assert (await env.client.get("/fake-twilio/_control/messages")).json()["messages"] == []
    assert error_of(await env.client.get(url, auth=AUTH)) == (404, 20404)  # its media went with it
    assert env.store.get_media(media_sid) is None


async def test_a_message_in_progress_cannot_be_deleted_yet(env: Env) -> None:
    await env.client.post("/fake-twilio/_control/config", json={"callback_delay_s": 10})
    sent = (await env.send(To=USER, From=SMS_FROM, Body="hola")).json()
    path = f"{ACCOUNT}/Messages/{sent['sid']}.json"
    assert error_of(await env.client.delete(path, auth=AUTH)) == (409, 20009)
    with pytest.raises(DeleteFailed) as failed:
        await _client(env).delete_message(sent["sid"])
    assert failed.value.reached  # Twilio answered: other deletes may go on
    await env.client.post("/fake-twilio/_control/reset")  # cancels the slow callbacks


async def test_the_client_counts_unknown_as_deleted_and_reports_failures(env: Env) -> None:
    client = _client(env)
    await client.delete_message(UNKNOWN_MESSAGE)  # 404: nothing there, nothing to retry
    await client.delete_media(UNKNOWN_MESSAGE, UNKNOWN_MEDIA)
    message_sid, media_sid, url = await _media(env)
    scripted = await env.client.post("/fake-twilio/_control/deletes", json={"fail_next": 1})
    assert scripted.status_code == 200
    with pytest.raises(DeleteFailed, match="503"):
        await client.delete_media(message_sid, media_sid)
    assert (await env.client.get(url, auth=AUTH)).status_code == 200  # still there
    await client.delete_media(message_sid, media_sid)
    assert (await env.client.get(url, auth=AUTH)).status_code == 404


@pytest.mark.parametrize(
    ("message_sid", "media_sid"),
    [
        ("SM1", UNKNOWN_MEDIA),
        ("../../x", UNKNOWN_MEDIA),
        (UNKNOWN_MESSAGE, "ME1"),
        (UNKNOWN_MESSAGE, "x/../y"),
    ],
)
async def test_the_client_never_builds_a_path_from_a_malformed_sid(message_sid: str, media_sid: str) -> None:
    calls: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(204)

    http = httpx.AsyncClient(transport=httpx.MockTransport(answer))
    client = TwilioRestClient(base_url="http://twilio", account_sid=SID, auth_token=TOKEN, client=http)
    with pytest.raises(InvalidSid):
        await client.delete_media(message_sid, media_sid)
    if not re.fullmatch(r"(SM|MM)[0-9a-f]{32}", message_sid):
        with pytest.raises(InvalidSid):
            await client.delete_message(message_sid)
    assert calls == []


async def test_twilio_unreachable_is_a_failure_that_stops_the_batch() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    http = httpx.AsyncClient(transport=httpx.MockTransport(refuse))
    client = TwilioRestClient(base_url="http://twilio", account_sid=SID, auth_token=TOKEN, client=http)
    with pytest.raises(DeleteFailed) as failed:
        await client.delete_message(UNKNOWN_MESSAGE)
    assert not failed.value.reached
