"""Interest, terms and instalment questions end to end (issue 10), on SMS and WhatsApp: at the start, in
the middle of the loan questions (the same question comes again), at the consent question (it comes
again) and after a result. Real model, action server, worker and database."""

from __future__ import annotations

import asyncio

import pytest

from bot.gsm7 import is_gsm7, sms_size
from bot.settings import Settings
from bot.text import fold_accents
from tests.e2e.conftest import Stack, new_phone

pytestmark = pytest.mark.e2e

BUDGET = Settings(app_env="test").sms_segment_budget
SETTLE_S = 1.0  # a turn's messages are stored together; give the worker time to send a second one


async def turn(live: Stack, phone: str, text: str, *, channel: str = "sms") -> str:
    """Send ``text``; the bot's turn must be ONE message (on SMS: GSM-7, within the segment budget)."""
    before = len(await live.outbound(phone, channel=channel))
    response = await live.send(phone, text, channel=channel)
    assert response.status_code == 200
    await live.wait_outbound(phone, before + 1, channel=channel)
    await asyncio.sleep(SETTLE_S)
    replies = (await live.outbound(phone, channel=channel))[before:]
    assert len(replies) == 1, f"after {text!r}: {[reply['body'] for reply in replies]}"
    body = str(replies[0]["body"])
    if channel == "sms":
        assert is_gsm7(body) and sms_size(body).segments <= BUDGET, body
    return body


def has(body: str, *parts: str) -> bool:
    folded = fold_accents(body).lower()
    return all(fold_accents(part).lower() in folded for part in parts)


@pytest.mark.parametrize("channel", ["sms", "whatsapp"])
async def test_interest_and_instalment_questions_get_real_answers(live: Stack, channel: str) -> None:
    phone = new_phone()
    rate = await turn(live, phone, "cuanto es el interes", channel=channel)
    assert has(rate, "2,2 % mes vencido", "29,84 % efectivo anual", "tasa de usura")
    estimate = await turn(live, phone, "cuanto pagaria al mes por 2 millones a 12 meses", channel=channel)
    # 2 000 000 × 0.025 / (1 − 1.025^−12) = 194 974.25 (Crédito Digital Rápido, 2,5 % M.V.)
    assert has(estimate, "Por $2.000.000 a 12 meses", "$194.974 al mes", "aproximada", "asesor")
    if channel == "whatsapp":
        assert "Crédito Digital Rápido" in estimate  # accents are kept where they cost nothing
    else:
        assert "Escriba MENU" in estimate  # the next step, in the same SMS


async def test_questions_in_the_middle_of_the_form_are_answered_and_the_same_question_comes_again(
    live: Stack,
) -> None:
    phone = new_phone()
    steps = [
        ("quiero un credito", ["Antes de pedirle datos"]),
        ("1", ["nombre completo"]),
        ("Ana Maria Rios", ["años tiene"]),
        ("y cuanto es el interes?", ["2,2 % mes vencido", "años tiene"]),  # answered, asked again
        ("41", ["cedula"]),
        ("43.111.222", ["municipio"]),
        ("bello", ["se dedica su negocio"]),
        ("y cuánto es el interés?", ["mes vencido", "se dedica su negocio"]),  # not taken as the activity
        ("tienda de barrio", ["tiempo"]),
        ("2 años", ["vende"]),
        ("como 3 millones", ["usaria"]),
        ("pa surtir", ["dinero necesita"]),
        # 2 000 000 × 0.025 / (1 − 1.025^−12) = 194 974.25 → 194 974
        ("cuanto pagaria al mes por 2 millones a 12 meses", ["$194.974 al mes", "dinero necesita"]),
        ("2 millones", ["atrasados"]),
        ("no", ["Buenas noticias, Ana"]),
        # after the result: about the credit it offered (Crédito Digital Rápido, $2.000.000)
        ("cuanto me toca pagar mensual?", ["cuota de $2.000.000", "escriba tambien los meses, de 3 a 12"]),
        ("cuota de 2 millones a 6 meses", ["Por $2.000.000 a 6 meses en el Credito Digital Rapido"]),
    ]
    for text, expected in steps:
        body = await turn(live, phone, text)
        assert has(body, *expected), f"after {text!r}: {body!r}"


async def test_a_question_at_the_consent_step_is_answered_and_consent_is_asked_again(live: Stack) -> None:
    phone = new_phone()
    assert has(await turn(live, phone, "necesito un prestamo pal negocio"), "Antes de pedirle datos")
    body = await turn(live, phone, "que tasa manejan")
    assert has(body, "mes vencido", "acepta que usemos sus datos", "1. Acepto")
    body = await turn(live, phone, "y piden fiador?")
    assert has(body, "requisitos", "acepta que usemos sus datos")
    body = await turn(live, phone, "y q papeles piden")  # documents come after the questions (issue 11)
    assert has(body, "documentos se piden despues de las preguntas", "acepta que usemos sus datos")
    assert has(await turn(live, phone, "1"), "10 preguntas")  # the consent answer still works
