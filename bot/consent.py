"""Consent under Ley 1581 de 2012: the text shown (data/consent.yml) and its version for the proof."""

from __future__ import annotations

import hashlib
import re
from functools import cached_property
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

from bot.my_data.content import MyDataTexts
from bot.rasa_client import BotReply, Button

# The shipped file names an example organisation: production must not show it to anyone.
_PLACEHOLDER = re.compile(r"\b(?:ejemplo|example)\b", re.IGNORECASE)
PLACEHOLDER_FIELDS = ("organisation", "contact", "policy_url")
ACCEPT_PAYLOAD = "/affirm"
DECLINE_PAYLOAD = "/deny"


class ConsentText(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    organisation: str = Field(min_length=1)
    contact: str = Field(min_length=3)
    policy_url: str = Field(min_length=3)
    purposes: tuple[str, ...] = Field(min_length=1)
    text: str = Field(min_length=20)
    accept_title: str = Field(min_length=1, max_length=20)
    decline_title: str = Field(min_length=1, max_length=20)
    again: str = Field(min_length=20)  # the short re-ask on SMS, after answering a question (not versioned)
    # Not part of the consent text (nor of its version): what the gateway says about the data.
    media_held: str = Field(min_length=20)
    erased: str = Field(min_length=20)
    my_data: MyDataTexts  # "¿Qué datos tienen míos?" (bot/my_data/)

    @cached_property
    def rendered(self) -> str:
        purposes = (
            ", ".join(self.purposes[:-1]) + " y " + self.purposes[-1]
            if len(self.purposes) > 1
            else self.purposes[0]
        )
        return self.text.format(
            organisation=self.organisation,
            purposes=purposes,
            contact=self.contact,
            policy_url=self.policy_url,
        )

    @cached_property
    def version(self) -> str:
        """What the proof records: the SHA-256 of exactly the text shown (with its answer options)."""
        shown = "\n".join([self.rendered, self.accept_title, self.decline_title])
        return hashlib.sha256(shown.encode("utf-8")).hexdigest()

    def placeholder_fields(self) -> tuple[str, ...]:
        """The fields that still hold the shipped example values ("Fundación Ejemplo", ejemplo.org)."""
        return tuple(name for name in PLACEHOLDER_FIELDS if _PLACEHOLDER.search(getattr(self, name)))

    def question(self, *, again: bool = False) -> BotReply:
        """The consent question; ``again``: the short re-ask that refers to the full text shown before."""
        buttons = (Button(self.accept_title, ACCEPT_PAYLOAD), Button(self.decline_title, DECLINE_PAYLOAD))
        return BotReply(text=self.again if again else self.rendered, buttons=buttons)


def load_consent(path: Path) -> ConsentText:
    consent = ConsentText.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    _ = consent.rendered  # a placeholder typo fails at start, not when someone asks for a loan
    return consent


def refuse_placeholders(consent: ConsentText, *, app_env: str) -> None:
    """Production never asks for consent in the name of an example organisation; dev and tests may."""
    fields = consent.placeholder_fields()
    if app_env == "prod" and fields:
        found = ", ".join(f"{name}={getattr(consent, name)!r}" for name in fields)
        raise ValueError(
            f"refusing to start in prod: data/consent.yml still has placeholders ({found}); "
            "set the data controller's name, contact and policy address there"
        )
