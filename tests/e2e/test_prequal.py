"""Loan pre-qualification end to end: signed webhooks, the trained model, the action server, the database.

A full pre-qualification on SMS and on WhatsApp ends with the expected product and the stored evaluation;
a form interrupted by a question and by CANCELAR is resumed in a new session where it was left.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from bot.db.engine import make_session_factory
from bot.db.models import Contact, Conversation, HandoffRequest, PrequalEvaluation
from bot.settings import to_async_url
from bot.text import fold_accents
from tests.e2e.conftest import RASA_TOKEN, Stack, new_phone
from tests.e2e.db import messages_of
from tests.e2e.processes import RasaServer

pytestmark = pytest.mark.e2e

# (what the entrepreneur writes, what the next bot message must contain, compared without accents).
HAPPY_PATH_SMS = [
    ("kiero un credito pa mi negocio", "Antes de pedirle datos"),
    ("1", "10 preguntas"),  # "1. Acepto"
    ("me llamo Luz Dary Restrepo", "años tiene"),
    ("38", "numero de su cedula"),
    ("43.567.890", "municipio"),
    ("en itagui", "se dedica su negocio"),
    ("tengo una tienda de barrio", "Hace cuanto tiempo"),
    ("3 años", "Cuanto vende"),
    ("como 4 millones al mes", "Para que usaria"),
    ("pa surtir la tienda", "Cuanto dinero necesita"),
    ("2 millones", "deuda con pagos atrasados"),
    ("no", "Buenas noticias, Luz"),
]
TURNS_TARGET = 12


async def converse(
    live: Stack, phone: str, turns: list[tuple[str, str]], *, channel: str = "sms"
) -> list[str]:
    bodies: list[str] = []
    for text, expected in turns:
        before = len(await live.outbound(phone, channel=channel))
        response = await live.send(phone, text, channel=channel)
        assert response.status_code == 200
        replies = await live.wait_outbound(phone, before + 1, channel=channel)
        body = replies[before]["body"]
        assert fold_accents(expected).lower() in fold_accents(body).lower(), f"after {text!r}: {body!r}"
        bodies.append(body)
    return bodies


async def last_body_with(live: Stack, phone: str, text: str, *, timeout_s: float = 10) -> str:
    """The last SMS to ``phone`` once one contains ``text`` (a turn's later parts follow its first)."""
    deadline = time.monotonic() + timeout_s
    while True:
        bodies = [str(m["body"]) for m in await live.outbound(phone, channel="sms")]
        if any(text in body for body in bodies) or time.monotonic() > deadline:
            return bodies[-1]
        await asyncio.sleep(0.1)


async def stored(database_url: str, phone: str) -> dict[str, Any]:
    engine = create_async_engine(to_async_url(database_url))
    try:
        async with make_session_factory(engine)() as session:
            contact = await session.scalar(select(Contact).where(Contact.phone_e164 == phone))
            assert contact is not None
            conversation = await session.scalar(
                select(Conversation).where(Conversation.contact_id == contact.id)
            )
            assert conversation is not None
            evaluations = (
                await session.scalars(
                    select(PrequalEvaluation).where(PrequalEvaluation.contact_id == contact.id)
                )
            ).all()
            handoffs = (
                await session.scalars(
                    select(HandoffRequest).where(HandoffRequest.conversation_id == conversation.id)
                )
            ).all()
            return {"conversation": conversation, "evaluations": evaluations, "handoffs": handoffs}
    finally:
        await engine.dispose()


async def test_full_prequalification_by_sms_in_twelve_turns(live: Stack) -> None:
    phone = new_phone()
    bodies = await converse(live, phone, HAPPY_PATH_SMS)
    assert len(HAPPY_PATH_SMS) <= TURNS_TARGET
    result = bodies[-1]
    assert "Credito Digital Rapido" in fold_accents(result) and "$300.000 a $5.000.000" in result
    assert result.isascii() or "rechaz" not in result.lower()
    state = await stored(live.database_url, phone)
    [evaluation] = state["evaluations"]
    last_inbound = [row for row in await messages_of(live.database_url, phone) if row.direction == "in"][-1]
    assert evaluation.message_id == last_inbound.id
    assert (evaluation.outcome, evaluation.product_id) == ("prequalified", "credito_digital_rapido")
    assert evaluation.full_name == "Luz Dary Restrepo" and evaluation.document_number == "43567890"
    assert evaluation.answers["municipio"] == "05360" and evaluation.answers["monto"] == 2_000_000
    assert [rule["passed"] for rule in evaluation.evaluation["rules"]] == [True] * 8
    [handoff] = state["handoffs"]  # "un asesor le escribirá": a real request
    assert handoff.reason == "prequalified"


async def test_full_prequalification_on_whatsapp_with_a_tapped_button(live: Stack) -> None:
    phone = new_phone()
    turns = [
        ("Buenas, necesito un préstamo pa la finca", "Antes de pedirle datos"),
        ("acepto", "anoté lo que me contó (Agro). Me faltan 9 preguntas"),  # "la finca": not asked again
        ("Jhon Fredy Gómez", "años tiene"),
        ("cuarenta y dos", "cédula"),
        ("PPT 1234567", "municipio"),
        ("rionegro", "tiempo tiene"),
        ("2 años", "vende"),
        ("3 palos", "usaría"),
        ("abono y semillas", "dinero necesita"),
    ]
    await converse(live, phone, turns, channel="whatsapp")
    before = len(await live.outbound(phone, channel="whatsapp"))
    await live.send(phone, "5 millones", channel="whatsapp")
    [question] = (await live.wait_outbound(phone, before + 1, channel="whatsapp"))[before:]
    assert question["content_sid"], "the arrears question goes as the Sí/No quick-reply template"
    await live.send(phone, "No", channel="whatsapp", ButtonPayload="/deny", ButtonText="No")
    result = (await live.wait_outbound(phone, before + 2, channel="whatsapp"))[-1]["body"]
    assert "Crédito Agro" in result and "$1.000.000 a $9.000.000" in result
    [evaluation] = (await stored(live.database_url, phone))["evaluations"]
    assert evaluation.product_id == "credito_agro" and evaluation.document_type == "ppt"
    assert evaluation.evaluation["cap"] == "sales_multiple"  # 3 × 3 millones


async def test_not_eligible_says_which_rule_and_what_to_do(live: Stack) -> None:
    phone = new_phone()
    turns = [
        ("me pueden prestar plata pa el negocio", "Antes de pedirle datos"),
        ("1", "10 preguntas"),
        ("Maria Elena Zapata", "años tiene"),
        ("52", "cedula"),
        ("cc 71234567", "municipio"),
        ("medallo", "se dedica"),
        ("vendo empanadas y arepas", "tiempo"),
        ("4 meses", "vende"),
        ("1.500.000", "usaria"),
        ("comprar una freidora", "dinero necesita"),
        ("800 mil", "atrasados"),
        ("no", "Maria, por ahora no podemos seguir"),
    ]
    bodies = await converse(live, phone, turns)
    assert "al menos 6 meses" in bodies[-1] and "en 2 meses" in bodies[-1] and "ASESOR" in bodies[-1]
    # then the course the deciding rule suggests (data/lesson_offers.yml), "1" to see it
    offer = await last_body_with(live, phone, "Ver el curso")
    assert "curso corto Cuentas claras" in offer and offer.endswith("1. Ver el curso\nResponda 1.")
    state = await stored(live.database_url, phone)
    [evaluation] = state["evaluations"]
    assert (
        evaluation.outcome == "not_yet"
        and evaluation.evaluation["decision"]["rule_id"] == "min_business_months"
    )
    assert state["handoffs"] == []


async def test_interrupted_form_is_resumed_in_a_new_session_where_it_was_left(
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
            ("cuales son los requisitos?", "años tiene"),  # answered, then the question again
            ("y como pago la cuota?", "cuanto debe y donde pagar"),  # another question: answered too
            ("no se", "Escriba solo el numero"),  # a wrong answer gets a clear re-ask
            ("31", "cedula"),
            ("CANCELAR", "PARAR"),  # in the form it pauses (answers kept) and says how to opt out
        ],
    )
    conversation = (await stored(live.database_url, phone))["conversation"]
    # Days later Rasa starts a new session on the next message; start it now, as Rasa would.
    async with httpx.AsyncClient(base_url=rasa_server.url, timeout=30) as rasa:
        response = await rasa.post(
            f"/conversations/{conversation.rasa_sender_id}/execute",
            params={"token": RASA_TOKEN},
            json={"name": "action_session_start"},
        )
        assert response.status_code == 200, response.text
    bodies = await converse(
        live,
        phone,
        [
            ("hola", "Su solicitud de credito quedo a medias"),  # still subscribed: CANCELAR did not opt out
            ("1.036.123.456", "ya tengo 3 de 10 respuestas"),  # the next answer, sent days later, is kept
            ("hablar con un asesor", "asesor"),
        ],
    )
    assert "municipio" in bodies[1]  # the question after the cédula, not the first one
    state = await stored(live.database_url, phone)
    [handoff] = state["handoffs"]
    assert handoff.answers["nombre"] == "Ana Lucia Mejia" and handoff.answers["edad"] == 31
    assert handoff.answers["numero_documento"] == "1036123456"
    assert state["evaluations"] == []
    # With no form running, CANCELAR asks before it stops every message (data/keywords.yml).
    await converse(
        live,
        phone,
        [("CANCELAR", "dejar de recibir todos nuestros mensajes"), ("si", "no le enviaremos más mensajes")],
    )
