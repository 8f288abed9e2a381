"""WhatsApp Content templates (data/whatsapp_templates.yml): which button sets have one."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from bot.rasa_client import Button


class TemplateButton(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = Field(min_length=1, max_length=24)  # WhatsApp's limit for a button or list row
    payload: str = Field(pattern=r"^/\w+$")


class ContentTemplate(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    kind: Literal["quick-reply", "list-picker"]
    content_sid: str = Field(pattern=r"^HX[0-9a-f]{32}$")
    business_initiated: bool = False
    buttons: tuple[TemplateButton, ...] = Field(min_length=1, max_length=10)

    @model_validator(mode="after")
    def _fits_its_kind(self) -> ContentTemplate:
        if self.kind == "quick-reply" and len(self.buttons) > 3:
            raise ValueError(f"{self.name}: a quick-reply template has at most 3 buttons")
        if self.kind == "list-picker" and self.business_initiated:
            raise ValueError(f"{self.name}: WhatsApp allows a list picker only inside the 24 h window")
        return self

    @property
    def payloads(self) -> tuple[str, ...]:
        return tuple(button.payload for button in self.buttons)


class WhatsAppTemplates(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    templates: tuple[ContentTemplate, ...] = ()

    @model_validator(mode="after")
    def _unique(self) -> WhatsAppTemplates:
        sids = [t.content_sid for t in self.templates]
        sets = [t.payloads for t in self.templates]
        if len(set(sids)) != len(sids) or len(set(sets)) != len(sets):
            raise ValueError("each content_sid and each button set may appear only once")
        return self

    def for_buttons(self, buttons: Sequence[Button]) -> ContentTemplate | None:
        payloads = tuple(button.payload for button in buttons)
        return next((t for t in self.templates if t.payloads == payloads), None)

    def by_content_sid(self, content_sid: str) -> ContentTemplate | None:
        return next((t for t in self.templates if t.content_sid == content_sid), None)


def load_templates(path: Path) -> WhatsAppTemplates:
    return WhatsAppTemplates.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
