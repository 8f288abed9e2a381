"""How learners write: a typed quiz answer, a course command, the rhythm they pick. Pure functions.

``quiz_choice`` reads "2", "la b", "opción dos", "la segunda", a copied option line ("1. Anotar cada
venta"), the option's words with typos ("anotar las ventas" for "Anotar cada venta") or its amount
("100 mil", "cien mil", "100.000" for "$100.000"; "10" for "$10.000" when 10 is no option number).
It answers ``None`` whenever the message is not clearly ONE option: out of range ("5" of three), two
at once ("1 o 2"), a question ("no entiendo"), words as close to two options as to one: the text then
goes elsewhere (a command, Rasa), never a guessed answer. A number names the option in that place
even when the options are amounts ("2" of "$2.000 / $10.000" is "$10.000", as the numbered menu says).

``learner_command`` (bot/lessons/learner_commands.py) and ``rhythm_choice`` (bot/lessons/rhythm.py)
are re-exported here: the gateway imports all three from this module.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

from rapidfuzz import fuzz

from bot.lessons.learner_commands import LearnerCommand, learner_command
from bot.lessons.rhythm import HourOutside, Rhythm, rhythm_choice
from bot.menus import menu_number
from bot.prequal.money import parse_money
from bot.text import normalise

__all__ = ["HourOutside", "LearnerCommand", "Rhythm", "learner_command", "quiz_choice", "rhythm_choice"]

# Words people put around the option they mean: "creo que es la 2", "la respuesta es la b",
# "letra c", "la de anotar", "la 2 gracias". Not "no": "no es la 2" names no answer.
_FILLERS: Final = frozenset(
    {"la", "el", "lo", "opcion", "numero", "nro", "letra", "respuesta", "correcta", "mi", "es",
     "creo", "que", "seria", "sera", "pues", "yo", "digo", "de", "dice", "del", "pienso", "eh", "mmm", "ok",
     "bueno", "gracias", "porfa", "si", "entonces", "esa", "ese", "escojo", "elijo", "marco", "me", "parece",
     "voy", "con"}
)  # fmt: skip
_ARTICLES: Final = frozenset({"una", "uno"})  # "una foto clara": an article, not option 1
_CONNECTORS: Final = frozenset({"o", "u", "y", "e", "ni"})
_LETTERS: Final = "abcd"
# Words that carry no meaning when comparing a reply with an option's words.
_STOPWORDS: Final = frozenset(
    {"la", "el", "los", "las", "lo", "de", "del", "en", "a", "al", "un", "una", "unas", "unos", "y", "o",
     "que", "con", "por", "para", "le", "se", "su", "sus", "mi", "es", "creo", "dice", "pues", "yo",
     "seria", "opcion", "respuesta", "digo", "pienso", "eh", "mmm", "ok", "bueno", "gracias", "porfa"}
)  # fmt: skip
_NEGATIONS: Final = frozenset({"no", "nunca", "sin", "ni"})
# rapidfuzz token_set_ratio (0–100) of the reply's content words against each option's: the best
# option must reach WORDS_SCORE and lead the second by WORDS_MARGIN, else the reply is no clear answer.
# The tables in tests/unit/lessons/test_answers.py prove both: typos score 80–95, a word of another
# option below 60.
WORDS_SCORE: Final = 75
WORDS_MARGIN: Final = 15
_MIN_REPLY: Final = 3  # characters of content: "si", "ok", "la" never match an option's words
_THOUSAND: Final = 1_000
_GROUPED: Final = re.compile(r"(?<![0-9])[0-9]{1,3}(?:[.,' ][0-9]{3})+(?![0-9])")  # "1.200.000", "100 000"


def quiz_choice(text: str, options: Sequence[str]) -> int | None:
    """0-based option a typed quiz answer picks, or None (not an answer: the text goes elsewhere)."""
    words = normalise(text).split()
    if not words or not options:
        return None
    references, rest = _references(_amounts_joined(text))
    amount = _amount_choice(text, options)
    if references and (not rest or amount is None or amount < 0):
        return _referenced_choice(references, rest, options)  # "2", "la b", "1. Anotar cada venta"
    if amount is not None:  # "100 mil", "dos mil"
        return amount if amount >= 0 else None
    return _words_choice(words, options)


def _references(words: list[str]) -> tuple[list[int], list[str]]:
    """The option numbers/letters the reply names (0-based, maybe out of range) and its other words,
    fillers and connectors left out. Letters count only where they can be nothing else: alone with
    fillers ("la b"), or right after "opción"/"letra"."""
    references: list[int] = []
    rest: list[str] = []
    for position, word in enumerate(words):
        before = words[position - 1] if position else ""
        number = menu_number(word)
        if number is not None and not (len(words) > 1 and word in _ARTICLES):
            references.append(number - 1)
        elif len(word) == 1 and word in _LETTERS and (before in ("opcion", "letra") or _only_fillers(words)):
            references.append(_LETTERS.index(word))
        elif word not in _FILLERS and word not in _CONNECTORS:
            rest.append(word)
    return references, rest


def _amounts_joined(text: str) -> list[str]:
    """The words of the reply with grouped thousands kept whole: "2. $10.000" → ["2", "10000"]."""
    return normalise(_GROUPED.sub(lambda match: re.sub(r"\D", "", match[0]), text)).split()


def _only_fillers(words: list[str]) -> bool:
    return all(word in _FILLERS or word in _CONNECTORS or len(word) == 1 for word in words)


def _referenced_choice(references: list[int], rest: list[str], options: Sequence[str]) -> int | None:
    if len(set(references)) > 1:
        return None  # "1 o 2", "la a o la b"
    index = references[0]
    if rest:  # "1. Anotar cada venta", "2. $10.000": the words must name the same option
        named = _words_choice(rest, options), _amount_choice(" ".join(rest), options)
        return index if 0 <= index < len(options) and index in named else None
    if 0 <= index < len(options):
        return index
    return _thousands_choice(index + 1, options)


def _thousands_choice(number: int, options: Sequence[str]) -> int | None:
    """ "10" for "$10.000": a number that is no option's place, read as thousands of pesos."""
    amounts = [parse_money(option) for option in options]
    matching = [index for index, value in enumerate(amounts) if value == number * _THOUSAND]
    return matching[0] if len(matching) == 1 else None


