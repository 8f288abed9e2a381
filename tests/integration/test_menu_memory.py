"""The numbered menu a reply like "1" answers is the one of the last turn sent, never an older one."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from bot.menus import remember_menu, resolve_choice
from bot.rasa_client import Button
from tests.conftest import REDIS_BASE

SECTORS = tuple(
    Button(title=t, payload=t) for t in ("Comercio", "Servicios", "Agro", "Belleza", "Transporte", "Otro")
)


@pytest.fixture
async def redis(redis_db: int) -> AsyncIterator[Redis]:
    client = Redis.from_url(f"{REDIS_BASE}/{redis_db}")
    yield client
    await client.aclose()


async def test_a_turn_without_a_menu_forgets_the_last_one(redis: Redis) -> None:
    await remember_menu(redis, 7, SECTORS)
    assert await resolve_choice(redis, 7, "6") == "Otro"
    await remember_menu(redis, 7, ())  # "¿Hace cuánto tiempo tiene su negocio?"
    assert await resolve_choice(redis, 7, "6") is None  # six months, not "Otro"


async def test_menus_are_per_conversation(redis: Redis) -> None:
    await remember_menu(redis, 1, SECTORS)
    await remember_menu(redis, 2, ())
    assert await resolve_choice(redis, 1, "la primera") == "Comercio"
    assert await resolve_choice(redis, 2, "1") is None


async def test_a_typed_answer_to_a_documents_question_is_its_button(redis: Redis) -> None:
    """Only the gateway knows it asked "¿Su negocio tiene RUT?": the remembered buttons say which."""
    formal = (  # the gateway's titles (data/documents.yml conversation:)
        Button(title="Sí, tiene RUT", payload='/documents_formal{"formal":"si"}'),
        Button(title="No", payload='/documents_formal{"formal":"no"}'),
    )
    await remember_menu(redis, 3, formal)
    assert await resolve_choice(redis, 3, "sí tengo rut") == formal[0].payload
    assert await resolve_choice(redis, 3, "no, es informal") == formal[1].payload
    assert await resolve_choice(redis, 3, "si") == formal[0].payload
    assert await resolve_choice(redis, 3, "no se que es eso") is None  # to Rasa as it is
    consent = (
        Button(title="Sí, autorizo", payload='/documents_sensitive_consent{"accepted":"si"}'),
        Button(title="No autorizo", payload='/documents_sensitive_consent{"accepted":"no"}'),
    )
    await remember_menu(redis, 3, consent)
    assert await resolve_choice(redis, 3, "acepto") == consent[0].payload
    assert await resolve_choice(redis, 3, "no acepto") == consent[1].payload
    assert await resolve_choice(redis, 3, "si") == consent[0].payload
    assert await resolve_choice(redis, 3, "no, no quiero") == consent[1].payload
