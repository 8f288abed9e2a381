"""End to end: signed webhook → Redis queue → worker → trained Rasa model → fake Twilio API."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import re
import time
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from bot.db.engine import make_session_factory
from bot.db.messages import conversations_with_unsent_outbound
from bot.db.models import Message, utcnow
from bot.gsm7 import is_gsm7
from bot.settings import to_async_url
from tests.e2e.conftest import Stack, new_phone
from tests.e2e.db import messages_of

pytestmark = pytest.mark.e2e


async def test_sms_greeting_gets_the_spanish_menu_in_one_gsm7_sms(live: Stack) -> None:
    phone = new_phone()
    response = await live.send(phone, "hola buenas")
    assert response.status_code == 200 and "<Response/>" in response.text
    [reply] = await live.wait_outbound(phone, 1)
    assert "Hola" in reply["body"] and "Soy el asistente" in reply["body"]
    assert "1. Crédito" in reply["body"] and "5. Hablar con un asesor" in reply["body"]
    assert "Responda 1, 2, 3, 4 o 5." in reply["body"]
    assert is_gsm7(reply["body"])
    assert reply["from"] == "+15005550006"
    assert reply["status_callback"].startswith(f"{live.web_url}/twilio/status?ob=")
    deadline = time.monotonic() + 10
    while True:
        rows = await messages_of(live.database_url, phone)
        outbound = [row for row in rows if row.direction == "out"]
        if (outbound and outbound[0].status == "delivered") or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.2)
    inbound = [row for row in rows if row.direction == "in"]
    assert [row.status for row in inbound] == ["answered"]
    assert [(row.status, row.twilio_sid, row.encoding) for row in outbound] == [
        ("delivered", reply["sid"], "GSM-7")
    ]
    assert outbound[0].reply_to_id == inbound[0].id


async def test_whatsapp_greeting_and_numbered_choice(live: Stack) -> None:
    phone = new_phone()
    await live.send(phone, "quiubo", channel="whatsapp")
    [menu] = await live.wait_outbound(phone, 1, channel="whatsapp")
    assert menu["to"] == f"whatsapp:{phone}" and "¿En qué le puedo ayudar?" in menu["body"]
    await live.send(phone, "3", channel="whatsapp")  # "3. Pagos" from the remembered menu
    replies = await live.wait_outbound(phone, 2, channel="whatsapp")
    assert re.search(r"\bpag(o|ar)\b", replies[1]["body"].lower())
    assert replies[1]["body"] != menu["body"]


async def test_whatsapp_button_payload_goes_straight_to_rasa(live: Stack) -> None:
    phone = new_phone()
    await live.send(phone, "Crédito", channel="whatsapp", ButtonPayload="/request_loan", ButtonText="Crédito")
    [reply] = await live.wait_outbound(phone, 1, channel="whatsapp")
    assert "crédito" in reply["body"].lower()


async def test_duplicate_delivery_gives_one_reply(live: Stack) -> None:
    phone = new_phone()
    sid = "SM" + "d" * 32
    sid = sid[:-6] + os.urandom(3).hex()
    responses = await asyncio.gather(*(live.send(phone, "hola", sid=sid) for _ in range(5)))
    assert [r.status_code for r in responses] == [200] * 5
    await live.wait_outbound(phone, 1)
    await asyncio.sleep(2)  # time for a second (wrong) reply to show up
    assert len(await live.outbound(phone)) == 1
    rows = await messages_of(live.database_url, phone)
    assert [row.direction for row in rows] == ["in", "out"]


async def test_ten_fast_messages_are_answered_in_order(live: Stack) -> None:
    phone = new_phone()
    texts = [
        "hola",
        "menu",
        "gracias",
        "quiero un credito",
        "como pago",
        "hola",
        "chao",
        "opciones",
        "asesor",
        "hola",
    ]
    for text in texts:
        response = await live.send(phone, text)
        assert response.status_code == 200
    sent = await live.wait_outbound(phone, len(texts), timeout_s=60)
    rows = await messages_of(live.database_url, phone)
    inbound_ids = [row.id for row in rows if row.direction == "in"]
    reply_to_by_sid = {row.twilio_sid: row.reply_to_id for row in rows if row.direction == "out"}
    order = [reply_to_by_sid[message["sid"]] for message in sent]
    assert order == sorted(order), "replies reached Twilio out of order"
    assert sorted(set(order)) == inbound_ids, "every message got exactly its turn"


async def test_rasa_down_messages_wait_in_order_and_nothing_is_lost(live: Stack) -> None:
    phone = new_phone()
    live.proxy.stop()
    try:
        ready = await live.http.get("/readyz")
        assert ready.status_code == 503 and ready.json()["checks"]["rasa"] != "ok"
        await live.send(phone, "hola")
        await live.send(phone, "gracias")
        await asyncio.sleep(3)
        assert await live.outbound(phone) == []
        rows = await messages_of(live.database_url, phone)
        assert [row.status for row in rows] in (["processing", "received"], ["received", "received"])
    finally:
        live.proxy.start()
    replies = await live.wait_outbound(phone, 2, timeout_s=45)
    assert "Soy el asistente" in replies[0]["body"]
    assert "Soy el asistente" not in replies[1]["body"]
    assert (await live.http.get("/readyz")).status_code == 200


async def test_twilio_429_is_retried_and_sent_once(live: Stack) -> None:
    phone = new_phone()
    await live.script(phone, [{"http_status": 429}, {"http_status": 429}])
    await live.send(phone, "hola")
    [reply] = await live.wait_outbound(phone, 1, timeout_s=30)
    assert "Soy el asistente" in reply["body"]
    await asyncio.sleep(1)
    assert len(await live.outbound(phone)) == 1


async def _outbound_rows(live: Stack, phone: str) -> list[Message]:
    return [row for row in await messages_of(live.database_url, phone) if row.direction == "out"]


def _json_lines(log: str) -> list[dict[str, Any]]:
    entries = []
    for line in log.splitlines():
        with contextlib.suppress(ValueError):
            entry = json.loads(line)
            if isinstance(entry, dict):
                entries.append(entry)
    return entries


async def _swept(live: Stack) -> list[int]:
    """The conversations the recovery sweep would re-drain, however young their rows are."""
    engine = create_async_engine(to_async_url(live.database_url))
    try:
        async with make_session_factory(engine)() as session:
            later = utcnow() + timedelta(hours=1)
            return list(await conversations_with_unsent_outbound(session, older_than=later))
    finally:
        await engine.dispose()


async def test_ambiguous_send_is_reconciled_not_sent_twice(live: Stack) -> None:
    """Twilio took the message but its answer never came (client timeout 2 s): no second copy.

    The fake's status callbacks (queued, sent, delivered) reach the web process while the worker is
    still waiting for the answer: the row keeps "delivered" and leaves the sweep's set.
    """
    phone = new_phone()
    await live.script(phone, [{"timeout_s": 4}])
    await live.send(phone, "hola")
    await live.wait_outbound(phone, 1)
    await asyncio.sleep(4)  # past the worker's 2 s timeout and the fake's late answer
    sent = await live.outbound(phone)
    assert len(sent) == 1
    [row] = await _outbound_rows(live, phone)
    assert (row.twilio_sid, row.status) == (sent[0]["sid"], "delivered")
    assert row.conversation_id not in await _swept(live)
    postponed = [
        entry
        for entry in _json_lines(live.worker.tail(5000))
        if entry.get("event") == "turn postponed" and entry.get("conversation_id") == row.conversation_id
    ]
    assert postponed == []  # Twilio had told us: no retry job for a send that went out


async def test_lost_answer_and_lost_callbacks_are_reconciled_at_twilio(live: Stack) -> None:
    """Neither the send's answer nor any status callback comes: the retry finds it in Twilio's list."""
    phone = new_phone()
    await live.script(phone, [{"timeout_s": 4, "status_callbacks": False}])
    await live.send(phone, "hola")
    [reply] = await live.wait_outbound(phone, 1)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        rows = await _outbound_rows(live, phone)
        if rows and rows[0].twilio_sid:
            break
        await asyncio.sleep(0.3)
    await asyncio.sleep(3)
    assert len(await live.outbound(phone)) == 1 and reply["callbacks"] == []
    [row] = await _outbound_rows(live, phone)
    assert row.twilio_sid == reply["sid"] and row.status in ("queued", "sent", "delivered")
    assert row.conversation_id not in await _swept(live)


async def test_worker_killed_mid_send_loses_nothing_and_sends_once(live: Stack) -> None:
    phone = new_phone()
    await live.script(phone, [{"timeout_s": 8}])
    await live.send(phone, "hola")
    await live.wait_outbound(phone, 1)  # Twilio has it; the worker is still waiting for the answer
    live.worker.kill()
    live.worker.start()
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline:
        rows = await messages_of(live.database_url, phone)
        if [row.direction for row in rows] == ["in", "out"] and rows[1].twilio_sid:
            break
        await asyncio.sleep(0.5)
    await live.send(phone, "gracias")  # the restarted worker goes on with the conversation
    replies = await live.wait_outbound(phone, 2, timeout_s=40)
    assert len(replies) == 2
    rows = await messages_of(live.database_url, phone)
    assert [row.direction for row in rows] == ["in", "out", "in", "out"]
    assert rows[1].twilio_sid == replies[0]["sid"]


async def test_whatsapp_photo_is_downloaded_privately_and_acknowledged(live: Stack) -> None:
    """With consent (a photo before it is not fetched: tests/e2e/test_data_rights.py), the photo is
    stored owner-only and Twilio's copy is deleted right after the download."""
    phone = new_phone()
    await live.send(phone, "quiero un credito", channel="whatsapp")
    await live.wait_outbound(phone, 1, channel="whatsapp")
    await live.send(phone, "Acepto", channel="whatsapp", ButtonPayload="/affirm", ButtonText="Acepto")
    await live.wait_outbound(phone, 2, channel="whatsapp")
    png = base64.b64decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg=="
    )
    media = await live.http.post(
        "/fake-twilio/_control/media",
        json={"content_type": "image/png", "data_b64": base64.b64encode(png).decode()},
    )
    assert media.status_code == 201
    url = media.json()["url"]
    await live.send(phone, "", channel="whatsapp", NumMedia="1", MediaUrl0=url, MediaContentType0="image/png")
    reply = (await live.wait_outbound(phone, 3, channel="whatsapp"))[2]
    assert "Recibimos su archivo" in reply["body"]
    inbound = [row for row in await messages_of(live.database_url, phone) if row.direction == "in"][-1]
    key = inbound.media[0]["key"]
    stored = live.logs / "media" / key
    assert stored.read_bytes() == png
    assert stored.stat().st_mode & 0o777 == 0o600
    at_twilio = (await live.http.get("/fake-twilio/_control/media")).json()["media"]
    assert media.json()["sid"] not in {item["sid"] for item in at_twilio}


