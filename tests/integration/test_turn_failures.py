"""Failed turns against a scripted Rasa with the real database and Redis: bounded retries, the
deadline, Rasa down (tries not counted), a message that always fails (set aside, one apology, the
conversation goes on), and a busy conversation (the job ends instead of spinning)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from arq import Retry
from fastapi import FastAPI
from redis.asyncio.lock import Lock
from sqlalchemy import select

from bot.db import conversations, messages
from bot.db.models import Conversation, HandoffRequest, Message, utcnow
from bot.dead_letters import dead_letter_lines
from bot.queue import conversation_lock_key
from bot.rasa_client import RasaClient
from bot.runtime import Runtime
from bot.settings import Settings
from bot.turn_failures import TurnFailed, TurnPostponed, give_up, retry_delay_s
from bot.turns import ConversationBusy, run_conversation, take_turn
from bot.twilio_adapter.rest import TwilioRestClient
from bot.worker import run_conversation_job
from tests.conftest import make_settings
from tests.integration.claiming import claim_next_inbound
from webhooks.dev import fake_twilio

POISON = "mensaje que siempre falla"
PHONE = "+573001112244"


class FlakyRasa:
    """A scripted Rasa: a poisonous text gets 500; the tracker records what it is told to."""

    def __init__(
        self,
        *,
        up: bool = True,
        actions_ok: bool = True,
        answer: list[dict[str, Any]] | None = None,
        tracker_events: list[dict[str, Any]] | None = None,
        slow_s: float = 0.0,
    ) -> None:
        self.up = up
        self.actions_ok = actions_ok
        self.answer = [{"text": "Con gusto"}] if answer is None else answer
        self.tracker_events = tracker_events or []
        self.slow_s = slow_s
        self.webhook_calls: list[str] = []
        self.rewinds = 0
        self.in_webhook = asyncio.Event()
        self.hold: asyncio.Event | None = None  # when set: the webhook waits for it

    async def handler(self, request: httpx.Request) -> httpx.Response:
        if request.url.host == "actions":
            return httpx.Response(200 if self.actions_ok else 503)
        if not self.up:
            raise httpx.ConnectError("connection refused", request=request)
        path = request.url.path
        if path == "/":
            return httpx.Response(200, text="Hello from Rasa")
        if path == "/webhooks/rest/webhook":
            text = json.loads(request.content)["message"]
            self.webhook_calls.append(text)
            self.in_webhook.set()
            if self.hold is not None:
                await self.hold.wait()
            if self.slow_s:
                await asyncio.sleep(self.slow_s)
            if text == POISON:
                return httpx.Response(500)
            return httpx.Response(200, json=self.answer)
        if path.endswith("/tracker/events"):
            self.rewinds += 1
            return httpx.Response(200, json={})
        if path.endswith("/tracker"):
            return httpx.Response(200, json={"events": self.tracker_events})
        return httpx.Response(404)

    def client(self) -> RasaClient:
        return RasaClient(
            base_url="http://rasa",
            token="tok",
            client=httpx.AsyncClient(transport=httpx.MockTransport(self.handler)),
            timeout_s=10,
            actions_url="http://actions",
        )


async def _conversation(runtime: Runtime) -> int:
    async with runtime.sessions() as session, session.begin():
        contact_id = await conversations.upsert_contact(
            session, phone_e164=PHONE, seen_at=utcnow(), channel="sms"
        )
        return await conversations.upsert_conversation(
            session, contact_id=contact_id, channel="sms", seen_at=utcnow()
        )


async def _receive(runtime: Runtime, conversation_id: int, body: str, sid_char: str) -> int:
    async with runtime.sessions() as session, session.begin():
        message_id = await messages.insert_inbound(
            session,
            conversation_id=conversation_id,
            message_sid="SM" + sid_char * 32,
            body=body,
            media=[],
            button_payload=None,
            received_at=utcnow(),
        )
    assert message_id is not None
    return message_id


async def _rows(runtime: Runtime, direction: str) -> list[Message]:
    async with runtime.sessions() as session:
        query = select(Message).where(Message.direction == direction).order_by(Message.id)
        return list((await session.scalars(query)).all())


def _user_event(sid_char: str) -> dict[str, Any]:
    return {"event": "user", "text": "x", "metadata": {"message_sid": "SM" + sid_char * 32}}


async def _with_fake_twilio(runtime: Runtime) -> httpx.AsyncClient:
    """Point the runtime's Twilio adapter at the fake Twilio API, served in-process."""
    app = FastAPI()
    app.include_router(fake_twilio.router)
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), timeout=5)
    app.state.runtime = SimpleNamespace(settings=runtime.settings, http=http, templates=runtime.templates)
    runtime.twilio = TwilioRestClient(
        base_url="http://fake-twilio.test/fake-twilio",
        account_sid=runtime.settings.twilio_account_sid,
        auth_token=runtime.settings.twilio_auth_token.get_secret_value(),
        client=http,
    )
    configured = await http.post(
        "http://fake-twilio.test/fake-twilio/_control/config", json={"callback_delay_s": 0.001}
    )
    assert configured.status_code == 200
    return http


