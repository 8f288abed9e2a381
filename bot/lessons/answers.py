"""How learners write: a typed quiz answer, a course command, the rhythm they pick. Pure functions.

``quiz_choice`` reads "2", "la b", "opción dos", "la segunda", the option's words with typos
("anotar las ventas" for "Anotar cada venta") or its amount ("100 mil" for "$100.000"). It answers
``None`` whenever the message is not clearly ONE option: out of range ("5" of three), two at once
("1 o 2"), a question ("no entiendo"): the text then goes elsewhere (a command, Rasa), never a
guessed answer.

``learner_command`` reads what a message asks of the course ("siguiente", "pausar", "¿cómo voy?").
The opt-out keywords (data/keywords.yml: PARAR, DETENER, SALIR…) are matched BEFORE it in the gateway
and stay opt-outs: alone they are never a course command here ("detener el curso" is a pause).

``rhythm_choice`` lives in ``bot.lessons.rhythm`` and is re-exported here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final, Literal

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from bot.lessons.rhythm import HourOutside, Rhythm, rhythm_choice
from bot.menus import menu_number
from bot.prequal.money import parse_money
from bot.text import normalise

__all__ = ["HourOutside", "LearnerCommand", "Rhythm", "learner_command", "quiz_choice", "rhythm_choice"]

LearnerCommand = Literal["next", "pause", "resume", "progress", "switch", "leave", "courses"]

# Words people put before the option they mean: "creo que es la 2", "la respuesta es la b",
# "letra c", "la de anotar", "la que dice confiar".
_LEADING: Final = frozenset(
    {"la", "el", "lo", "opcion", "numero", "nro", "letra", "respuesta", "mi", "es", "creo", "que",
     "seria", "sera", "pues", "yo", "digo", "de", "dice", "del", "pienso", "eh", "mmm", "ok", "bueno"}
)  # fmt: skip
_CONNECTORS: Final = frozenset({"o", "u", "y", "e", "ni", "la", "el", "opcion", "letra", "numero"})
_LETTERS: Final = "abcd"
# Words that carry no meaning when comparing a reply with an option's words.
_STOPWORDS: Final = frozenset(
    {"la", "el", "los", "las", "lo", "de", "del", "en", "a", "al", "un", "una", "y", "o", "que",
     "con", "por", "para", "le", "se", "su", "sus", "mi", "es", "creo", "dice", "pues", "yo"}
)  # fmt: skip
# rapidfuzz token_set_ratio (0–100) of the reply's content words against an option's: the best option
# must reach WORDS_SCORE and lead the second by WORDS_MARGIN, else the reply is no clear answer.
WORDS_SCORE: Final = 75
WORDS_MARGIN: Final = 15


def quiz_choice(text: str, options: Sequence[str]) -> int | None:
    """0-based option a typed quiz answer picks, or None (not an answer: the text goes elsewhere)."""
    words = normalise(text).split()
    if not words or not options:
        return None
    reference = _reference(words, len(options))
    if reference is not None:
        return reference if reference >= 0 else None
    amount = _amount_choice(text, options)
    if amount is not None:
        return amount if amount >= 0 else None
    return _words_choice(words, options)


def _reference(words: list[str], count: int) -> int | None:
    """An option named by number or letter: its index; -1 when the reply only names options but not
    exactly one that exists ("5" of three, "1 o 2"); None when the reply is not made of references."""
    picked: set[int] = set()
    for word in words:
        index = _referenced(word, count)
        if index is not None:
            picked.add(index)
        elif word not in _LEADING and word not in _CONNECTORS:
            return None
    if not picked:
        return None
    if len(picked) > 1:
        return -1
    index = picked.pop()
    return index if 0 <= index < count else -1


def _referenced(word: str, count: int) -> int | None:
    """The index one word names ("2", "dos", "segunda", "b"), possibly out of range; else None."""
    if len(word) == 1 and word in _LETTERS:
        return _LETTERS.index(word)
    number = menu_number(word)
    return None if number is None else number - 1


def _amount_choice(text: str, options: Sequence[str]) -> int | None:
    """The option whose amount the reply writes ("100 mil" for "$100.000"); -1 for an amount that is
    no option; None when the reply or the options hold no amounts."""
    amount = parse_money(text)
    if amount is None:
        return None
    amounts = [parse_money(option) for option in options]
    if all(value is None for value in amounts):
        return None
    matching = [index for index, value in enumerate(amounts) if value == amount]
    return matching[0] if len(matching) == 1 else -1


def _words_choice(words: list[str], options: Sequence[str]) -> int | None:
    while len(words) > 1 and words[0] in _LEADING:
        words = words[1:]
    reply = _content(words)
    if len(reply) < 3:
        return None
    titles = [_content(normalise(option).split()) for option in options]
    if reply in titles:
        return titles.index(reply)
    scored = sorted(((_similarity(reply, title), index) for index, title in enumerate(titles)), reverse=True)
    best_score, best = scored[0]
    runner_up = scored[1][0] if len(scored) > 1 else 0.0
    if best_score >= WORDS_SCORE and best_score - runner_up >= WORDS_MARGIN:
        return best
    return None


def _content(words: Sequence[str]) -> str:
    kept = [word for word in words if word not in _STOPWORDS]
    return " ".join(kept or words)


def _similarity(reply: str, title: str) -> float:
    if not title:
        return 0.0
    return float(fuzz.token_set_ratio(reply, title))


# --- learner commands ------------------------------------------------------------------------------

_COMMAND_PATTERNS: Final[tuple[tuple[LearnerCommand, re.Pattern[str]], ...]] = (
    (
        "leave",
        re.compile(r"\b(dejar|salir|salirme|terminar|abandonar|retirarme)( de)? (el|del|este|mi) curso\b"),
    ),
    ("leave", re.compile(r"\bno (quiero|voy a) (mas|seguir|continuar)?\s*(con )?(el|este|ese)? ?curso\b")),
    ("leave", re.compile(r"\bno quiero (seguir|continuar)\b")),
    ("switch", re.compile(r"\b(cambiar|cambio|cambiarme)( de)? curso\b|\botro curso\b")),
    ("pause", re.compile(r"\bpaus(a|ar|e|arlo|elo|alo)\b|\b(detener|parar|suspender)( el| este)? curso\b")),
    (
        "next",
        re.compile(r"\bsiguiente\b|\botra leccion\b|\bproxima leccion\b|\b(mandeme|envieme|deme) la otra\b"),
    ),
    (
        "progress",
        re.compile(r"\bcomo voy\b|\bcuanto me falta\b|\bmi (avance|progreso)\b|\ben que (voy|leccion voy)\b"),
    ),
    (
        "resume",
        re.compile(r"^(quiero |voy a )?(seguir|continuar|retomar|reanudar)( con)?( el| mi)?( curso)?$"),
    ),
    ("courses", re.compile(r"^((ver|mostrar|ver los) )?(cursos|lecciones)$|^quiero aprender$")),
)
# Command words people misspell ("sigiente"): corrected when one typo away.
_VOCABULARY: Final = ("siguiente", "pausar", "continuar", "retomar", "lecciones", "leccion", "cursos")


def learner_command(text: str) -> LearnerCommand | None:
    """What a learner's message asks of the course, or None."""
    message = " ".join(_corrected(word) for word in normalise(text).split())
    if not message:
        return None
    for command, pattern in _COMMAND_PATTERNS:
        if pattern.search(message):
            return command
    return None


def _corrected(word: str) -> str:
    if len(word) < 6:
        return word
    for known in _VOCABULARY:
        if word != known and OSA.distance(word, known, score_cutoff=1) <= 1:
            return known
    return word
