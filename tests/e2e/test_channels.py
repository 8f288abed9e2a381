"""Issue 3 end to end, on both channels: opt-out and opt-in, menu replies, SMS that stay cheap."""

from __future__ import annotations

import asyncio
import json

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from bot.db.models import HandoffRequest
from bot.gsm7 import is_gsm7, sms_size
from bot.settings import to_async_url
from bot.text import normalise
from tests.e2e.conftest import Stack, new_phone
from tests.e2e.db import messages_of

pytestmark = pytest.mark.e2e

CHANNELS = ["sms", "whatsapp"]


@pytest.mark.parametrize("channel", CHANNELS)
async def test_opt_out_keyword_then_silence_then_opt_in(live: Stack, channel: str) -> None:
    phone = new_phone()
    await live.send(phone, "hola", channel=channel)
    await live.wait_outbound(phone, 1, channel=channel)
    await live.send(phone, "No más", channel=channel)
    replies = await live.wait_outbound(phone, 2, channel=channel)
    assert "no le enviaremos" in replies[1]["body"].lower() and "ALTA" in replies[1]["body"]
    await live.send(phone, "hola", channel=channel)
    await asyncio.sleep(2)
    assert len(await live.outbound(phone, channel=channel)) == 2  # nothing while opted out
    await live.send(phone, "ALTA", channel=channel)
    replies = await live.wait_outbound(phone, 3, channel=channel)
    assert "MENU" in replies[2]["body"]
    await live.send(phone, "menu", channel=channel)
    replies = await live.wait_outbound(phone, 4, channel=channel)
    if channel == "sms":
        assert "1. Crédito" in replies[3]["body"]
    else:  # the main menu goes as the list-picker template of data/whatsapp_templates.yml
        assert replies[3]["content_sid"] and replies[3]["content_buttons"][0]["payload"] == "/request_loan"
    rows = await messages_of(live.database_url, phone)
    assert [row.status for row in rows if row.direction == "in"] == [
        "answered",
        "answered",
        "skipped",
        "answered",
        "answered",
    ]


async def test_plain_words_opt_out_asks_first(live: Stack) -> None:
    phone = new_phone()
    await live.send(phone, "ya no me manden mas mensajes")
    [question] = await live.wait_outbound(phone, 1)
    assert "dejar de recibir" in question["body"] and "1. Si\n2. No" in question["body"]
    await live.send(phone, "1")  # "Sí" from the numbered menu
    replies = await live.wait_outbound(phone, 2)
    assert replies[1]["body"] == "Listo, no le enviaremos mas mensajes. Para volver escriba ALTA."
    rows = await messages_of(live.database_url, phone)
    assert [row.purpose for row in rows if row.direction == "out"] == ["reply", "opt_out_confirmation"]


@pytest.mark.parametrize(
    ("answer", "expected", "hint"),
    [
        ("la primera", "antes de pedirle datos", False),  # Crédito: consent comes first
        # Documentos with no application yet: the pre-qualification comes first, offered as option 1
        ("docmentos", "documentos", False),
        ("4", "cursos cortos", False),  # Aprender: the courses, a menu to answer (bot/lessons/)
    ],
)
async def test_numbered_menu_replies_on_sms(live: Stack, answer: str, expected: str, hint: bool) -> None:
    phone = new_phone()
    await live.send(phone, "menu")
    await live.wait_outbound(phone, 1)
    await live.send(phone, answer)
    replies = await live.wait_outbound(phone, 2)
    assert expected in replies[1]["body"].lower()
    assert ("Escriba MENU" in replies[1]["body"]) is hint  # SMS ends with a one-line hint, not the menu


async def test_every_sms_turn_is_gsm7_and_mostly_one_segment(live: Stack) -> None:
    phone = new_phone()
    # Questions first: asked while the consent question waits, each answer also carries the consent
    # re-ask (two segments by design, tests/e2e/test_loan_terms.py); here the everyday one-liners.
    texts = [
        "hola",
        "que requisitos piden",
        "como pago",
        "eres un robot?",
        "gracias",
        "quiero un credito",
        "chao",
    ]
    for index, text in enumerate(texts, start=1):
        await live.send(phone, text)
        await live.wait_outbound(phone, index)
    sent = await live.outbound(phone)
    assert all(is_gsm7(message["body"]) for message in sent)
    rows = [row for row in await messages_of(live.database_url, phone) if row.direction == "out"]
    assert [row.encoding for row in rows] == ["GSM-7"] * len(texts)
    assert [row.segments for row in rows] == [sms_size(message["body"]).segments for message in sent]
    assert all((row.segments or 0) <= 2 for row in rows)  # the turn budget
    assert sum(row.segments or 0 for row in rows) / len(texts) <= 1.3


async def test_whatsapp_menu_is_a_template_and_a_tapped_option_comes_back_as_its_payload(live: Stack) -> None:
    phone = new_phone()
    await live.send(phone, "hola", channel="whatsapp")
    [menu] = await live.wait_outbound(phone, 1, channel="whatsapp")
    assert menu["content_sid"] == "HX2b3c4d5e6f708192a3b4c5d6e7f8091a"
    assert json.loads(menu["content_variables"]) == {
        "1": "¡Hola! Soy el asistente de famibot.\n\n¿En qué le puedo ayudar?"
    }
    tapped = menu["content_buttons"][2]
    await live.send(
        phone,
        tapped["title"],
        channel="whatsapp",
        ButtonPayload=tapped["payload"],
        ButtonText=tapped["title"],
    )
    replies = await live.wait_outbound(phone, 2, channel="whatsapp")
    assert "cuánto debe" in replies[1]["body"]


@pytest.mark.parametrize("channel", CHANNELS)
async def test_asking_for_a_consultant_is_recorded_and_answered_honestly(live: Stack, channel: str) -> None:
    phone = new_phone()
    await live.send(phone, "quiero hablar con un asesor", channel=channel)
    [reply] = await live.wait_outbound(phone, 1, channel=channel)
    said = normalise(reply["body"])  # accents are folded on SMS
    assert "le pedi a un asesor" in said and ("le escribira" in said or "le respondera hoy" in said)
    engine = create_async_engine(to_async_url(live.database_url))
    try:
        async with engine.connect() as connection:
            rows = (await connection.execute(select(HandoffRequest.reason, HandoffRequest.status))).all()
    finally:
        await engine.dispose()
    assert ("user_asked", "open") in [tuple(row) for row in rows]