def _amount_choice(text: str, options: Sequence[str]) -> int | None:
    """The option whose amount the reply writes ("100 mil" for "$100.000", "260" for "$260.000"); -1
    for an amount that is no option; None when the reply or the options hold no amounts."""
    amount = parse_money(text)
    amounts = [parse_money(option) for option in options]
    if amount is None or all(value is None for value in amounts):
        return None
    matching = [index for index, value in enumerate(amounts) if value == amount]
    if not matching and amount < _THOUSAND:
        matching = [index for index, value in enumerate(amounts) if value == amount * _THOUSAND]
    return matching[0] if len(matching) == 1 else -1


def _words_choice(words: list[str], options: Sequence[str]) -> int | None:
    reply = _content(words)
    if len(reply.replace(" ", "")) < _MIN_REPLY:
        return None
    titles = [_content(normalise(option).split()) for option in options]
    if reply in titles:
        return titles.index(reply)
    scored = sorted(((_similarity(reply, title), index) for index, title in enumerate(titles)), reverse=True)
    best_score, best = scored[0]
    runner_up = scored[1][0] if len(scored) > 1 else 0.0
    if best_score < WORDS_SCORE or best_score - runner_up < WORDS_MARGIN:
        return None
    if _NEGATIONS.intersection(reply.split()) and not _NEGATIONS.intersection(titles[best].split()):
        return None  # "no confiar en la memoria" is no vote for "Confiar en la memoria"
    return best


def _content(words: Sequence[str]) -> str:
    kept = [word for word in words if word not in _STOPWORDS]
    return " ".join(kept or words)


def _similarity(reply: str, title: str) -> float:
    return float(fuzz.token_set_ratio(reply, title)) if title else 0.0
