"""Long conversations on the windowed tracker store, end to end (Rasa runs with an 8-event window).

A pre-qualification after small talk gives the right result while the window moves forward many
times; the log in Redis keeps every message; the answers of a paused form survive the window moving
past them and a new session. (nlu/famibot_store, docs/TRACKER_STORE.md.)
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import redis as redis_sync

from bot.text import fold_accents
from tests.conftest import REDIS_BASE
from tests.e2e.conftest import RASA_TOKEN, REDIS_DB, TRACKER_WINDOW_EVENTS, Stack, new_phone
from tests.e2e.db import messages_of
from tests.e2e.processes import RasaServer
from tests.e2e.test_prequal import HAPPY_PATH_SMS, converse, stored

pytestmark = pytest.mark.e2e

SMALL_TALK = [("hola", "Hola"), ("gracias", ""), ("menu", "En que le puedo ayudar")]


def tracker_keys(sender_id: str) -> dict[str, Any]:
    client = redis_sync.Redis.from_url(f"{REDIS_BASE}/{REDIS_DB['rasa']}", decode_responses=True)
    try:
        prefix = f"famibot:tracker:{sender_id}"
        head = json.loads(client.get(f"{prefix}:head") or "null")
        log = [json.loads(line) for line in client.lrange(f"{prefix}:log", 0, -1)]
        return {"head": head, "log": log, "old": client.get(prefix)}
    finally:
        client.close()


async def sender_of(live: Stack, phone: str) -> str:
    return str((await stored(live.database_url, phone))["conversation"].rasa_sender_id)


async def test_prequalification_after_small_talk_on_a_moving_window(live: Stack) -> None:
    phone = new_phone()
    await converse(live, phone, SMALL_TALK * 3)
    sender = await sender_of(live, phone)
    before = tracker_keys(sender)["head"]
    assert before["window_start"] > 0, "nine turns of small talk moved the window"
    bodies = await converse(live, phone, HAPPY_PATH_SMS)
    assert "Credito Digital Rapido" in fold_accents(bodies[-1])
    [evaluation] = (await stored(live.database_url, phone))["evaluations"]
    assert (evaluation.outcome, evaluation.product_id) == ("prequalified", "credito_digital_rapido")
    assert evaluation.answers["municipio"] == "05360" and evaluation.answers["monto"] == 2_000_000
    during = tracker_keys(sender)["head"]
    assert during["window_start"] > before["window_start"]
    await converse(live, phone, SMALL_TALK)  # the form is over: the window moves past it
    after = tracker_keys(sender)
    head, log = after["head"], after["log"]
    assert head["window_start"] > during["window_start"], "the window moved on after the form"
    assert head["log_length"] == len(log) and after["old"] is None
    window = head["log_length"] - head["window_start"]
    assert window < 4 * TRACKER_WINDOW_EVENTS, f"a turn loads {window} of {len(log)} events"
    # The log keeps every message, in order, once: nothing was rewritten or lost when the window moved.
    inbound = [row.twilio_sid for row in await messages_of(live.database_url, phone) if row.direction == "in"]
    logged = [e["metadata"].get("message_sid") for e in log if e["event"] == "user"]
    assert logged == inbound


async def test_a_paused_form_survives_the_window_and_a_new_session(
    live: Stack, rasa_server: RasaServer
) -> None:
    phone = new_phone()
    await converse(
        live,
        phone,
        [
            ("quiero un credito", "Antes de pedirle datos"),
            ("1", "nombre completo"),
            ("Ana Lucia Mejia", "años tiene"),
            ("31", "cedula"),
            ("CANCELAR", "PARAR"),
            *SMALL_TALK * 2,
        ],
    )
    sender = await sender_of(live, phone)
    head = tracker_keys(sender)["head"]
    assert head["log_length"] - head["window_start"] < 4 * TRACKER_WINDOW_EVENTS
    loaded_form_start = any(
        e["event"] == "action" and e["name"] == "action_prequal_start"
        for e in tracker_keys(sender)["log"][head["window_start"] :]
    )
    assert not loaded_form_start, "the turns of the form are out of the window; only their slots remain"
    async with httpx.AsyncClient(base_url=rasa_server.url, timeout=30) as rasa:
        response = await rasa.post(
            f"/conversations/{sender}/execute",
            params={"token": RASA_TOKEN},
            json={"name": "action_session_start"},
        )
        assert response.status_code == 200, response.text
    bodies = await converse(
        live,
        phone,
        [
            ("hola", "Su solicitud de credito quedo a medias"),
            ("43.567.890", "ya tengo 3 de 10 respuestas"),
        ],
    )
    assert "municipio" in bodies[-1]
    async with httpx.AsyncClient(base_url=rasa_server.url, timeout=30) as rasa:
        response = await rasa.get(
            f"/conversations/{sender}/tracker", params={"token": RASA_TOKEN, "include_events": "NONE"}
        )
    state = response.json()
    assert state["active_loop"]["name"] == "prequal_form"
    assert state["slots"]["nombre"] == "Ana Lucia Mejia" and state["slots"]["edad"] == 31
