"""Consent before personal data (Ley 1581 de 2012), end to end with the trained model."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from bot.consent import load_consent
from bot.db.models import Consent
from bot.settings import to_async_url
from tests.e2e.conftest import ROOT, Stack, new_phone
from tests.e2e.db import messages_of

pytestmark = pytest.mark.e2e

CONSENT = load_consent(ROOT / "data" / "consent.yml")


async def _consents(database_url: str, conversation_id: int) -> list[Consent]:
    engine = create_async_engine(to_async_url(database_url))
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(select(Consent).where(Consent.conversation_id == conversation_id))
            return list(rows.all())  # type: ignore[arg-type]
    finally:
        await engine.dispose()


async def test_consent_is_asked_once_and_the_answer_is_stored_as_proof(live: Stack) -> None:
    phone = new_phone()
    await live.send(phone, "quiero un credito")
    [question] = await live.wait_outbound(phone, 1)
    assert "Antes de pedirle datos" in question["body"] and "1. Acepto" in question["body"]
    response = await live.send(phone, "1")
    assert response.status_code == 200
    replies = await live.wait_outbound(phone, 2)
    assert "10 preguntas" in replies[1]["body"] and "nombre completo" in replies[1]["body"]
    rows = await messages_of(live.database_url, phone)
    answer = [row for row in rows if row.direction == "in"][1]
    [proof] = await _consents(live.database_url, answer.conversation_id)
    assert proof.accepted is True and proof.channel == "sms"
    assert proof.message_sid == answer.twilio_sid  # the very message that said yes
    assert proof.text_version == CONSENT.version and proof.purposes == list(CONSENT.purposes)
    await live.send(phone, "necesito un prestamo")
    replies = await live.wait_outbound(phone, 3)
    assert "Antes de pedirle datos" not in replies[2]["body"]  # not asked twice


async def test_declining_asks_for_no_data_and_offers_what_needs_none(live: Stack) -> None:
    phone = new_phone()
    await live.send(phone, "me prestan plata?", channel="whatsapp")
    await live.wait_outbound(phone, 1, channel="whatsapp")
    await live.send(phone, "No acepto", channel="whatsapp")
    replies = await live.wait_outbound(phone, 2, channel="whatsapp")
    assert "no le pediremos datos personales" in replies[1]["body"]
    rows = await messages_of(live.database_url, phone)
    [proof] = await _consents(live.database_url, rows[0].conversation_id)
    assert proof.accepted is False and proof.channel == "whatsapp"
