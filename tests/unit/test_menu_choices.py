"""What an entrepreneur types after a numbered menu, and the option it picks (or None → Rasa)."""

from __future__ import annotations

import pytest

from bot.menus import choice_index, menu_number

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
