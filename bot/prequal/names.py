"""Whether an answer to "¿Cuál es su nombre completo?" is a name (the word lists: data/names.yml).

A name is two or more words of letters (accents, ñ, apostrophes and hyphens are fine) with no laughter
("jajaja"), insult, number or filler ("no se", "q pereza", "para que"). A name we are not sure of — one
word, a word that is also a common noun ("tienda rosita"), very long — is ``Doubtful``: the form asks
"¿Su nombre es …?" instead of refusing it. Used by the form (bot/dialogue/prequal_form.py) and by
whatever reads a name in a first message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Final, Literal, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.prequal.answers import Invalid, Parsed, parse_name
from bot.text import normalise

NAMES_FILE: Final = "names.yml"
DoubtReason = Literal["one_word", "common_word", "long"]
NameReason = Literal["no_name_given", "name_retry"]
_PARTICLES: Final = frozenset({"de", "del", "la", "las", "los", "y"})
_VOWELS: Final = frozenset("aeiouy")
_SAME_LETTER_THRICE: Final = re.compile(r"(.)\1\1")


@dataclass(frozen=True, slots=True)
class Doubtful:
    """A name to confirm with the person ("¿Su nombre es Ana?") before taking it."""

    value: str
    why: DoubtReason


class NameRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    laughter: tuple[str, ...] = Field(min_length=1)  # whole-word regular expressions
    insults: frozenset[str]
    not_name_words: frozenset[str]
    titles: frozenset[str]
    common_words: frozenset[str]
    max_words: int = Field(ge=2, le=12)
    confirm: str = Field(min_length=5)
    reasks: dict[str, str]  # one text for each NameReason

    @field_validator("insults", "not_name_words", "titles", "common_words")
    @classmethod
    def _normalised(cls, words: frozenset[str]) -> frozenset[str]:
        return frozenset(normalise(word) for word in words)

    @field_validator("laughter")
    @classmethod
    def _compiles(cls, patterns: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"laughter pattern {pattern!r}: {exc}") from None
        return patterns

    @field_validator("reasks")
    @classmethod
    def _every_reason(cls, reasks: dict[str, str]) -> dict[str, str]:
        if set(reasks) != set(get_args(NameReason)):
            raise ValueError(f"reasks must be exactly {sorted(get_args(NameReason))}")
        return reasks

    @field_validator("confirm")
    @classmethod
    def _names_the_name(cls, text: str) -> str:
        if "{name}" not in text:
            raise ValueError("confirm must contain {name}")
        return text

    @cached_property
    def _laughter(self) -> re.Pattern[str]:
        return re.compile("|".join(f"(?:{pattern})" for pattern in self.laughter))

    def is_not_a_name(self, word: str) -> bool:
        """A word no name has: laughter, an insult, filler, no vowel ("hp"), a letter thrice ("aaa")."""
        return (
            word in self.insults
            or word in self.not_name_words
            or self._laughter.fullmatch(word) is not None
            or (word.isalpha() and len(word) > 1 and not _VOWELS.intersection(word))
            or (word.isalpha() and _SAME_LETTER_THRICE.search(word) is not None)
        )


def read_name(text: str, rules: NameRules) -> Parsed[str] | Doubtful | Invalid:
    """The full name in ``text``, title-cased; ``Doubtful`` to confirm; ``Invalid`` with the reason."""
    if any(rules.is_not_a_name(word) for word in normalise(text).split()):
        return Invalid("no_name_given")
    parsed = parse_name(text)
    if isinstance(parsed, Invalid):
        return parsed
    words = parsed.value.split()
    while len(words) > 1 and normalise(words[0]) in rules.titles:  # "la señora Gladys Zapata"
        words = words[1:]
    name = " ".join(words)
    if len(words) == 1:
        return Doubtful(name, "one_word")
    folded = [normalise(word) for word in words]
    if rules.common_words.intersection(folded):
        return Doubtful(name, "common_word")
    if sum(word not in _PARTICLES for word in folded) > rules.max_words:
        return Doubtful(name, "long")
    return Parsed(name)


def load_name_rules(path: Path) -> NameRules:
    return NameRules.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
