"""The pre-qualification rules as data (data/prequal_rules.yml): products, limits, rule texts.

Validated when loaded: a broken rules file stops the process at start. ``bot.prequal.rules`` evaluates.
"""

from __future__ import annotations

import string
from pathlib import Path
from typing import Literal, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from bot.loan_terms.terms import ProductTerms
from bot.prequal.municipalities import load_municipalities
from bot.prequal.sectors import load_sectors
from bot.text import normalise

RuleId = Literal[
    "min_age", "max_age", "municipality_served", "document_accepted", "no_arrears", "min_business_months",
    "product_fit", "sales_capacity",
]  # fmt: skip
RULE_IDS: tuple[RuleId, ...] = get_args(RuleId)
_WITH_THRESHOLD = frozenset({"min_age", "max_age", "min_business_months"})  # may say {threshold}
_WITH_WAIT = frozenset({"min_age", "min_business_months"})  # may say {wait}

Json = int | str | bool | list[str] | None
Cap = Literal["product_max", "sales_multiple"]
Fit = Literal["within", "above", "below"]


class Limits(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    min_age: int = Field(ge=0)
    max_age: int = Field(gt=0)
    accepted_documents: tuple[str, ...] = Field(min_length=1)
    min_business_months: int = Field(ge=0)
    sales_multiple: int = Field(ge=1)

    @field_validator("accepted_documents")
    @classmethod
    def _upper(cls, documents: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(document.strip().upper() for document in documents)

    @model_validator(mode="after")
    def _ages(self) -> Limits:
        if self.min_age >= self.max_age:
            raise ValueError("min_age must be below max_age")
        return self


class RuleText(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: RuleId
    explanation: str = Field(min_length=1)
    next_step: str = Field(min_length=1)

    @model_validator(mode="after")
    def _placeholders(self) -> RuleText:
        allowed = {"threshold"} if self.id in _WITH_THRESHOLD else set()
        allowed |= {"wait"} if self.id in _WITH_WAIT else set()
        _check_placeholders(self.id, (self.explanation, self.next_step), allowed)
        return self


class LoanProduct(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z_]+$")
    name: str = Field(min_length=1)
    min_amount: int = Field(gt=0)
    max_amount: int = Field(gt=0)
    min_term_months: int = Field(gt=0)
    max_term_months: int = Field(gt=0)
    sectors: tuple[str, ...] | None = None  # None: every sector
    min_business_months: int | None = None  # None: nothing beyond the global minimum
    terms: ProductTerms  # rate, fees (bot/loan_terms); the months are min/max_term_months

    @model_validator(mode="after")
    def _ranges(self) -> LoanProduct:
        if self.min_amount >= self.max_amount or self.min_term_months >= self.max_term_months:
            raise ValueError(f"{self.id}: each range needs min < max")
        return self

    def accepts(self, sector: str, months_operating: int) -> bool:
        """Its own conditions only: its sectors, and its business age if it sets one (the global
        minimum is a rule of its own, so a young business fails that rule, not this one)."""
        sector_ok = self.sectors is None or sector in self.sectors
        return sector_ok and months_operating >= (self.min_business_months or 0)


class Notes(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    above_range: str = Field(min_length=1)
    below_range: str = Field(min_length=1)
    sales_cap: str = Field(min_length=1)
    usury_cap: str = Field(min_length=1)  # said with every rate

    @model_validator(mode="after")
    def _placeholders(self) -> Notes:
        _check_placeholders("notes", (self.above_range, self.below_range, self.usury_cap), set())
        _check_placeholders("notes.sales_cap", (self.sales_cap,), {"sales_multiple"})
        return self


class PrequalRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str = Field(min_length=1)
    limits: Limits
    rules: tuple[RuleText, ...]
    products: tuple[LoanProduct, ...] = Field(min_length=1)
    notes: Notes
    served_municipalities: frozenset[str] = Field(min_length=1)  # from municipalities.csv

    @field_validator("served_municipalities")
    @classmethod
    def _codes(cls, codes: frozenset[str]) -> frozenset[str]:
        if not all(len(code) == 5 and code.isdigit() for code in codes):
            raise ValueError("served municipalities are 5-digit DANE codes")
        return codes

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> PrequalRules:
        ids = [rule.id for rule in self.rules]
        if sorted(ids) != sorted(RULE_IDS):
            raise ValueError(f"rules must list each of {', '.join(RULE_IDS)} exactly once, got {ids}")
        product_ids = [product.id for product in self.products]
        if len(set(product_ids)) != len(product_ids):
            raise ValueError("each product id may appear only once")
        known_sectors: frozenset[str] | None = (info.context or {}).get("sectors")
        for product in self.products:
            own_months = product.min_business_months
            if own_months is not None and own_months < self.limits.min_business_months:
                raise ValueError(f"{product.id}: min_business_months below the global minimum has no effect")
            if known_sectors is not None and not set(product.sectors or ()) <= known_sectors:
                raise ValueError(
                    f"{product.id}: unknown sectors {sorted(set(product.sectors or ()) - known_sectors)}"
                )
        texts = [t for rule in self.rules for t in (rule.explanation, rule.next_step)]
        if any("rechaz" in normalise(text) for text in (*texts, *self.notes.model_dump().values())):
            raise ValueError('say "todavía no" and what the person can do, never "rechazado"')
        return self

    def rule(self, rule_id: RuleId) -> RuleText:
        return next(rule for rule in self.rules if rule.id == rule_id)


def _check_placeholders(owner: str, texts: tuple[str, ...], allowed: set[str]) -> None:
    for text in texts:
        used = {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}
        if used - allowed:
            raise ValueError(f"{owner}: placeholders {sorted(used - allowed)} are not available here")


def load_prequal_rules(rules_path: Path, municipalities_path: Path, sectors_path: Path) -> PrequalRules:
    """The rules file, with coverage from the municipalities CSV; product sectors must exist."""
    data = yaml.safe_load(rules_path.read_text(encoding="utf-8")) or {}
    if "served_municipalities" in data:
        raise ValueError("which municipalities are served lives in municipalities.csv, not in the rules")
    registry = load_municipalities(municipalities_path)
    data["served_municipalities"] = [m.dane_code for m in registry.municipalities if m.served]
    sectors = frozenset(load_sectors(sectors_path).ids)
    return PrequalRules.model_validate(data, context={"sectors": sectors})