async def test_metrics_show_inbound_outbound_turns_and_queue(live: Stack) -> None:
    phone = new_phone()
    await live.send(phone, "hola")
    await live.wait_outbound(phone, 1)
    body = (await live.http.get("/metrics")).text
    assert 'famibot_inbound_messages_total{channel="sms",outcome="accepted"}' in body
    assert "famibot_turn_seconds_bucket" in body
    assert "famibot_outbound_status_total" in body
    assert "famibot_queue_depth" in body


async def test_send_refused_with_21610_opts_the_contact_out(live: Stack) -> None:
    phone = new_phone()
    await live.script(
        phone,
        [{"http_status": 400, "error_code": 21610, "message": "Attempt to send to unsubscribed recipient"}],
    )
    await live.send(phone, "hola")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        rows = await messages_of(live.database_url, phone)
        if len(rows) == 2 and rows[1].status == "failed":
            break
        await asyncio.sleep(0.2)
    assert [(row.direction, row.status, row.error_code) for row in rows] == [
        ("in", "answered", None),
        ("out", "failed", 21610),
    ]
    await live.send(phone, "hola otra vez")
    await asyncio.sleep(2)
    rows = await messages_of(live.database_url, phone)
    assert rows[-1].status == "skipped" and rows[-1].error_detail == "contact opted out"
    assert await live.outbound(phone) == []
