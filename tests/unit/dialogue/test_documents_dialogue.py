"""Documents answers as gateway commands: the payload's entity first, typed words when there is none, and
the checklist (documents_status) instead of a guess."""

from __future__ import annotations

import pytest

from bot.dialogue.documents import (
    formal_command,
    sensitive_consent_command,
    sms_route_command,
    status_command,
)

STATUS = {"famibot_command": "documents_status"}


def entity(name: str, value: str) -> list[dict[str, str]]:
    return [{"entity": name, "value": value}]


def test_status() -> None:
    assert status_command() == STATUS


@pytest.mark.parametrize(
    ("entities", "text", "expected"),
    [
        (entity("accepted", "si"), '/documents_sensitive_consent{"accepted":"si"}', True),
        (entity("accepted", "Sí"), '/documents_sensitive_consent{"accepted":"Sí"}', True),
        (entity("accepted", "no"), '/documents_sensitive_consent{"accepted":"no"}', False),
        ([], "si", True),
        ([], "no", False),
        ([], "no acepto", False),
        ([], "si autorizo", True),
    ],
)
def test_sensitive_consent(entities: list[dict[str, str]], text: str, expected: bool) -> None:
    assert sensitive_consent_command(entities, text) == {
        "famibot_command": "documents_sensitive_consent",
        "accepted": expected,
    }


@pytest.mark.parametrize(
    ("entities", "text"),
    [
        ([], "/documents_sensitive_consent"),  # a button without its value
        (entity("accepted", "quizas"), '/documents_sensitive_consent{"accepted":"quizas"}'),
        ([], "no se, para que la quieren?"),
        ([], "tal vez"),
    ],
)
def test_sensitive_consent_never_guessed(entities: list[dict[str, str]], text: str) -> None:
    assert sensitive_consent_command(entities, text) == STATUS


@pytest.mark.parametrize(
    ("entities", "text", "expected"),
    [
        (entity("formal", "si"), '/documents_formal{"formal":"si"}', True),
        (entity("formal", "no"), '/documents_formal{"formal":"no"}', False),
        ([], "si", True),
        ([], "si tengo rut", True),
        ([], "mi negocio esta registrado en camara de comercio", True),
        ([], "no, es informal", False),
        ([], "no tengo rut", False),
        ([], "trabajo sin RUT", False),
    ],
)
def test_formal(entities: list[dict[str, str]], text: str, expected: bool) -> None:
    assert formal_command(entities, text) == {"famibot_command": "documents_formal", "formal": expected}


@pytest.mark.parametrize("text", ["/documents_formal", "que es el rut?", "ni idea"])
def test_formal_unread(text: str) -> None:
    assert formal_command([], text) == STATUS


@pytest.mark.parametrize(
    ("entities", "text", "expected"),
    [
        (entity("route", "relative"), '/documents_sms_route{"route":"relative"}', "relative"),
        (entity("route", "office"), '/documents_sms_route{"route":"office"}', "office"),
        (entity("route", "call"), '/documents_sms_route{"route":"call"}', "call"),
        ([], "se los mando con mi hija por whatsapp", "relative"),
        ([], "prefiero llevarlos a la oficina", "office"),
        ([], "mejor que me llamen", "call"),
    ],
)
def test_sms_route(entities: list[dict[str, str]], text: str, expected: str) -> None:
    assert sms_route_command(entities, text) == {"famibot_command": "documents_sms_route", "route": expected}


@pytest.mark.parametrize(
    ("entities", "text"),
    [
        (entity("route", "email"), '/documents_sms_route{"route":"email"}'),
        ([], "/documents_sms_route"),
        ([], "no se"),
        ([], "mi hija me llama y los llevo a la oficina"),  # two routes: ask again, do not pick one
    ],
)
def test_sms_route_unread(entities: list[dict[str, str]], text: str) -> None:
    assert sms_route_command(entities, text) == STATUS
