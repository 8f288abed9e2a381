"""Loan pre-qualification rules (data/prequal_rules.yml): who can apply now, for which product, how much.

``evaluate`` is pure. It checks every rule (the list is stored as an audit trail), and when one fails,
the first failing rule in the data's order decides what we tell the person: a plain explanation and
what they can do next, with the wait filled in ("Vuelva a escribirnos en 3 meses"). It is an
indication for an adviser to continue, never a credit decision.
"""

from __future__ import annotations

import string
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

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

    @model_validator(mode="after")
    def _placeholders(self) -> Notes:
        _check_placeholders("notes", (self.above_range, self.below_range), set())
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


@dataclass(frozen=True)
class Applicant:
    age: int
    document_type: str  # CC, CE, PPT, TI, PA, …
    municipality_code: str  # DANE
    sector: str  # an id from data/sectors.yml
    months_operating: int
    monthly_sales: int  # COP
    loan_purpose: str
    amount_requested: int  # COP
    has_arrears: bool

    def __post_init__(self) -> None:
        numbers = (self.age, self.months_operating, self.monthly_sales, self.amount_requested)
        if any(number < 0 for number in numbers):
            raise ValueError("age, months, sales and amount cannot be negative")


@dataclass(frozen=True)
class RuleResult:
    rule_id: RuleId
    passed: bool
    value: Json  # what was checked
    threshold: Json  # what it was checked against


@dataclass(frozen=True)
class Wait:
    amount: int
    unit: Literal["months", "years"]

    @property
    def text(self) -> str:
        """ "1 mes", "3 meses", "1 año", "2 años"."""
        one, many = ("mes", "meses") if self.unit == "months" else ("año", "años")
        return f"{self.amount} {one if self.amount == 1 else many}"


@dataclass(frozen=True)
class Decision:
    rule_id: RuleId
    explanation: str
    next_step: str
    wait: Wait | None


@dataclass(frozen=True)
class Evaluation:
    outcome: Literal["prequalified", "not_yet"]
    results: tuple[RuleResult, ...]  # every rule, in the data's order
    rules_version: str
    decision: Decision | None = None  # not_yet: the first failing rule
    product: LoanProduct | None = None  # prequalified
    indicative_range: tuple[int, int] | None = None
    cap: Cap | None = None  # what set the top of the range
    amount_fit: Fit | None = None  # the amount asked vs the range
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        """JSON-ready, for the audit trail."""
        return {
            "outcome": self.outcome,
            "rules_version": self.rules_version,
            "rules": [asdict(result) for result in self.results],
            "decision": asdict(self.decision) if self.decision else None,
            "product": self.product.id if self.product else None,
            "indicative_range": list(self.indicative_range) if self.indicative_range else None,
            "cap": self.cap,
            "amount_fit": self.amount_fit,
            "notes": list(self.notes),
        }


def evaluate(applicant: Applicant, rules: PrequalRules) -> Evaluation:
    a, limits = applicant, rules.limits
    fitting = [p for p in rules.products if p.accepts(a.sector, a.months_operating)]
    sales_cap = a.monthly_sales * limits.sales_multiple
    smallest = min(p.min_amount for p in (fitting or rules.products))
    served, document, months = rules.served_municipalities, a.document_type.upper(), a.months_operating
    checks: dict[RuleId, tuple[bool, Json, Json]] = {
        "min_age": (a.age >= limits.min_age, a.age, limits.min_age),
        "max_age": (a.age <= limits.max_age, a.age, limits.max_age),
        "municipality_served": (a.municipality_code in served, a.municipality_code, sorted(served)),
        "document_accepted": (
            document in limits.accepted_documents,
            document,
            list(limits.accepted_documents),
        ),
        "no_arrears": (not a.has_arrears, a.has_arrears, False),
        "min_business_months": (months >= limits.min_business_months, months, limits.min_business_months),
        # the products open to this sector and business age: at least one
        "product_fit": (bool(fitting), [p.id for p in fitting], 1),
        # monthly sales × multiple against the smallest of those loans
        "sales_capacity": (bool(fitting) and sales_cap >= smallest, sales_cap, smallest),
    }
    results = tuple(RuleResult(rule.id, *checks[rule.id]) for rule in rules.rules)
    failed = next((result for result in results if not result.passed), None)
    if failed is not None:
        return Evaluation("not_yet", results, rules.version, decision=_decision(failed, a, rules))
    return _offer(a, rules, [p for p in fitting if p.min_amount <= sales_cap], sales_cap, results)


def _decision(failed: RuleResult, applicant: Applicant, rules: PrequalRules) -> Decision:
    wait: Wait | None = None
    if failed.rule_id == "min_age":
        wait = Wait(rules.limits.min_age - applicant.age, "years")
    elif failed.rule_id == "min_business_months":
        wait = Wait(rules.limits.min_business_months - applicant.months_operating, "months")
    values = {"threshold": failed.threshold, "wait": wait.text if wait else ""}
    text = rules.rule(failed.rule_id)
    return Decision(failed.rule_id, text.explanation.format(**values), text.next_step.format(**values), wait)


def _offer(
    applicant: Applicant,
    rules: PrequalRules,
    viable: list[LoanProduct],
    sales_cap: int,
    results: tuple[RuleResult, ...],
) -> Evaluation:
    """The product and indicative range for someone who passed every rule (so ``viable`` is not empty)."""
    amount = applicant.amount_requested
    holding = [p for p in viable if p.min_amount <= amount <= p.max_amount]
    if holding:
        product = holding[0]
    elif all(amount > p.max_amount for p in viable):
        product = max(viable, key=lambda p: p.max_amount)
    elif all(amount < p.min_amount for p in viable):
        product = min(viable, key=lambda p: p.min_amount)
    else:
        product = viable[0]
    low, high = product.min_amount, min(product.max_amount, sales_cap)
    cap: Cap = "sales_multiple" if sales_cap < product.max_amount else "product_max"
    fit: Fit = "above" if amount > high else "below" if amount < low else "within"
    notes = [rules.notes.above_range] if amount > product.max_amount else []
    notes += [rules.notes.below_range] if amount < product.min_amount else []
    if cap == "sales_multiple":
        notes.append(rules.notes.sales_cap.format(sales_multiple=rules.limits.sales_multiple))
    return Evaluation(
        "prequalified", results, rules.version, None, product, (low, high), cap, fit, tuple(notes)
    )


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
