"""Loan pre-qualification rules (data/prequal_rules.yml): who can apply now, for which product, how much.

``evaluate`` is pure. It checks every rule (the list is stored as an audit trail), and when one fails,
the first failing rule in the data's order decides what we tell the person: a plain explanation and
what they can do next, with the wait filled in ("Escríbanos de nuevo en 3 meses"). It is an
indication for an adviser to continue, never a credit decision.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

from bot.prequal.rules_data import (
    RULE_IDS,
    Cap,
    Fit,
    Json,
    LoanProduct,
    PrequalRules,
    RuleId,
    load_prequal_rules,
)

__all__ = [
    "RULE_IDS",
    "Applicant",
    "Evaluation",
    "PrequalRules",
    "RuleId",
    "Wait",
    "evaluate",
    "load_prequal_rules",
]


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
