"""How many write transactions one ordinary turn costs the worker, and what runs while they hold the lock.

On SQLite the web's store of an inbound message waits for the database's one write lock, which the
worker takes for each of its write transactions (docs/BENCHMARKS.md, issue 8). An ordinary turn: a
message → Rasa (scripted) → a reply of two SMS parts sent (the fake Twilio API, in this process) →
Twilio's three status callbacks per part applied by the worker's status loop. The worker's engines
(its async engine and its write lane) are probed with SQLAlchemy events (tests/write_probe.py).

Before issue 8's last round the turn took 5 write transactions (the claim; the replies and "answered";
the SID and status of each of the 2 parts, one transaction each; the status callbacks' batch), 3 + one
per part, and ran 28 statements while holding the lock (the claim read the conversation's owner after
its UPDATE, each part was its own INSERT, the callbacks' batch looked up each row between its writes).
Now: 4 whatever the number of parts (the SIDs of a turn's parts in one transaction after the sends),
each transaction one or two statements, and none reads after its first write.
The first turn of a process compiles its statements: the probed turn is the conversation's second.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import event, select

from bot.db import conversations, messages, outbound_status
from bot.db.models import Message, utcnow
from bot.rasa_client import RasaClient
from bot.runtime import Runtime, build_runtime
from bot.status_queue import apply_queued_statuses, push_status
from bot.turns import run_conversation
from bot.twilio_adapter.records import StatusUpdate
from tests.conftest import make_settings
from tests.integration.fake_twilio_app import FakeTwilio, attach_fake_twilio
from tests.write_probe import probing

PHONE = "+573001230000"
# Two sentences of about 100 characters each: two SMS parts with a budget of one segment per part.
REPLY = (
    "Con gusto le ayudo con su credito para el negocio, primero necesito saber unas cosas de usted. "
    "Digame por favor en que municipio tiene su negocio y hace cuanto tiempo lo tiene abierto hoy."
)
CALLBACKS = ("queued", "sent", "delivered")


@pytest.fixture
async def worker(database_url: str, redis_db: int, tmp_path: Path) -> AsyncIterator[Runtime]:
    settings = make_settings(database_url, redis_db, media_dir=tmp_path / "media", sms_segment_budget=1)
    runtime = await build_runtime(settings)
    yield runtime
    await runtime.close()


def _rasa(answer: list[dict[str, object]]) -> RasaClient:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/webhooks/rest/webhook":
            return httpx.Response(200, json=answer)
        return httpx.Response(404)

    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return RasaClient(base_url="http://rasa", token="tok", client=http, timeout_s=2)


async def _inbound(runtime: Runtime, sid: str, body: str = "quiero un credito") -> int:
    async with runtime.sessions() as session, session.begin():
        contact_id = await conversations.upsert_contact(
            session, phone_e164=PHONE, seen_at=utcnow(), channel="sms"
        )
        conversation_id = await conversations.upsert_conversation(
            session, contact_id=contact_id, channel="sms", seen_at=utcnow()
        )
        message_id = await messages.insert_inbound(
            session,
            conversation_id=conversation_id,
            message_sid=sid,
            body=body,
            media=[],
            button_payload=None,
            received_at=utcnow(),
        )
    assert message_id is not None
    return conversation_id


async def _callbacks_arrive(runtime: Runtime, fake: FakeTwilio, seen: set[str]) -> None:
    """What the web does with Twilio's status callbacks: one Redis list item each (bot/status_queue.py)."""
    for sent in fake.store.messages(to=PHONE):
        if sent.sid in seen:
            continue
        seen.add(sent.sid)
        [outbound_id] = parse_qs(urlsplit(sent.status_callback or "").query)["ob"]
        for status in CALLBACKS:
            update = StatusUpdate(message_sid=sent.sid, status=status, outbound_id=int(outbound_id))
            await push_status(runtime.redis, runtime.settings.queue_name, update)


async def _outbound(runtime: Runtime) -> list[Message]:
    async with runtime.sessions() as session:
        rows = await session.scalars(select(Message).where(Message.direction == "out").order_by(Message.id))
        return list(rows.all())


async def _turn(runtime: Runtime, fake: FakeTwilio, seen: set[str], conversation_id: int) -> None:
    assert await run_conversation(runtime, _rasa([{"text": REPLY}]), conversation_id) == 1
    await _callbacks_arrive(runtime, fake, seen)
    assert await apply_queued_statuses(runtime) == len(CALLBACKS) * 2


