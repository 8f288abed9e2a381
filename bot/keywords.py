"""Opt-out, opt-in and help keywords: whole messages, matched before the bot runs.

The words and replies are data (``data/keywords.yml``), validated when the worker starts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bot.text import normalise

KeywordKind = Literal["opt_out", "opt_in", "help"]


class KeywordRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    words: tuple[str, ...] = Field(min_length=1)
    reply: str = Field(min_length=1, max_length=300)
    # Words that, while the bot is asking a form's questions, only stop the form (the bot's answer
    # then says which word stops the messages). Each must be one of ``words``.
    in_a_form_only_stop_it: tuple[str, ...] = ()

    @field_validator("words", "in_a_form_only_stop_it")
    @classmethod
    def _normalised(cls, words: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(normalise(word) for word in words)

    @model_validator(mode="after")
    def _form_words_are_words(self) -> KeywordRule:
        unknown = set(self.in_a_form_only_stop_it) - set(self.words)
        if unknown:
            raise ValueError(f"in_a_form_only_stop_it must be among words: {sorted(unknown)}")
        return self


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

    def only_stops_a_form(self, text: str) -> bool:
        """Whether this opt-out word ("CANCELAR") means "stop the questions" while a form runs."""
        return normalise(text) in self.opt_out.in_a_form_only_stop_it

    def rule(self, kind: KeywordKind) -> KeywordRule:
        rule: KeywordRule = getattr(self, kind)
        return rule


def load_keyword_rules(path: Path) -> KeywordRules:
    return KeywordRules.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