@pytest.fixture(autouse=True)
async def fake_twilio_api(runtime: Runtime) -> AsyncIterator[None]:
    http = await _with_fake_twilio(runtime)
    yield
    await http.aclose()


@pytest.fixture
def quick_settings(settings: Settings, tmp_path: Any) -> Settings:
    """Four tries; a job timeout of 5 s, so a turn's deadline is 2 s."""
    return make_settings(
        settings.database_url,
        int(settings.redis_url.rsplit("/", 1)[1]),
        media_dir=tmp_path / "media",
        max_turn_attempts=4,
        turn_retry_base_s=1.0,
        turn_job_timeout_s=5,
    )


@pytest.fixture
async def quick_runtime(quick_settings: Settings) -> Any:
    from bot.runtime import build_runtime

    built = await build_runtime(quick_settings)
    http = await _with_fake_twilio(built)
    yield built
    await http.aclose()
    await built.close()


async def test_a_recorded_message_without_any_reply_is_a_failed_turn_and_is_undone(runtime: Runtime) -> None:
    conversation_id = await _conversation(runtime)
    await _receive(runtime, conversation_id, "hola", "a")
    rasa = FlakyRasa(
        answer=[], tracker_events=[_user_event("a"), {"event": "action", "name": "action_listen"}]
    )
    with pytest.raises(TurnPostponed) as postponed:
        await run_conversation(runtime, rasa.client(), conversation_id)
    assert postponed.value.retry_in_s == retry_delay_s(runtime.settings.turn_retry_base_s, 1)
    assert rasa.rewinds == 1  # the retry starts from the dialogue state before the message
    [inbound] = await _rows(runtime, "in")
    assert (inbound.status, inbound.attempts) == ("processing", 1)
    assert await _rows(runtime, "out") == []


async def test_a_custom_action_run_while_the_action_server_is_down_fails_the_turn(runtime: Runtime) -> None:
    conversation_id = await _conversation(runtime)
    await _receive(runtime, conversation_id, "quiero un credito", "a")
    events = [
        _user_event("a"),
        {"event": "action", "name": "utter_greet"},
        {"event": "bot", "text": "Hola", "data": {}},
        {"event": "action", "name": "action_ask_consent"},  # its events were lost
        {"event": "action", "name": "action_listen"},
    ]
    rasa = FlakyRasa(actions_ok=False, answer=[{"text": "Hola"}], tracker_events=events)
    async with runtime.sessions() as session, session.begin():
        contact = await conversations.contact_for_conversation(session, conversation_id=conversation_id)
        claimed = await claim_next_inbound(session, conversation_id=conversation_id)
        conversation = await session.get(Conversation, conversation_id)
    assert contact is not None and claimed is not None and conversation is not None
    with pytest.raises(TurnFailed, match="action_server_down"):
        await take_turn(runtime, rasa.client(), conversation, contact, claimed[0])
    assert rasa.rewinds == 1


async def test_a_turn_of_rasa_responses_only_is_fine_while_the_action_server_is_down(
    runtime: Runtime,
) -> None:
    conversation_id = await _conversation(runtime)
    await _receive(runtime, conversation_id, "hola", "a")
    events = [
        _user_event("a"),
        {"event": "action", "name": "utter_greet"},
        {"event": "bot", "text": "Hola", "data": {}},
        {"event": "action", "name": "action_listen"},
    ]
    rasa = FlakyRasa(actions_ok=False, answer=[{"text": "Hola"}], tracker_events=events)
    assert await run_conversation(runtime, rasa.client(), conversation_id) == 1
    assert [row.body for row in await _rows(runtime, "out")] == ["Hola"]
    assert rasa.rewinds == 0


