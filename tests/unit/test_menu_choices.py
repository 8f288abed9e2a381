"""What an entrepreneur types after a numbered menu, and the option it picks (or None → Rasa)."""

from __future__ import annotations

import pytest

from bot.menus import choice_index, leading_yes_no, menu_number, yes_no_option

TITLES = ["Crédito", "Documentos", "Pagos", "Aprender", "Hablar con un asesor"]
YES_NO = ["Sí", "No"]


@pytest.mark.parametrize(
    ("reply", "titles", "index"),
    [
        ("1", TITLES, 0), ("1.", TITLES, 0), ("1)", TITLES, 0), (" 2 ", TITLES, 1), ("5", TITLES, 4),
        ("uno", TITLES, 0), ("Dos", TITLES, 1), ("la 1", TITLES, 0), ("la primera", TITLES, 0),
        ("La segunda", TITLES, 1), ("el tercero", TITLES, 2), ("opcion 4", TITLES, 3), ("opción 4", TITLES, 3),
        ("numero 5", TITLES, 4), ("quinta", TITLES, 4),
        ("Crédito", TITLES, 0), ("credito", TITLES, 0), ("CREDITO", TITLES, 0), ("credito.", TITLES, 0),
        ("credto", TITLES, 0), ("docmentos", TITLES, 1), ("documentos", TITLES, 1), ("pagos", TITLES, 2),
        ("apreder", TITLES, 3), ("asesor", TITLES, 4), ("hablar con un asesor", TITLES, 4),
        ("si", YES_NO, 0), ("Sí", YES_NO, 0), ("no", YES_NO, 1), ("2", YES_NO, 1),
    ],
)  # fmt: skip
def test_reply_picks_an_option(reply: str, titles: list[str], index: int) -> None:
    assert choice_index(reply, titles) == index


@pytest.mark.parametrize(
    "reply",
    [
        "6", "0", "10", "la sexta", "hola", "", "   ", "quiero un credito para mi negocio",
        "cuanto debo", "con", "un", "gracias", "123456789",
    ],
)  # fmt: skip
def test_anything_else_goes_to_rasa(reply: str) -> None:
    assert choice_index(reply, TITLES) is None


@pytest.mark.parametrize(
    ("reply", "number"),
    [("4", 4), ("4.", 4), ("la 2", 2), ("opcion cinco", 5), ("10", 10), ("11", None), ("0", None),
     ("35 años", None), ("credito", None), ("1036123456", None)],
)  # fmt: skip
def test_menu_number(reply: str, number: int | None) -> None:
    assert menu_number(reply) == number


# The gateway's documents questions (issue 11): two buttons, the yes and the no of one intent.
FORMAL = ['/documents_formal{"formal":"si"}', '/documents_formal{"formal":"no"}']
SENSITIVE = ['/documents_sensitive_consent{"accepted":"no"}', '/documents_sensitive_consent{"accepted":"si"}']


@pytest.mark.parametrize(
    ("reply", "payloads", "index"),
    [
        ("sí tengo rut", FORMAL, 0), ("si, tengo RUT", FORMAL, 0), ("Si señora", FORMAL, 0),
        ("claro que si", FORMAL, 0), ("no, es informal", FORMAL, 1), ("no tengo rut", FORMAL, 1),
        ("nop", FORMAL, 1), ("acepto", SENSITIVE, 1), ("Acepto.", SENSITIVE, 1), ("autorizo", SENSITIVE, 1),
        ("no acepto", SENSITIVE, 0), ("No, no acepto", SENSITIVE, 0), ("no autorizo eso", SENSITIVE, 0),
    ],
)  # fmt: skip
def test_a_typed_yes_or_no_picks_the_button_of_that_answer(
    reply: str, payloads: list[str], index: int
) -> None:
    assert yes_no_option(reply, payloads) == index


@pytest.mark.parametrize(
    "reply",
    ["no se", "no sé si tengo", "no estoy segura", "si pero no tengo camara", "no hay problema",
     "no tengo problema", "que es el rut", "tal vez", "", "q documentos me faltan"],
)  # fmt: skip
def test_doubts_and_other_messages_go_to_rasa(reply: str) -> None:
    assert yes_no_option(reply, FORMAL) is None
    assert leading_yes_no(reply) is None


@pytest.mark.parametrize(
    "payloads",
    [
        ["/affirm", "/deny"],  # the form's Sí / No: "no, en Itagüí" is a new answer there, not a no
        ['/documents_formal{"formal":"si"}', '/documents_sensitive_consent{"accepted":"no"}'],
        ['/documents_formal{"formal":"si"}', '/documents_formal{"formal":"si"}'],
        ['/documents_sms_route{"route":"relative"}', '/documents_sms_route{"route":"office"}'],
        [*FORMAL, "/show_menu"],
        ['/documents_formal{"formal":"si"', '/documents_formal{"formal":"no"}'],
    ],
)
def test_only_a_yes_no_pair_of_one_question_is_read_as_yes_or_no(payloads: list[str]) -> None:
    assert yes_no_option("si tengo rut", payloads) is None
