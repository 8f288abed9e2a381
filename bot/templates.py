"""WhatsApp Content templates (data/whatsapp_templates.yml): which button sets have one, the text
templates (with numbered variables) a consultant's reply opens a closed 24 h window with, and the
quick-reply templates with their own body and variables that a scheduled job sends outside the window
(e.g. ``leccion_lista``: "su lección está lista", with a button whose payload comes back as the answer)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from bot.rasa_client import Button

_VARIABLE = re.compile(r"\{\{(\d+)\}\}")


class TemplateButton(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = Field(min_length=1, max_length=24)  # WhatsApp's limit for a button or list row
    payload: str = Field(pattern=r"^/\w+$")


class TemplateVariable(BaseModel):
    """One numbered variable of a text template: what it holds, and what to put when it is unknown."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    fallback: str | None = Field(default=None, min_length=1)


class ContentTemplate(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    kind: Literal["quick-reply", "list-picker", "text"]
    content_sid: str = Field(pattern=r"^HX[0-9a-f]{32}$")
    business_initiated: bool = False
    buttons: tuple[TemplateButton, ...] = Field(default=(), max_length=10)
    # Text templates, and quick-reply templates a job sends by name: the approved body with {{1}},
    # {{2}} … and what each variable holds, in order. A quick-reply template without a body carries a
    # bot turn's text in its {{1}} (``WhatsAppTemplates.for_buttons``).
    body: str | None = Field(default=None, min_length=1, max_length=1024)
    variables: tuple[TemplateVariable, ...] = ()

    @model_validator(mode="after")
    def _fits_its_kind(self) -> ContentTemplate:
        if self.kind != "text" and not self.buttons:
            raise ValueError(f"{self.name}: a {self.kind} template needs buttons")
        if self.kind == "quick-reply" and len(self.buttons) > 3:
            raise ValueError(f"{self.name}: a quick-reply template has at most 3 buttons")
        if self.kind == "list-picker" and self.business_initiated:
            raise ValueError(f"{self.name}: WhatsApp allows a list picker only inside the 24 h window")
        if self.kind == "text" and (self.buttons or self.body is None):
            raise ValueError(f"{self.name}: a text template has a body and no buttons")
        if self.kind == "list-picker" and (self.body is not None or self.variables):
            raise ValueError(f"{self.name}: only text and quick-reply templates have a body and variables")
        if self.body is not None:
            numbers = sorted({int(n) for n in _VARIABLE.findall(self.body)})
            if numbers != list(range(1, len(self.variables) + 1)):
                raise ValueError(f"{self.name}: the body must use {{{{1}}}}..{{{{n}}}}, one per variable")
        elif self.variables:
            raise ValueError(f"{self.name}: variables need a body that uses them")
        return self

    def content_variables(self, values: Mapping[str, str | None]) -> dict[str, str]:
        """Twilio's ContentVariables from the variables' values by name (fallback when blank)."""
        filled: dict[str, str] = {}
        for number, variable in enumerate(self.variables, start=1):
            value = (values.get(variable.name) or "").strip() or variable.fallback
            if not value:
                raise ValueError(f"{self.name}: no value for {variable.name!r}")
            filled[str(number)] = value
        return filled

    def text_for(self, content_variables: Mapping[str, str]) -> str:
        """What the person reads: the body with its variables filled in; a button template's {{1}}."""
        if self.body is None:
            return str(content_variables.get("1", ""))
        return _VARIABLE.sub(lambda match: str(content_variables.get(match.group(1), "")), self.body)

    @property
    def payloads(self) -> tuple[str, ...]:
        return tuple(button.payload for button in self.buttons)


class WhatsAppTemplates(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    templates: tuple[ContentTemplate, ...] = ()

    @model_validator(mode="after")
    def _unique(self) -> WhatsAppTemplates:
        sids = [t.content_sid for t in self.templates]
        names = [t.name for t in self.templates]
        sets = [t.payloads for t in self.templates if t.payloads]
        if len(set(sids)) != len(sids) or len(set(sets)) != len(sets) or len(set(names)) != len(names):
            raise ValueError("each name, content_sid and button set may appear only once")
        return self

    def for_buttons(self, buttons: Sequence[Button]) -> ContentTemplate | None:
        """The template a bot turn ending with these buttons is sent as: one without its own body
        (a template with a body has variables of its own, not the turn's text)."""
        payloads = tuple(button.payload for button in buttons)
        if not payloads:
            return None
        return next((t for t in self.templates if t.payloads == payloads and t.body is None), None)

    def by_name(self, name: str) -> ContentTemplate | None:
        return next((t for t in self.templates if t.name == name), None)

    def by_content_sid(self, content_sid: str) -> ContentTemplate | None:
        return next((t for t in self.templates if t.content_sid == content_sid), None)


def load_templates(path: Path) -> WhatsAppTemplates:
    return WhatsAppTemplates.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