async def test_a_message_that_always_fails_is_set_aside_with_one_apology_and_the_next_goes_on(
    quick_runtime: Runtime,
) -> None:
    runtime = quick_runtime
    conversation_id = await _conversation(runtime)
    poison = await _receive(runtime, conversation_id, POISON, "a")
    rasa = FlakyRasa()
    delays = []
    for _ in range(3):  # tries 1-3: retried later, with growing waits
        with pytest.raises(TurnPostponed) as postponed:
            await run_conversation(runtime, rasa.client(), conversation_id)
        delays.append(postponed.value.retry_in_s)
    assert delays == [1.0, 4.0, 16.0]
    await _receive(runtime, conversation_id, "hola", "b")  # written while the first kept failing
    assert await run_conversation(runtime, rasa.client(), conversation_id) == 2  # try 4: set aside
    first, second = await _rows(runtime, "in")
    assert (first.id, first.status, first.attempts) == (poison, "dead_letter", 4)
    assert first.error_detail == "rasa_error (after 4 tries)"
    assert second.status == "answered"  # the conversation went on
    apology, answer = await _rows(runtime, "out")
    assert (apology.purpose, apology.reply_to_id) == ("failure_apology", poison)
    assert apology.body.startswith("Disculpe, tuvimos un problema técnico y no pude")  # GSM-7
    assert "asesor" in apology.body and answer.body == "Con gusto"
    async with runtime.sessions() as session:
        [request] = (await session.scalars(select(HandoffRequest))).all()
    assert (request.reason, request.message_id, request.status) == ("bot_failure", poison, "open")
    assert rasa.webhook_calls == [POISON] * 4 + ["hola"]

    # Another poisonous message later: set aside again, a new apology (the last words were not one).
    await _receive(runtime, conversation_id, POISON, "c")
    for _ in range(3):
        with pytest.raises(TurnPostponed):
            await run_conversation(runtime, rasa.client(), conversation_id)
    await run_conversation(runtime, rasa.client(), conversation_id)
    assert [row.purpose for row in await _rows(runtime, "out")] == [
        "failure_apology",
        "reply",
        "failure_apology",
    ]
    # … and right after it one more: set aside, but no second apology in a row, no second request.
    await _receive(runtime, conversation_id, POISON, "d")
    for _ in range(4):
        with pytest.raises(TurnPostponed):
            await run_conversation(runtime, rasa.client(), conversation_id)
        if (await _rows(runtime, "in"))[-1].attempts == 3:
            break
    assert await run_conversation(runtime, rasa.client(), conversation_id) == 1
    assert [row.status for row in await _rows(runtime, "in")][-1] == "dead_letter"
    assert len(await _rows(runtime, "out")) == 3
    async with runtime.sessions() as session:
        assert len((await session.scalars(select(HandoffRequest))).all()) == 1


async def test_tries_while_rasa_is_down_do_not_count(quick_runtime: Runtime) -> None:
    runtime = quick_runtime
    conversation_id = await _conversation(runtime)
    await _receive(runtime, conversation_id, POISON, "a")
    rasa = FlakyRasa(up=False)
    for _ in range(6):  # more than max_turn_attempts
        with pytest.raises(TurnPostponed) as postponed:
            await run_conversation(runtime, rasa.client(), conversation_id)
        assert postponed.value.retry_in_s is None  # the worker backs off as for an outage
    [inbound] = await _rows(runtime, "in")
    assert (inbound.status, inbound.attempts) == ("processing", 0)
    assert await _rows(runtime, "out") == []


async def test_a_slow_rasa_hits_the_turn_deadline_before_the_job_timeout(quick_runtime: Runtime) -> None:
    runtime = quick_runtime
    assert runtime.settings.turn_deadline_s == 2.0
    conversation_id = await _conversation(runtime)
    await _receive(runtime, conversation_id, "hola", "a")
    rasa = FlakyRasa(slow_s=4)
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(Retry) as retry:
        await run_conversation_job({"runtime": runtime, "rasa": rasa.client(), "job_try": 1}, conversation_id)
    elapsed = loop.time() - started
    assert 2.0 <= elapsed < runtime.settings.turn_job_timeout_s  # arq never sees a timeout
    assert retry.value.defer_score == 1000  # 1 s: the first counted try's wait
    [inbound] = await _rows(runtime, "in")
    assert (inbound.status, inbound.attempts) == ("processing", 1)


async def test_a_busy_conversation_comes_back_once_when_the_lock_would_expire(runtime: Runtime) -> None:
    conversation_id = await _conversation(runtime)
    await _receive(runtime, conversation_id, "hola", "a")
    holder = Lock(runtime.redis, conversation_lock_key(conversation_id), timeout=30, blocking=False)
    assert await holder.acquire()
    rasa = FlakyRasa()
    try:
        with pytest.raises(Retry) as retry:  # not every 50 ms: once, when a dead holder's lock expires
            await run_conversation_job(
                {"runtime": runtime, "rasa": rasa.client(), "job_try": 1}, conversation_id
            )
        assert 29_000 <= retry.value.defer_score <= 30_500
        [inbound] = await _rows(runtime, "in")
        assert (inbound.status, inbound.attempts) == ("received", 0)  # untouched: the holder takes it
    finally:
        await holder.release()
    assert await run_conversation(runtime, rasa.client(), conversation_id) == 1


