"""Documents through the whole stack (issue 11): what the entrepreneur types reaches the gateway's document
commands through the trained model, the action server and the remembered menu.

Needs the gateway's document flow (branch docgateway, bot/documents/commands.py); skipped without it.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from bot.text import fold_accents
from tests.e2e.conftest import Stack, new_phone
from tests.e2e.test_prequal import HAPPY_PATH_SMS

pytest.importorskip("bot.documents.commands", reason="the gateway's document commands (branch docgateway)")

pytestmark = pytest.mark.e2e
WAIT_S = 30


def folded(text: str) -> str:
    return fold_accents(text).lower()


async def say(live: Stack, phone: str, text: str, expect: str, *, channel: str) -> str:
    """Send ``text``; wait until the bot's new messages contain ``expect``; return them joined."""
    before = len(await live.outbound(phone, channel=channel))
    response = await live.send(phone, text, channel=channel)
    assert response.status_code == 200
    deadline = time.monotonic() + WAIT_S
    while True:
        said = "\n".join(m["body"] for m in (await live.outbound(phone, channel=channel))[before:])
        if folded(expect) in folded(said):
            await asyncio.sleep(0.5)  # the rest of the turn
            return "\n".join(m["body"] for m in (await live.outbound(phone, channel=channel))[before:])
        assert time.monotonic() < deadline, f"after {text!r}: no {expect!r} in {said!r}"
        await asyncio.sleep(0.1)


async def prequalify(live: Stack, phone: str, channel: str) -> str:
    said = ""
    for text, expected in HAPPY_PATH_SMS:
        said = await say(live, phone, text, expected, channel=channel)
    return said


async def test_whatsapp_questions_and_a_typed_yes_to_the_id_photo_question(live: Stack) -> None:
    phone = new_phone()
    result = await prequalify(live, phone, "whatsapp")
    # the gateway lists the documents, then asks the sensitive-data question before the first ID photo
    await asyncio.sleep(1)
    assert "autoriza" in folded("\n".join(m["body"] for m in await live.outbound(phone, channel="whatsapp")))
    assert "buenas noticias" in folded(result)
    status = await say(live, phone, "y q papeles me faltan", "falta", channel="whatsapp")
    assert "cedula" in folded(status)
    # typed, not tapped: the remembered Sí/No of the question makes it the button's payload
    accepted = await say(live, phone, "acepto", "Guardamos su respuesta", channel="whatsapp")
    assert "envie ahora" in folded(accepted) and "cedula" in folded(accepted)


async def test_sms_user_who_cannot_send_photos_picks_the_office(live: Stack) -> None:
    phone = new_phone()
    await prequalify(live, phone, "sms")
    await asyncio.sleep(1)
    offer = "\n".join(m["body"] for m in await live.outbound(phone))
    assert "para enviar sus documentos" in folded(offer)  # within the result's SMS budget: one option
    asked = await say(live, phone, "no tengo como mandar fotos", "oficina", channel="sms")
    assert "1." in asked  # the ways that work, as a numbered menu again
    chosen = await say(live, phone, "en la oficina", "Lleve sus documentos a la oficina", channel="sms")
    assert "horario" in folded(chosen)