async def test_an_ordinary_turn_costs_few_write_transactions(worker: Runtime) -> None:
    fake = attach_fake_twilio(worker)
    fake.store.status_callbacks = False  # they arrive through the Redis list, as the web queues them
    seen: set[str] = set()
    await _turn(worker, fake, seen, await _inbound(worker, "SM" + "1" * 32))
    conversation_id = await _inbound(worker, "SM" + "2" * 32)
    with probing(worker=worker.engine.sync_engine, lane=worker.lane.engine) as probe:
        await _turn(worker, fake, seen, conversation_id)
    rows = await _outbound(worker)
    assert [(row.status, row.position) for row in rows[2:]] == [("delivered", 0), ("delivered", 1)]
    assert all(row.twilio_sid for row in rows)
    assert [t.engine for t in probe.committed] == ["worker", "worker", "worker", "lane"], probe.summary()
    claim, replies, sids, callbacks = (t.statements for t in probe.committed)
    assert claim == ["UPDATE"]  # the message "processing": reads (contact, owner) come before it
    assert replies == ["INSERT", "UPDATE"]  # both parts in one INSERT, then "answered"
    assert sids == ["UPDATE"]  # both parts' SIDs and statuses: one executemany
    assert callbacks == ["INSERT", "UPDATE"]  # six callbacks: their events, then their rows


async def test_an_ordinary_turn_reads_in_few_round_trips(worker: Runtime) -> None:
    """Every transaction and statement the worker's engine runs for an ordinary turn of a person with
    no course and no consultant's lines: the job's first look, the turn's facts and the claim in one
    transaction; the replies; the parts' SIDs; the look for a next message; the look for a message
    stored while the lock was held. (Before: 8 transactions and 16 statements; the contact, the owner,
    the lessons' and the consultant lines' reads each cost a statement, two a transaction of their own.)"""
    fake = attach_fake_twilio(worker)
    fake.store.status_callbacks = False
    seen: set[str] = set()
    await _turn(worker, fake, seen, await _inbound(worker, "SM" + "4" * 32))
    conversation_id = await _inbound(worker, "SM" + "5" * 32)
    begun: list[str] = []
    statements: list[str] = []

    def on_begin(_conn: object) -> None:
        begun.append("begin")

    def on_execute(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement.split(None, 1)[0].upper())

    engine = worker.engine.sync_engine
    event.listen(engine, "begin", on_begin)
    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        assert await run_conversation(worker, _rasa([{"text": REPLY}]), conversation_id) == 1
    finally:
        event.remove(engine, "begin", on_begin)
        event.remove(engine, "before_cursor_execute", on_execute)
    assert len(begun) == 5, statements
    assert statements == [
        *("SELECT", "SELECT", "SELECT", "SELECT", "UPDATE"),  # conversation, unsent, next, facts; claim
        *("INSERT", "UPDATE"),  # the replies; "answered"
        "UPDATE",  # the parts' SIDs
        "SELECT",  # a next message? none
        "SELECT",  # one stored while the lock was held? none
    ]


async def test_a_crash_before_the_parts_sids_are_recorded_sends_nothing_twice(
    worker: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The window the one transaction for all parts opens: Twilio took both parts, the worker died
    before their SIDs were committed. The next job finds both "sending" and adopts what Twilio has."""
    fake = attach_fake_twilio(worker)
    fake.store.status_callbacks = False
    conversation_id = await _inbound(worker, "SM" + "3" * 32)

    async def dies(*_args: object) -> None:
        raise RuntimeError("the worker died here")

    with monkeypatch.context() as patch:
        patch.setattr(outbound_status, "mark_many_at_twilio", dies)
        with pytest.raises(RuntimeError, match="died"):
            await run_conversation(worker, _rasa([{"text": REPLY}]), conversation_id)
    left = await _outbound(worker)
    assert [(row.status, row.twilio_sid) for row in left] == [("sending", None), ("sending", None)]
    at_twilio = fake.store.messages(to=PHONE)
    assert len(at_twilio) == 2
    assert await run_conversation(worker, _rasa([]), conversation_id) == 0  # the next job: leftovers only
    assert len(fake.store.messages(to=PHONE)) == 2  # nothing sent again
    by_body = {sent.body: sent.sid for sent in at_twilio}
    after = await _outbound(worker)
    assert [row.twilio_sid for row in after] == [by_body[row.body] for row in left]
    assert all(row.status not in messages.UNSENT_OUTBOUND for row in after)  # at Twilio, at least queued