async def test_messages_arriving_during_a_turn_are_taken_by_the_same_job(runtime: Runtime) -> None:
    conversation_id = await _conversation(runtime)
    await _receive(runtime, conversation_id, "hola", "a")
    rasa = FlakyRasa()
    rasa.hold = asyncio.Event()
    first_job = asyncio.create_task(run_conversation(runtime, rasa.client(), conversation_id))
    await asyncio.wait_for(rasa.in_webhook.wait(), 10)  # the first job is in its turn, holding the lock
    await _receive(runtime, conversation_id, "gracias", "b")
    with pytest.raises(ConversationBusy):  # busy: this job ends at once, the holder takes "gracias"
        await run_conversation(runtime, rasa.client(), conversation_id)
    rasa.hold.set()
    assert await first_job == 2
    assert [row.status for row in await _rows(runtime, "in")] == ["answered", "answered"]


async def test_operators_list_the_messages_set_aside_without_their_words(runtime: Runtime) -> None:
    conversation_id = await _conversation(runtime)
    message_id = await _receive(runtime, conversation_id, "mi cedula es 1128456789", "a")
    async with runtime.sessions() as session:
        conversation = await session.get(Conversation, conversation_id)
        message = await session.get(Message, message_id)
    assert conversation is not None and message is not None
    message.attempts = 4
    [apology] = await give_up(runtime, conversation, message, "no_reply")
    assert apology.purpose == "failure_apology"
    lines = await dead_letter_lines(runtime.settings, limit=10)
    assert len(lines) == 2 and lines[1].split()[:2] == [str(message_id), str(conversation_id)]
    assert lines[1].endswith("no_reply (after 4 tries)")
    assert "1128456789" not in "\n".join(lines)


def _failed_try_undone_by_rasa() -> list[dict[str, Any]]:
    """A custom action failed; Rasa fell back ("No le entendí.") and reverted the message itself."""
    return [
        _user_event("a"),
        {"event": "action", "name": "action_accept_consent"},
        {"event": "action", "name": "action_default_fallback"},
        {"event": "bot", "text": "No le entendí.", "data": {}},
        {"event": "rewind"},
        {"event": "action", "name": "action_listen"},
    ]


async def test_a_turn_rasa_already_undid_itself_is_not_undone_twice(runtime: Runtime) -> None:
    """action_default_fallback reverts the message: one more rewind would undo the turn before it."""
    conversation_id = await _conversation(runtime)
    await _receive(runtime, conversation_id, "1", "a")
    events = _failed_try_undone_by_rasa()
    rasa = FlakyRasa(actions_ok=False, answer=[{"text": "No le entendí."}], tracker_events=events)
    with pytest.raises(TurnPostponed):
        await run_conversation(runtime, rasa.client(), conversation_id)
    assert rasa.rewinds == 0
    assert await _rows(runtime, "out") == []  # "No le entendí." was not sent: the turn is retried


async def test_the_retry_of_a_failed_try_asks_again_instead_of_taking_its_fallback_reply(
    runtime: Runtime,
) -> None:
    """Rasa holds "No le entendí." for the failed try: it is not an answer, the retry asks again."""
    conversation_id = await _conversation(runtime)
    await _receive(runtime, conversation_id, "acepto", "a")  # not a bare number: no menu is remembered here
    failed_try = _failed_try_undone_by_rasa()
    rasa = FlakyRasa(actions_ok=False, answer=[{"text": "No le entendí."}], tracker_events=failed_try)
    with pytest.raises(TurnPostponed):
        await run_conversation(runtime, rasa.client(), conversation_id)
    [inbound] = await _rows(runtime, "in")
    assert inbound.error_detail == "action_server_down (try 1)"
    rasa.actions_ok = True  # back: the retry finds the failed try in the tracker, and asks again
    rasa.answer = [{"text": "Gracias. ¿Cuál es su nombre completo?"}]
    assert await run_conversation(runtime, rasa.client(), conversation_id) == 1
    assert rasa.webhook_calls == ["acepto", "acepto"] and rasa.rewinds == 0  # Rasa had already undone it
    [reply] = await _rows(runtime, "out")
    assert reply.body.startswith("Gracias")
    [inbound] = await _rows(runtime, "in")
    assert (inbound.status, inbound.error_detail) == ("answered", None)
