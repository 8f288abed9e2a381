"""Document downloads that must not work (issue 11), through whole turns with a real database (SQLite and
PostgreSQL), real Redis and the fake Twilio API: a media URL on a foreign host is never fetched; a download
that times out (the fake answers late, on a real loopback port so the client's timeout is real) is refused
with the "empty or incomplete" sentence and the same ask, nothing kept, and the next file is taken."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import SimpleNamespace

import httpx
import uvicorn
from fastapi import FastAPI

from bot.runtime import Runtime
from bot.twilio_adapter.rest import TwilioRestClient
from tests.e2e.processes import free_port
from tests.integration.documents_setup import (
    DOCUMENTS,
    TEXTS,
    Dialogue,
    ask,
    files,
    inbound_media,
    items,
    person,
    photo,
    prequalify,
    say,
    the_request,
)
from tests.integration.fake_twilio_app import FakeTwilio, attach_fake_twilio, media_files
from webhooks.dev import fake_twilio
from webhooks.dev.fake_twilio_store import get_store

JPEG = "image/jpeg"
CLIENT_TIMEOUT_S = 0.5
EMPTY = DOCUMENTS.refusal_text("too_small_bytes")


async def _asked_for_the_front(runtime: Runtime, fake: FakeTwilio, phone: str) -> tuple[Dialogue, int]:
    dialogue = Dialogue()
    conversation_id = await person(runtime, phone=phone)
    await prequalify(runtime, dialogue, fake, conversation_id)
    said = await say(
        runtime,
        dialogue.command("documents_sensitive_consent", accepted=True),
        fake,
        conversation_id,
        body="si",
    )
    assert said.endswith(ask("cedula_frente"))
    return dialogue, conversation_id


@asynccontextmanager
async def counting_server() -> AsyncIterator[tuple[int, list[bytes]]]:
    """A loopback server that records every connection's first bytes (and answers nothing useful)."""
    seen: list[bytes] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.append(await reader.read(1024))
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: image/jpeg\r\ncontent-length: 4\r\n\r\nJPEG")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield port, seen
    finally:
        server.close()
        await server.wait_closed()


async def test_a_media_url_on_a_foreign_host_is_never_fetched(runtime: Runtime) -> None:
    fake = attach_fake_twilio(runtime)
    dialogue, conversation_id = await _asked_for_the_front(runtime, fake, "+573001000101")
    sid = runtime.settings.twilio_account_sid
    async with counting_server() as (port, seen):
        # Twilio's path shape, another host (a forged or mistaken URL): the server would answer a "JPEG".
        path = f"/2010-04-01/Accounts/{sid}/Messages/MM{uuid.uuid4().hex}/Media/ME{uuid.uuid4().hex}"
        fake.requests.clear()
        said = await say(
            runtime, dialogue, fake, conversation_id, urls=((f"http://127.0.0.1:{port}{path}", JPEG),)
        )
        assert seen == []  # not a single connection to the foreign host
    assert ("GET", path) not in fake.requests and not any(m == "GET" for m, _ in fake.requests)
    assert said == EMPTY + "\n\n" + ask("cedula_frente")  # a plain sentence and the same ask
    [item] = await inbound_media(runtime, conversation_id)
    assert item["refused"] == "too_small_bytes" and "key" not in item
    assert await files(runtime) == [] and media_files(runtime.settings.media_dir) == []
    request = await the_request(runtime, conversation_id)
    assert (await items(runtime, request.id))["cedula_frente"].status == "pending"


