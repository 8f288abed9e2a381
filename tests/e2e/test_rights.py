"""The person's say over the conversation, on SMS with the trained model, the action server and the worker:

- a name is a name: laughter is asked again, one word is confirmed;
- CANCELAR pauses the loan questions, and said again asks before stopping every message: "no" keeps
  the request, "sí" opts out; plain words ("ya kiero volver a recibir mensajes") bring the person back;
- "¿qué datos tienen míos?" lists what we hold, the cédula masked, within 2 SMS.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from bot.db.engine import make_session_factory
from bot.db.models import Contact
from bot.settings import to_async_url
from tests.e2e.conftest import Stack, new_phone
from tests.e2e.db import messages_of
from tests.e2e.test_prequal import converse

pytestmark = pytest.mark.e2e

# (what the entrepreneur writes, what the next bot message must contain, compared without accents).
CANCELAR_TWICE = [
    ("kiero sacar un prestamito pal negocio", "Antes de pedirle datos"),
    ("1", "nombre completo"),
    ("jajaja q pereza", "Necesito su nombre"),
    ("Yesenia", "Su nombre es Yesenia?"),
    ("no", "Como se llama"),
    ("Yesenia Cardona Rua", "años tiene"),
    ("CANCELAR", "PARAR"),  # the loan questions pause, the answers are kept
    ("CANCELAR", "Quiere dejar de recibir todos nuestros mensajes?"),  # asked, not done
    ("2", "sigue en pausa"),  # "no": still subscribed, told how to go on
    ("cancelar", "Quiere dejar de recibir todos nuestros mensajes?"),
    ("1", "no le enviaremos mas mensajes"),  # "sí": opted out
    ("ya kiero volver a resibir los mensajes", "de nuevo recibira nuestros mensajes"),
]


async def _opted_out(database_url: str, phone: str) -> bool:
    engine = create_async_engine(to_async_url(database_url))
    try:
        async with make_session_factory(engine)() as session:
            contact = await session.scalar(select(Contact).where(Contact.phone_e164 == phone))
            assert contact is not None
            return contact.opted_out
    finally:
        await engine.dispose()


async def test_cancelar_twice_asks_first_and_plain_words_bring_the_person_back(live: Stack) -> None:
    phone = new_phone()
    bodies = await converse(live, phone, CANCELAR_TWICE[:9])
    assert "CREDITO" in bodies[-1]  # the paused request: how to go on
    assert not await _opted_out(live.database_url, phone)
    await converse(live, phone, CANCELAR_TWICE[9:11])
    assert await _opted_out(live.database_url, phone)
    await converse(live, phone, CANCELAR_TWICE[11:])
    assert not await _opted_out(live.database_url, phone)


async def test_my_data_on_sms_lists_the_answers_with_the_cedula_masked(live: Stack) -> None:
    phone = new_phone()
    bodies = await converse(
        live,
        phone,
        [
            ("necesito un credito pa mi tienda", "Antes de pedirle datos"),
            ("1", "nombre completo"),
            ("me llamo Dora Elena Munera", "años tiene"),
            ("47", "cedula"),
            ("43.987.654", "municipio"),
            ("q datos tienen mios", "Tenemos de usted"),
        ],
    )
    listing = bodies[-1]
    for said in ("Dora Elena Munera", "47 años", "termina en 654", "WhatsApp", "BORRAR MIS DATOS"):
        assert said in listing, listing
    assert "43987654" not in listing and "987654" not in listing
    reply = [row for row in await messages_of(live.database_url, phone) if row.direction == "out"][-1]
    assert reply.body == listing and reply.segments is not None and reply.segments <= 2
