"""The words of the loan-terms answers (data/loan_terms.yml), validated when loaded."""

from __future__ import annotations

import string
from pathlib import Path
from typing import Final

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, model_validator

TEXTS_FILE: Final = "loan_terms.yml"
# Each text and the placeholders it may use.
PLACEHOLDERS: Final[dict[str, frozenset[str]]] = {
    "rate": frozenset({"product", "monthly", "annual", "usury"}),
    "terms": frozenset({"product", "min_months", "max_months"}),
    "fees": frozenset({"product", "fees"}),
    "no_fees": frozenset({"product"}),
    "fee_percent": frozenset({"label", "percent"}),
    "fee_per_million": frozenset({"label", "pesos"}),
    "instalment": frozenset({"product", "monthly", "amount", "months", "cuota", "excluded"}),
    "instalment_short": frozenset({"amount", "months", "cuota", "excluded"}),
    "amount_adjusted": frozenset({"product", "min_amount", "max_amount"}),
    "months_adjusted": frozenset({"product", "min_months", "max_months"}),
    "ask_months": frozenset({"amount", "months", "min_months", "max_months"}),
    "ask_amount": frozenset({"months", "min_months", "max_months"}),
    "ask_both": frozenset(),
    "ask_later": frozenset(),
    "list_and": frozenset(),
    "excluded_joiner": frozenset(),
    "nothing_excluded": frozenset(),
}
# An estimate must say it is one, and who gives the real figure.
ESTIMATE_WORDS: Final = ("aproximad", "asesor")


class LoanTermsTexts(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    default_product: str = Field(pattern=r"^[a-z_]+$")
    texts: dict[str, str]

    @model_validator(mode="after")
    def _texts(self, info: ValidationInfo) -> LoanTermsTexts:
        if set(self.texts) != set(PLACEHOLDERS):
            missing, unknown = set(PLACEHOLDERS) - set(self.texts), set(self.texts) - set(PLACEHOLDERS)
            raise ValueError(f"texts: missing {sorted(missing)}, unknown {sorted(unknown)}")
        for key, text in self.texts.items():
            if not text.strip():
                raise ValueError(f"texts.{key} is empty")
            used = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
            if used - PLACEHOLDERS[key]:
                raise ValueError(
                    f"texts.{key}: placeholders {sorted(used - PLACEHOLDERS[key])} are not available"
                )
        for key in ("instalment", "instalment_short"):
            if not all(word in self.texts[key].lower() for word in ESTIMATE_WORDS):
                raise ValueError(
                    f"texts.{key} must say the figure is aproximada and that an asesor confirms it"
                )
        products: frozenset[str] | None = (info.context or {}).get("products")
        if products is not None and self.default_product not in products:
            raise ValueError(
                f"default_product {self.default_product!r} is not a product of prequal_rules.yml"
            )
        return self

    def say(self, key: str, **values: object) -> str:
        return self.texts[key].format(**values)


def load_loan_terms_texts(path: Path, product_ids: frozenset[str]) -> LoanTermsTexts:
    """The texts file; its default product must be one of ``product_ids``."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return LoanTermsTexts.model_validate(data, context={"products": product_ids})
