"""The documents of a loan application as data (data/documents.yml): file limits, the sentence for each
refusal, the items that may be asked for, the checklist of each loan product and the reminder for
missing documents.

Validated when loaded, with the product ids of data/prequal_rules.yml: a checklist for an unknown
product, or a product without a checklist, stops the process at start.
"""

from __future__ import annotations

import string
from pathlib import Path
from typing import Literal, get_args

import yaml
from PIL import Image
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from bot.documents.texts import FlowTexts
from bot.prequal.data import MUNICIPALITIES_FILE, RULES_FILE, SECTORS_FILE
from bot.prequal.rules_data import load_prequal_rules
from bot.text import normalise

DOCUMENTS_FILE = "documents.yml"
BUTTON_TITLE_MAX = 20  # WhatsApp cuts reply-button titles at 20 characters

Refusal = Literal[
    "unsupported_type", "too_large", "too_small_bytes", "unreadable", "not_convertible", "too_many_pixels",
    "too_small_image", "too_dark", "blank", "blurred", "pdf_encrypted", "pdf_too_many_pages", "duplicate",
]  # fmt: skip
REFUSALS: tuple[Refusal, ...] = get_args(Refusal)
_PLACEHOLDERS: dict[str, set[str]] = {"pdf_too_many_pages": {"max_pages"}}

Accepts = Literal["image", "pdf"]


class FileLimits(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    min_bytes: int = Field(ge=1)
    max_bytes: int = Field(gt=0)
    max_pixels: int = Field(gt=0)
    min_short_side_px: int = Field(ge=1)
    min_long_side_px: int = Field(ge=1)
    analysis_long_side_px: int = Field(ge=64, le=4096)
    dark_max_mean: float = Field(ge=0, le=255)
    blank_max_detail: float = Field(ge=0, le=128)
    min_sharpness: float = Field(ge=0)
    pdf_max_pages: int = Field(ge=1)
    jpeg_quality: int = Field(ge=50, le=95)

    @model_validator(mode="after")
    def _consistent(self) -> FileLimits:
        if self.min_bytes >= self.max_bytes:
            raise ValueError("min_bytes must be below max_bytes")
        if self.min_short_side_px > self.min_long_side_px:
            raise ValueError("min_short_side_px must not be above min_long_side_px")
        # Below Pillow's own alarm, so our limit (a clear refusal) always speaks first.
        if Image.MAX_IMAGE_PIXELS is not None and self.max_pixels > Image.MAX_IMAGE_PIXELS:
            raise ValueError(f"max_pixels must not be above Pillow's alarm ({Image.MAX_IMAGE_PIXELS})")
        return self


class Item(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z_]+$", max_length=40)
    title: str = Field(min_length=1, max_length=BUTTON_TITLE_MAX)
    instruction: str = Field(min_length=1)
    accepts: frozenset[Accepts] = Field(min_length=1)
    sensitive: bool = False  # biometric (an ID photo): the sensitive-data consent comes first
    only_if: Literal["formal"] | None = None


class DocumentReminders(BaseModel):
    """The reminder for missing documents (bot/documents/reminders.py): when, how often, what it says.

    ``whatsapp``/``sms``: free text, with {missing} (how many documents are missing) and, on WhatsApp,
    {item} (the title of the next one). ``template``: the business-initiated text template of
    data/whatsapp_templates.yml sent on WhatsApp outside the 24 h window (checked at start-up).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    after_hours: int = Field(ge=24, le=24 * 14)  # since the request opened or the last file came
    max_reminders: int = Field(ge=0, le=5)
    whatsapp: str = Field(min_length=1, max_length=320)
    sms: str = Field(min_length=1, max_length=320)
    template: str = Field(min_length=1)

    @field_validator("whatsapp", "sms")
    @classmethod
    def _known_placeholders(cls, text: str) -> str:
        used = {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}
        if used - {"missing", "item"}:
            raise ValueError(f"placeholders {sorted(used)}: only {{missing}} and {{item}} are available")
        if "missing" not in used:
            raise ValueError("a reminder says how many documents are missing: {missing}")
        return text


class DocumentsData(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str = Field(min_length=1)
    limits: FileLimits
    refusals: dict[Refusal, str]
    items: tuple[Item, ...] = Field(min_length=1)
    checklists: dict[str, tuple[str, ...]] = Field(min_length=1)
    conversation: FlowTexts  # what the gateway says in the flow (bot/documents/texts.py)
    # The console's reasons for sending a document back: validated by bot/documents/reasons.py.
    rejection_reasons: dict[str, object] = Field(default_factory=dict)
    reminders: DocumentReminders

    @field_validator("refusals")
    @classmethod
    def _every_refusal(cls, refusals: dict[Refusal, str]) -> dict[Refusal, str]:
        missing = [reason for reason in REFUSALS if not refusals.get(reason, "").strip()]
        if missing:
            raise ValueError(f"every refusal needs its sentence; missing: {missing}")
        for reason, text in refusals.items():
            used = {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}
            if used - _PLACEHOLDERS.get(reason, set()):
                raise ValueError(f"{reason}: placeholders {sorted(used)} are not available here")
        return refusals

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> DocumentsData:
        item_ids = [item.id for item in self.items]
        if len(set(item_ids)) != len(item_ids):
            raise ValueError("each item id may appear only once")
        for product, checklist in self.checklists.items():
            unknown = sorted(set(checklist) - set(item_ids))
            if unknown:
                raise ValueError(f"checklist {product}: unknown items {unknown}")
            if not checklist or len(set(checklist)) != len(checklist):
                raise ValueError(f"checklist {product}: needs items, each once")
        products: frozenset[str] | None = (info.context or {}).get("products")
        if products is not None:
            if unknown_products := sorted(set(self.checklists) - products):
                raise ValueError(f"checklists for unknown products: {unknown_products}")
            if without := sorted(products - set(self.checklists)):
                raise ValueError(f"products without a checklist: {without}")
        words = (
            *self.refusals.values(),
            *(item.instruction for item in self.items),
            self.reminders.whatsapp,
            self.reminders.sms,
        )
        if any("rechaz" in normalise(text) for text in words):
            raise ValueError('say what to do now ("tómela de nuevo"), never "rechazado"')
        return self

    def item(self, item_id: str) -> Item:
        return next(item for item in self.items if item.id == item_id)

    def checklist(self, product_id: str, *, formal: bool) -> tuple[Item, ...]:
        """The items a product needs, in order; ``only_if: formal`` items only for a formal business."""
        items = (self.item(item_id) for item_id in self.checklists[product_id])
        return tuple(item for item in items if item.only_if is None or formal)

    def refusal_text(self, reason: Refusal) -> str:
        return self.refusals[reason].format(max_pages=self.limits.pdf_max_pages)


def load_documents(data_dir: Path) -> DocumentsData:
    """data/documents.yml, checked against the loan products of data/prequal_rules.yml."""
    rules = load_prequal_rules(data_dir / RULES_FILE, data_dir / MUNICIPALITIES_FILE, data_dir / SECTORS_FILE)
    data = yaml.safe_load((data_dir / DOCUMENTS_FILE).read_text(encoding="utf-8")) or {}
    products = frozenset(product.id for product in rules.products)
    return DocumentsData.model_validate(data, context={"products": products})