@asynccontextmanager
async def fake_twilio_on_loopback(
    runtime: Runtime, timeout_s: float = CLIENT_TIMEOUT_S
) -> AsyncIterator[FakeTwilio]:
    """The fake Twilio API served by uvicorn on a real port; the runtime's Twilio client reaches it with
    a short timeout (the product's own client, as built by bot/runtime.py, only shorter)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}/fake-twilio"
    settings = runtime.settings.model_copy(update={"twilio_api_base_url": base})
    app = FastAPI()
    app.include_router(fake_twilio.router)
    app.state.runtime = SimpleNamespace(
        settings=settings, http=httpx.AsyncClient(), templates=runtime.templates
    )
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        assert not task.done(), "the fake Twilio API did not start"
        await asyncio.sleep(0.02)
    fake = FakeTwilio(
        store=get_store(app), control=httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5)
    )

    async def remember(request: httpx.Request) -> None:
        fake.requests.append((request.method, request.url.path))

    client = httpx.AsyncClient(
        timeout=httpx.Timeout(timeout_s, connect=2.0), event_hooks={"request": [remember]}
    )
    before = runtime.settings
    runtime.settings = settings.model_copy(update={"twilio_timeout_s": timeout_s})
    runtime.twilio = TwilioRestClient(
        base_url=base,
        account_sid=settings.twilio_account_sid,
        auth_token=settings.twilio_auth_token.get_secret_value(),
        client=client,
    )
    try:
        yield fake
    finally:
        runtime.settings = before
        await client.aclose()
        await fake.control.aclose()
        await app.state.runtime.http.aclose()
        server.should_exit = True
        server.force_exit = True  # a delayed media answer may still be sleeping
        await task


async def test_a_download_that_times_out_is_refused_and_the_turn_goes_on(runtime: Runtime) -> None:
    async with fake_twilio_on_loopback(runtime) as fake:
        dialogue, conversation_id = await _asked_for_the_front(runtime, fake, "+573001000102")
        delayed = await fake.control.post("/fake-twilio/_control/config", json={"media_delay_s": 5})
        assert delayed.json()["media_delay_s"] == 5
        fake.requests.clear()
        started = time.monotonic()
        said = await say(runtime, dialogue, fake, conversation_id, files=((photo(51), JPEG),))
        took = time.monotonic() - started
        assert took < 3, f"the turn waited {took:.1f}s for a stuck download"
        assert [m for m, _ in fake.requests][:1] == ["GET"]  # it was tried, on Twilio's host
        assert said == EMPTY + "\n\n" + ask("cedula_frente")
        [item] = await inbound_media(runtime, conversation_id)
        assert item["refused"] == "too_small_bytes" and "key" not in item
        assert await files(runtime) == [] and media_files(runtime.settings.media_dir) == []
        assert fake.media_sids() == set()  # the copy at Twilio is deleted all the same

        # Not stuck: the next message is a turn like any other, and its file is taken.
        await fake.control.post("/fake-twilio/_control/config", json={"media_delay_s": 0})
        said = await say(runtime, dialogue, fake, conversation_id, files=((photo(52), JPEG),))
        assert said == TEXTS.received.format(title="Cédula por delante") + "\n\n" + ask("cedula_reverso")
        request = await the_request(runtime, conversation_id)
        assert (await items(runtime, request.id))["cedula_frente"].status == "received"
        assert len(await files(runtime)) == 1 and len(media_files(runtime.settings.media_dir)) == 1


async def test_several_files_that_time_out_cost_one_timeout_not_one_each(runtime: Runtime) -> None:
    """A message with four files whose downloads all hang: the downloads run side by side, so the
    turn ends after about one client timeout (one after the other, four: past a production turn's
    deadline with the default 10 s timeout, and the person would get an apology instead)."""
    async with fake_twilio_on_loopback(runtime, timeout_s=1.0) as fake:
        dialogue, conversation_id = await _asked_for_the_front(runtime, fake, "+573001000103")
        await fake.control.post("/fake-twilio/_control/config", json={"media_delay_s": 5})
        started = time.monotonic()
        said = await say(
            runtime, dialogue, fake, conversation_id, files=tuple((photo(60 + i), JPEG) for i in range(4))
        )
        took = time.monotonic() - started
        assert said == "\n\n".join([EMPTY] * 4 + [ask("cedula_frente")])
        assert took < 2.5, f"four hung downloads took {took:.1f}s (one after the other: over 4 s)"
        assert await files(runtime) == [] and fake.media_sids() == set()


async def test_a_download_that_trickles_is_cut_at_its_budget(runtime: Runtime) -> None:
    """Each part of the file comes within the client's read timeout, the whole much later: the
    download is cut all the same (a stalling Twilio cannot hold the turn past its deadline)."""
    async with fake_twilio_on_loopback(runtime) as fake:
        dialogue, conversation_id = await _asked_for_the_front(runtime, fake, "+573001000104")
        await fake.control.post("/fake-twilio/_control/config", json={"media_trickle_s": 0.4})  # 10 parts
        started = time.monotonic()
        said = await say(runtime, dialogue, fake, conversation_id, files=((photo(70), JPEG),))
        took = time.monotonic() - started
        assert said == EMPTY + "\n\n" + ask("cedula_frente")
        assert took < 2.5, f"a trickling download held the turn {took:.1f}s (all of it: 3.6 s)"
        assert await files(runtime) == [] and media_files(runtime.settings.media_dir) == []
