"""Opt-out, opt-in and help keywords: whole messages, matched before the bot runs.

The words and replies are data (``data/keywords.yml``), validated when the worker starts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from rapidfuzz import fuzz

from bot.text import normalise

KeywordKind = Literal["opt_out", "opt_in", "help"]
# How close (0-100, rapidfuzz) a message must be to a phrase: a few typos, not a different sentence.
PHRASE_SIMILARITY = 80


class KeywordRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    words: tuple[str, ...] = Field(min_length=1)
    reply: str = Field(min_length=1, max_length=300)
    # Opt-out words that never stop every message at once while the bot runs the conversation: in a
    # form they only pause it (the answer says which word stops the messages), elsewhere the bot asks
    # first ("¿Quiere dejar de recibir todos nuestros mensajes?"). Each must be one of ``words``.
    ask_first: tuple[str, ...] = ()
    # Sentences that mean the same as the words ("quiero volver a recibir mensajes"), matched with
    # small typos once ``ignored`` words are left out of both sides; a message with any word of
    # ``never_with`` ("no", "dejar") never matches, however close it is.
    phrases: tuple[str, ...] = ()
    ignored: frozenset[str] = frozenset()
    never_with: frozenset[str] = frozenset()

    @field_validator("words", "ask_first", "phrases")
    @classmethod
    def _normalised(cls, words: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(normalise(word) for word in words)

    @field_validator("ignored", "never_with")
    @classmethod
    def _normalised_set(cls, words: frozenset[str]) -> frozenset[str]:
        return frozenset(normalise(word) for word in words)

    @model_validator(mode="after")
    def _consistent(self) -> KeywordRule:
        unknown = set(self.ask_first) - set(self.words)
        if unknown:
            raise ValueError(f"ask_first must be among words: {sorted(unknown)}")
        contradicting = [phrase for phrase in self.phrases if set(phrase.split()) & self.never_with]
        if contradicting:
            raise ValueError(f"phrases must not hold a word of never_with: {contradicting}")
        return self

    def says_it(self, text: str) -> bool:
        """Whether the message is one of ``phrases``, give or take typos and polite words."""
        words = [word for word in normalise(text).split() if word not in self.ignored]
        if not words or self.never_with.intersection(words):
            return False
        message = " ".join(words)
        return any(
            fuzz.ratio(message, phrase, score_cutoff=PHRASE_SIMILARITY)
            or fuzz.token_sort_ratio(message, phrase, score_cutoff=PHRASE_SIMILARITY)
            for phrase in self._bare_phrases
        )

    @property
    def _bare_phrases(self) -> tuple[str, ...]:
        return tuple(" ".join(w for w in phrase.split() if w not in self.ignored) for phrase in self.phrases)


class KeywordRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    opt_out: KeywordRule
    opt_in: KeywordRule
    help: KeywordRule

    def match(self, text: str) -> KeywordKind | None:
        """The keyword this whole message is, if any ("Parar." → opt_out; "parar de vender" → None)."""
        message = normalise(text)
        if not message:
            return None
        for kind in ("opt_out", "opt_in", "help"):
            if message in self.rule(kind).words:
                return kind
        return None

    def asks_first(self, text: str) -> bool:
        """Whether this opt-out word ("CANCELAR") pauses a form, or is confirmed, before it stops all."""
        return normalise(text) in self.opt_out.ask_first

    def says_back_in(self, text: str) -> bool:
        """Whether an opted-out person asks, in plain words, for the messages back."""
        return self.opt_in.says_it(text)

    def rule(self, kind: KeywordKind) -> KeywordRule:
        rule: KeywordRule = getattr(self, kind)
        return rule


def load_keyword_rules(path: Path) -> KeywordRules:
    return KeywordRules.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
