"""What a learner's message asks of the course; opt-out keywords alone are never a course command."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.keywords import load_keyword_rules
from bot.lessons.answers import LearnerCommand, learner_command, quiz_choice
from bot.lessons.content import load_courses

DATA = Path(__file__).resolve().parents[3] / "data"


COMMANDS: list[tuple[str, LearnerCommand]] = [
    ("siguiente", "next"), ("sigiente", "next"), ("siguente", "next"), ("la siguiente", "next"),
    ("otra leccion", "next"), ("mandeme la otra", "next"), ("continuar con la siguiente", "next"),
    ("SIGUIENTE", "next"), ("Siguiente.", "next"), ("siguiente lección", "next"), ("la próxima", "next"),
    ("mandeme otra", "next"), ("quiero la siguiente leccion", "next"), ("sigiente porfa", "next"),
    ("listo, siguiente", "next"),
    ("pausar", "pause"), ("pausa", "pause"), ("pause el curso", "pause"), ("ahora no puedo, pausar", "pause"),
    ("detener el curso", "pause"), ("pausa por favor", "pause"), ("hacer una pausa", "pause"),
    ("poner en pausa el curso", "pause"), ("parar el curso", "pause"), ("PAUSAR", "pause"),
    ("seguir", "resume"), ("SEGUIR", "resume"), ("continuar", "resume"), ("quiero seguir con el curso", "resume"),
    ("retomar", "resume"), ("quiero seguir", "resume"), ("seguir con las lecciones", "resume"),
    ("volver al curso", "resume"), ("contiuar", "resume"), ("Seguir!", "resume"),
    ("como voy", "progress"), ("¿cómo voy?", "progress"), ("cuanto me falta", "progress"),
    ("mi avance", "progress"), ("ver el avance del curso", "progress"), ("mi progreso", "progress"), ("como voy en el curso", "progress"), ("¿Cuántas lecciones me faltan?", "progress"),
    ("en que leccion voy", "progress"), ("como voy para terminar el curso", "progress"),
    ("cambiar de curso", "switch"), ("otro curso", "switch"), ("quiero otro curso", "switch"),
    ("quiero cambiar de curso", "switch"),
    ("dejar el curso", "leave"), ("salir del curso", "leave"), ("ya no quiero el curso", "leave"),
    ("terminar el curso", "leave"), ("no quiero seguir", "leave"), ("no mas lecciones", "leave"),
    ("cancelar el curso", "leave"), ("Ya no quiero seguir con el curso", "leave"),
    ("cursos", "courses"), ("ver cursos", "courses"), ("lecciones", "courses"), ("quiero aprender", "courses"),
    ("¿Qué cursos hay?", "courses"), ("quiero ver otros cursos", "courses"),
]  # fmt: skip


@pytest.mark.parametrize(("message", "command"), COMMANDS)
def test_a_learner_command(message: str, command: LearnerCommand) -> None:
    assert learner_command(message) == command


@pytest.mark.parametrize(
    "message",
    [
        "cuanto debo", "hola", "si", "1", "", "no", "gracias", "quiero un credito", "seguro", "quiero pagar",
        "otra", "curso", "cual es la siguiente cuota", "cuando es el siguiente pago", "cuanto me falta por pagar",
        "como voy con el credito", "no quiero seguir recibiendo mensajes", "quiero aprender a llevar cuentas",
        "pausa el pago", "mañana", "a las 3", "la 2", "avance", "quiero un avance", "la proxima semana",
        "quiero dejar de recibir mensajes", "mandeme otra vez", "no mas",
    ],
)  # fmt: skip
def test_other_messages_are_no_command(message: str) -> None:
    assert learner_command(message) is None


def test_every_keyword_alone_stays_what_the_gateway_makes_it() -> None:
    """The gateway matches opt-out, opt-in and help first; alone, none of them is a course command."""
    rules = load_keyword_rules(DATA / "keywords.yml")
    words = (*rules.opt_out.words, *rules.opt_in.words, *rules.help.words)
    assert "detener" in words and "salir" in words  # the ones a course command comes closest to
    for word in words:
        for written in (word, word.upper(), word.capitalize() + "."):
            assert learner_command(written) is None, written


def test_no_command_reads_as_an_answer_to_any_shipped_quiz() -> None:
    """The gateway tries the quiz first: "seguir" or "cómo voy" must never answer a shipped question."""
    quizzes = [lesson.quiz for course in load_courses(DATA) for lesson in course.lessons]
    for message, _ in COMMANDS:
        for quiz in quizzes:
            assert quiz_choice(message, [option.title for option in quiz.options]) is None, (message, quiz)
