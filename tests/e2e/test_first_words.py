"""The first words of a conversation, end to end with the trained model (issue 10).

A first message that already says the amount, the purpose, the business and the place leads to the
consent question, then to the form without those questions, on SMS and on WhatsApp, in fewer
messages than the full pre-qualification. An answer with no question going on, a confused follow-up,
something the bot does not do and a menu number that picks nothing each get a next step, never a dead
end. Each test prints what the person reads (``pytest -s`` shows the transcript).
"""

from __future__ import annotations

import pytest

from bot.text import fold_accents
from tests.e2e.conftest import Stack, new_phone
from tests.e2e.test_prequal import TURNS_TARGET, converse, stored

pytestmark = pytest.mark.e2e

FIRST_MESSAGE = "necesito un prestamito de unos 2 palos pa comprar un horno pa la panaderia en bello"
# Questions the first message answered: none of them may be asked (compared without accents).
ALREADY_SAID = ("Cuanto dinero necesita", "Para que usaria", "se dedica su negocio", "En que municipio")


async def transcript(live: Stack, phone: str, person: list[str], *, channel: str = "sms") -> str:
    """The conversation as the person saw it: their lines and the bot's, in order."""
    bot = [message["body"] for message in await live.outbound(phone, channel=channel)]
    lines = [f"--- {channel} ---"]
    for said, answer in zip(person, bot, strict=False):
        lines += [f"> {said}", *(f"< {line}" for line in answer.splitlines())]
    return "\n".join(lines)


def _never_asked_again(bodies: list[str]) -> None:
    asked = [
        body for body in bodies for question in ALREADY_SAID if question.lower() in fold_accents(body).lower()
    ]
    assert asked == [], f"asked again: {asked}"


async def test_a_first_message_with_amount_purpose_business_and_place_on_sms(live: Stack) -> None:
    phone = new_phone()
    turns = [
        (FIRST_MESSAGE, "Antes de pedirle datos"),  # consent first: nothing read before it
        ("1", "ya anote lo que me conto ($2.000.000, Alimentos/restaurante, Bello)"),
        ("Rubiela Agudelo Mesa", "anos tiene"),
        ("44", "numero de su cedula"),
        ("43.876.543", "Hace cuanto tiempo"),  # municipio and sector were in the first message
        ("3 años", "Cuanto vende"),
        ("4 millones al mes", "deuda con pagos atrasados"),  # purpose and amount too
        ("no", "Buenas noticias, Rubiela"),
    ]
    bodies = await converse(live, phone, turns)
    print(await transcript(live, phone, [text for text, _ in turns]))
    assert "Me faltan 6 preguntas" in bodies[1] and "nombre completo" in bodies[1]
    _never_asked_again(bodies)
    assert len(turns) < TURNS_TARGET  # 8 messages from the person instead of 12
    [evaluation] = (await stored(live.database_url, phone))["evaluations"]
    assert evaluation.answers["monto"] == 2_000_000 and evaluation.answers["municipio"] == "05088"
    assert evaluation.answers["sector"] == "alimentos"
    assert evaluation.answers["destino_credito"] == "comprar un horno pa la panaderia"
    assert evaluation.product_id == "credito_digital_rapido"


async def test_a_first_message_with_amount_purpose_business_and_place_on_whatsapp(live: Stack) -> None:
    phone = new_phone()
    turns = [
        (
            "Buenas tardes, necesito un préstamo de 2 millones pa comprar un horno pa la panadería en Bello",
            "Antes de pedirle datos",
        ),
        ("acepto", "Me faltan 6 preguntas"),
        ("Jhon Fredy Gómez", "años tiene"),
        ("cuarenta y dos", "cédula"),
        ("1.036.123.456", "tiempo tiene"),
        ("2 años", "vende"),
    ]
    bodies = await converse(live, phone, turns, channel="whatsapp")
    before = len(await live.outbound(phone, channel="whatsapp"))
    await live.send(phone, "3 palos", channel="whatsapp")
    question = (await live.wait_outbound(phone, before + 1, channel="whatsapp"))[before]
    assert question["content_sid"], "the arrears question goes as the Sí/No quick-reply template"
    await live.send(phone, "No", channel="whatsapp", ButtonPayload="/deny", ButtonText="No")
    result = (await live.wait_outbound(phone, before + 2, channel="whatsapp"))[-1]["body"]
    person = [text for text, _ in turns] + ["3 palos", "No"]
    print(await transcript(live, phone, person, channel="whatsapp"))
    assert "Buenas noticias, Jhon" in result
    _never_asked_again([*bodies, question["body"]])
    assert len(person) < TURNS_TARGET
    [evaluation] = (await stored(live.database_url, phone))["evaluations"]
    assert (evaluation.answers["monto"], evaluation.answers["sector"]) == (2_000_000, "alimentos")


async def test_an_answer_out_of_the_blue_then_a_confused_follow_up_starts_the_loan(live: Stack) -> None:
    phone = new_phone()
    turns = [
        ("tengo una panaderia en bello", "le puedo ayudar a pedir un credito"),  # not "no puedo guardar"
        ("q? no entiendo yo lo q quiero es un credito", "Antes de pedirle datos"),
        ("1", "ya anote lo que me conto (Alimentos/restaurante, Bello)"),
        # still confused in the middle of the questions: told where we are, then the same question
        ("no entiendo nada yo lo q necesito es el credito", "ya estamos con su solicitud de credito"),
    ]
    bodies = await converse(live, phone, turns)
    print(await transcript(live, phone, [text for text, _ in turns]))
    assert "1. Si, pedir credito" in fold_accents(bodies[0])  # the offer is a menu: "1" starts it too
    assert "Me faltan 8 preguntas" in bodies[2] and "nombre completo" in bodies[3]


@pytest.mark.parametrize(
    ("first", "reply_has"),
    [
        ("quien gano el partido de anoche", ["No le entendi bien", "1. Credito", "5. Hablar con un asesor"]),
        ("ya no quiero seguir con eso", ["ninguna solicitud abierta", "CREDITO", "Escriba MENU"]),
        ("vivo en itagui", ["pedir un credito", "1. Si, pedir credito", "2. Ver el menu"]),
    ],
)
async def test_no_fallback_is_a_dead_end_on_sms(live: Stack, first: str, reply_has: list[str]) -> None:
    phone = new_phone()
    [reply] = await converse(live, phone, [(first, reply_has[0])])
    print(await transcript(live, phone, [first]))
    assert all(part in fold_accents(reply) for part in reply_has), reply
    assert "no puedo guardar" not in reply and "no hay nada en curso" not in reply.lower()
    [message] = await live.outbound(phone)
    assert message["body"] == reply and len(reply) <= 160  # one SMS


async def test_a_menu_number_after_a_sub_menu_answer_gets_the_main_menu_on_sms(live: Stack) -> None:
    phone = new_phone()
    turns = [
        ("menu", "1. Credito"),
        ("2", "documentos"),  # Documentos: its answer ends with "Escriba MENU", no menu to remember
        ("4", "En que le puedo ayudar?"),  # a number that picks nothing: the main menu, not a dead end
        ("4", "cursos cortos"),  # … which is remembered again: 4 is Aprender (the courses)
    ]
    bodies = await converse(live, phone, turns)
    print(await transcript(live, phone, [text for text, _ in turns]))
    assert "1. Credito" in fold_accents(bodies[2]) and "no puedo guardar" not in bodies[2]
