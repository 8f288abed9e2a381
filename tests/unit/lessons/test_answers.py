"""How learners answer a quiz, as they really write: no accents, typos, SMS habits, amounts."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.lessons.answers import WORDS_MARGIN, WORDS_SCORE, quiz_choice
from bot.lessons.content import load_courses
from bot.text import fold_accents

DATA = Path(__file__).resolve().parents[3] / "data"
HABITS = ["Anotar cada venta", "Confiar en la memoria", "Preguntarle al vecino"]
AMOUNTS = ["$100.000", "$260.000", "$80.000"]
SMALL_AMOUNTS = ["$150", "$300", "$3.000"]
MARGINS = ["$2.000", "$10.000", "$18.000"]
WAGES = ["$200.000", "$1.200.000", "Nada"]
FOUR = ["El arriendo", "El tinte de hoy", "El esmalte usado", "Nada"]
SHOP_WINDOW = ["Foto clara y precio", "Fotos sin precio", "Contestar mañana"]
WHY = ["Para saber si gana", "Para pagar menos", "No sirve de nada"]
CREDIT = ["Poner tope y fecha", "Fiarle lo que pida", "Fiar sin anotar"]


@pytest.mark.parametrize(
    ("reply", "options", "index"),
    [
        # the option's number, as people write it
        ("2", HABITS, 1), ("2.", HABITS, 1), ("2)", HABITS, 1), (" 2 ", HABITS, 1), ("la 2", HABITS, 1),
        ("opcion 2", HABITS, 1), ("opción dos", HABITS, 1), ("dos", HABITS, 1), ("la segunda", HABITS, 1),
        ("el segundo", HABITS, 1), ("numero 2", HABITS, 1), ("1", HABITS, 0), ("la primera", HABITS, 0),
        ("3", HABITS, 2), ("tres", HABITS, 2), ("creo que es la 2", HABITS, 1), ("la 2 gracias", HABITS, 1),
        ("Respuesta: 3", HABITS, 2), ("es la 1", HABITS, 0), ("4", FOUR, 3), ("la cuarta", FOUR, 3),
        # a letter
        ("b", HABITS, 1), ("B", HABITS, 1), ("b)", HABITS, 1), ("la b", HABITS, 1), ("opcion b", HABITS, 1),
        ("letra b", HABITS, 1), ("a", HABITS, 0), ("C", HABITS, 2), ("la respuesta es la b", HABITS, 1),
        ("d", FOUR, 3), ("Opción C.", HABITS, 2),
        # the numbered line copied back from the SMS
        ("1. Anotar cada venta", HABITS, 0), ("3. Preguntarle al vecino", HABITS, 2), ("2. $10.000", MARGINS, 1),
        # the option's words, exact or misspelt
        ("anotar cada venta", HABITS, 0), ("Anotar cada venta", HABITS, 0), ("ANOTAR CADA VENTA", HABITS, 0),
        ("anotar las ventas", HABITS, 0), ("anotr cada venta", HABITS, 0), ("anotar cada bemta", HABITS, 0),
        ("apuntar cada venta", HABITS, 0), ("la de anotar", HABITS, 0), ("anotar", HABITS, 0),
        ("confiar en la memoria", HABITS, 1), ("confiar en la memorua", HABITS, 1),
        ("confio en mi memoria", HABITS, 1), ("la de la memoria", HABITS, 1), ("memoria", HABITS, 1),
        ("vecino", HABITS, 2), ("preguntarle al besino", HABITS, 2), ("preguntar al vecino", HABITS, 2),
        ("el arriendo", FOUR, 0), ("arriendo", FOUR, 0), ("el tinte", FOUR, 1), ("nada", FOUR, 3),
        ("foto con precio", SHOP_WINDOW, 0), ("la foto clara con el precio", SHOP_WINDOW, 0),
        ("sin precio", SHOP_WINDOW, 1), ("contestar mañana", SHOP_WINDOW, 2), ("contestar manana", SHOP_WINDOW, 2),
        ("no sirve", WHY, 2), ("para saber", WHY, 0), ("pagar menos", WHY, 1), ("poner tope", CREDIT, 0),
        ("fiarle", CREDIT, 1), ("fiar sin anotar", CREDIT, 2), ("nada", WAGES, 2),
        # amounts, however they are written
        ("100000", AMOUNTS, 0), ("100.000", AMOUNTS, 0), ("$100 000", AMOUNTS, 0), ("100 mil", AMOUNTS, 0),
        ("cien mil", AMOUNTS, 0), ("80 mil", AMOUNTS, 2), ("80.000 pesos", AMOUNTS, 2), ("260", AMOUNTS, 1),
        ("la de 100 mil", AMOUNTS, 0), ("2", AMOUNTS, 1), ("150", SMALL_AMOUNTS, 0), ("$300", SMALL_AMOUNTS, 1),
        ("3 mil", SMALL_AMOUNTS, 2), ("3.000", SMALL_AMOUNTS, 2), ("tres mil", SMALL_AMOUNTS, 2),
        ("3", SMALL_AMOUNTS, 2), ("dos mil", MARGINS, 0), ("10", MARGINS, 1), ("18", MARGINS, 2),
        ("1.200.000", WAGES, 1), ("un millon doscientos", WAGES, 1), ("1,2 millones", WAGES, 1),
        ("200 lucas", WAGES, 0),
    ],
)  # fmt: skip
def test_a_quiz_answer_picks_one_option(reply: str, options: list[str], index: int) -> None:
    assert quiz_choice(reply, options) == index


@pytest.mark.parametrize(
    ("reply", "options"),
    [
        # out of range, or more than one option
        ("5", HABITS), ("4", HABITS), ("d", HABITS), ("la quinta", HABITS), ("0", HABITS), ("1 o 2", HABITS),
        ("la 1 o la 2", HABITS), ("a o b", HABITS), ("1 y 3", HABITS), ("anotar o confiar", HABITS),
        ("anotar y confiar", HABITS), ("1. Confiar en la memoria", HABITS), ("precio", SHOP_WINDOW),
        # questions and other messages
        ("no entiendo", HABITS), ("cuanto debo", HABITS), ("quiero hablar con un asesor", HABITS),
        ("siguiente", HABITS), ("no se", HABITS), ("ninguna", HABITS), ("todas", HABITS), ("", HABITS),
        ("   ", HABITS), ("?", HABITS), ("hola", HABITS), ("la", HABITS), ("si", HABITS), ("ok", HABITS),
        ("no confiar en la memoria", HABITS), ("no es la 2", HABITS), ("como asi", AMOUNTS), ("pausar", HABITS),
        # an amount that is no option
        ("90 mil", AMOUNTS), ("100", SMALL_AMOUNTS), ("12", MARGINS), ("1 millon", WAGES),
    ],
)  # fmt: skip
def test_anything_else_is_not_an_answer(reply: str, options: list[str]) -> None:
    assert quiz_choice(reply, options) is None


def _shipped_options() -> list[list[str]]:
    courses = load_courses(DATA)
    return [
        [option.title for option in lesson.quiz.options] for course in courses for lesson in course.lessons
    ]


@pytest.mark.parametrize("options", _shipped_options())
def test_every_shipped_option_is_picked_by_its_number_letter_and_words(options: list[str]) -> None:
    """Whatever a content person writes, the learner can answer it every way the prompt suggests."""
    for index, title in enumerate(options):
        for reply in (
            str(index + 1),
            "abcd"[index],
            title,
            fold_accents(title).lower(),
            f"{index + 1}. {title}",
        ):
            assert quiz_choice(reply, options) == index, (reply, options)
    assert quiz_choice(str(len(options) + 1), options) is None


def test_the_words_thresholds_are_strict_enough_to_refuse_a_near_tie() -> None:
    """One shared word with two options ("precio") is no answer; the constants stay meaningful."""
    assert 60 < WORDS_SCORE <= 90 and 10 <= WORDS_MARGIN <= 30
    assert quiz_choice("precio", SHOP_WINDOW) is None
