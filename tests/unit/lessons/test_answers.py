"""How learners answer a quiz and command a course, as they really write (no accents, typos, SMS)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.keywords import load_keyword_rules
from bot.lessons.answers import LearnerCommand, learner_command, quiz_choice

DATA = Path(__file__).resolve().parents[3] / "data"
HABITS = ["Anotar cada venta", "Confiar en la memoria", "Preguntarle al vecino"]
AMOUNTS = ["$100.000", "$260.000", "$80.000"]
SMALL_AMOUNTS = ["$150", "$300", "$3.000"]
FOUR = ["El arriendo", "El tinte de hoy", "El esmalte usado", "Nada"]


@pytest.mark.parametrize(
    ("reply", "options", "index"),
    [
        # numbers
        ("2", HABITS, 1), ("2.", HABITS, 1), ("2)", HABITS, 1), (" 2 ", HABITS, 1), ("la 2", HABITS, 1),
        ("opcion 2", HABITS, 1), ("opción dos", HABITS, 1), ("dos", HABITS, 1), ("la segunda", HABITS, 1),
        ("el segundo", HABITS, 1), ("numero 2", HABITS, 1), ("1", HABITS, 0), ("la primera", HABITS, 0),
        ("3", HABITS, 2), ("tres", HABITS, 2), ("creo que es la 2", HABITS, 1), ("4", FOUR, 3),
        # letters
        ("b", HABITS, 1), ("B", HABITS, 1), ("b)", HABITS, 1), ("la b", HABITS, 1), ("opcion b", HABITS, 1),
        ("letra b", HABITS, 1), ("a", HABITS, 0), ("C", HABITS, 2), ("la respuesta es la b", HABITS, 1),
        ("d", FOUR, 3),
        # the option's words
        ("anotar cada venta", HABITS, 0), ("Anotar cada venta", HABITS, 0), ("anotar las ventas", HABITS, 0),
        ("confiar en la memoria", HABITS, 1), ("la de anotar", HABITS, 0), ("anotar", HABITS, 0),
        ("memoria", HABITS, 1), ("vecino", HABITS, 2), ("preguntarle al vesino", HABITS, 2),
        ("el arriendo", FOUR, 0), ("arriendo", FOUR, 0), ("el tinte", FOUR, 1), ("nada", FOUR, 3),
        # amounts
        ("100000", AMOUNTS, 0), ("100.000", AMOUNTS, 0), ("$100 000", AMOUNTS, 0), ("100 mil", AMOUNTS, 0),
        ("cien mil", AMOUNTS, 0), ("80 mil", AMOUNTS, 2), ("80.000 pesos", AMOUNTS, 2), ("2", AMOUNTS, 1),
        ("150", SMALL_AMOUNTS, 0), ("$300", SMALL_AMOUNTS, 1), ("3 mil", SMALL_AMOUNTS, 2),
        ("3.000", SMALL_AMOUNTS, 2), ("3", SMALL_AMOUNTS, 2),
    ],
)  # fmt: skip
def test_a_quiz_answer_picks_one_option(reply: str, options: list[str], index: int) -> None:
    assert quiz_choice(reply, options) == index


@pytest.mark.parametrize(
    ("reply", "options"),
    [
        ("5", HABITS), ("4", HABITS), ("d", HABITS), ("la quinta", HABITS), ("1 o 2", HABITS),
        ("la 1 o la 2", HABITS), ("a o b", HABITS), ("anotar o confiar", HABITS), ("no entiendo", HABITS),
        ("cuanto debo", HABITS), ("quiero hablar con un asesor", HABITS), ("siguiente", HABITS),
        ("", HABITS), ("   ", HABITS), ("?", HABITS), ("hola", HABITS), ("la", HABITS),
        ("90 mil", AMOUNTS), ("260", AMOUNTS), ("como asi", AMOUNTS),
    ],
)  # fmt: skip
def test_anything_else_is_not_an_answer(reply: str, options: list[str]) -> None:
    assert quiz_choice(reply, options) is None


@pytest.mark.parametrize(
    ("message", "command"),
    [
        ("siguiente", "next"), ("sigiente", "next"), ("la siguiente", "next"), ("otra leccion", "next"),
        ("mandeme la otra", "next"), ("continuar con la siguiente", "next"), ("SIGUIENTE", "next"),
        ("pausar", "pause"), ("pausa", "pause"), ("pause el curso", "pause"),
        ("ahora no puedo, pausar", "pause"), ("detener el curso", "pause"),
        ("seguir", "resume"), ("SEGUIR", "resume"), ("continuar", "resume"),
        ("quiero seguir con el curso", "resume"), ("retomar", "resume"),
        ("como voy", "progress"), ("¿cómo voy?", "progress"), ("cuanto me falta", "progress"),
        ("mi avance", "progress"), ("como voy en el curso", "progress"),
        ("cambiar de curso", "switch"), ("otro curso", "switch"), ("quiero otro curso", "switch"),
        ("dejar el curso", "leave"), ("salir del curso", "leave"), ("ya no quiero el curso", "leave"),
        ("terminar el curso", "leave"),
        ("cursos", "courses"), ("ver cursos", "courses"), ("lecciones", "courses"),
        ("quiero aprender", "courses"),
    ],
)  # fmt: skip
def test_a_learner_command(message: str, command: LearnerCommand) -> None:
    assert learner_command(message) == command


@pytest.mark.parametrize(
    "message",
    ["cuanto debo", "hola", "si", "1", "", "gracias", "quiero un credito", "detener", "parar"],
)
def test_other_messages_are_no_command(message: str) -> None:
    assert learner_command(message) is None


def test_every_opt_out_keyword_alone_stays_an_opt_out() -> None:
    """The gateway matches opt-outs first; alone, none of them may read as a course command."""
    rules = load_keyword_rules(DATA / "keywords.yml")
    for word in (*rules.opt_out.words, *rules.opt_in.words, *rules.help.words):
        for written in (word, word.upper(), word.capitalize() + "."):
            assert learner_command(written) is None, written
