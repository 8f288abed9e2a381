"""The answer to a question about loan terms: which product, which figures, in the words of data/.

``answer_terms`` is pure: the question's text, what the conversation already knows (the form's
``sector`` and ``monto`` slots, or the product and amount of the last result), the rules' products and
the texts. Where the person is decides how much is said: in the middle of the loan questions or of the
consent question (``Place``) the question comes again right after, so the answer adds no "write
this next" hint of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final, Literal

from bot.dialogue.prequal_texts import pesos
from bot.loan_terms.instalment import instalment
from bot.loan_terms.question import TermsQuestion, read_question
from bot.loan_terms.terms import Fee
from bot.loan_terms.texts import LoanTermsTexts
from bot.prequal.rules_data import LoanProduct, PrequalRules

Place = Literal["free", "form", "consent"]
PREQUALIFIED_SLOT: Final = "credito_precalificado"  # {"producto": id, "monto": pesos}
FORM: Final = "prequal_form"
CONSENT_QUESTION: Final = "utter_ask_consent"


def place_of(active_loop: str | None, bot_action_before: str | None) -> Place:
    """Where the question came: in the loan questions, right after the consent question, or elsewhere."""
    if active_loop == FORM:
        return "form"
    return "consent" if bot_action_before == CONSENT_QUESTION else "free"


@dataclass(frozen=True)
class Known:
    """What the conversation already says about the loan the person wants."""

    sector: str | None = None
    amount: int | None = None
    product_id: str | None = None

    @classmethod
    def from_slots(cls, slots: Mapping[str, Any]) -> Known:
        offered = slots.get(PREQUALIFIED_SLOT)
        result: Mapping[str, Any] = offered if isinstance(offered, Mapping) else {}
        amount = slots.get("monto") if isinstance(slots.get("monto"), int) else result.get("monto")
        return cls(
            sector=slots.get("sector") if isinstance(slots.get("sector"), str) else None,
            amount=amount if isinstance(amount, int) and not isinstance(amount, bool) else None,
            product_id=result.get("producto") if isinstance(result.get("producto"), str) else None,
        )


def answer_terms(
    text: str, slots: Mapping[str, Any], rules: PrequalRules, texts: LoanTermsTexts, place: Place = "free"
) -> str:
    """What famibot says to ``text`` (a question about interest, terms, the instalment or fees)."""
    question = read_question(text)
    known = Known.from_slots(slots)
    amount = question.amount if question.amount is not None else known.amount
    product = choose_product(
        rules, texts.default_product, sector=known.sector, amount=amount,
        product_id=None if question.amount is not None else known.product_id,
    )  # fmt: skip
    builder = _Answer(product, texts, rules.notes.usury_cap)
    if question.kind == "terms":
        sentences = [builder.terms(), *builder.hint(place)]
    elif question.kind == "fees":
        sentences = [builder.fees()]
    elif question.kind == "instalment":
        sentences = builder.instalment(TermsQuestion("instalment", amount, question.months), place)
    else:
        sentences = [builder.rate(), *builder.hint(place)]
    return " ".join(sentences)


def choose_product(
    rules: PrequalRules,
    default_id: str,
    *,
    sector: str | None = None,
    amount: int | None = None,
    product_id: str | None = None,
) -> LoanProduct:
    """The product a question is about: the one already offered; else, in the data's order (as the
    pre-qualification tries them), the first open to the sector whose range holds the amount, the
    nearest range, a product made for the sector, or the default product."""
    products = rules.products
    offered = [p for p in products if p.id == product_id]
    if offered:
        return offered[0]
    fitting = [p for p in products if p.sectors is None or (sector is not None and sector in p.sectors)]
    fitting = fitting or list(products)
    if amount is not None:
        return min(fitting, key=lambda p: _distance(amount, p))  # min keeps the first of equals
    own = [p for p in fitting if p.sectors]
    default = [p for p in fitting if p.id == default_id]
    return (own or default or fitting)[0]


def _distance(amount: int, product: LoanProduct) -> int:
    return max(product.min_amount - amount, 0, amount - product.max_amount)


def percent(value: Decimal) -> str:
    """2.2 → "2,2 %", 29.84 → "29,84 %" (Colombian decimal comma)."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return f"{text.replace('.', ',')} %"


class _Answer:
    def __init__(self, product: LoanProduct, texts: LoanTermsTexts, usury: str) -> None:
        self.product, self.texts, self.usury = product, texts, usury
        self.months_range = {"min_months": product.min_term_months, "max_months": product.max_term_months}

    def rate(self) -> str:
        terms = self.product.terms
        return self.texts.say(
            "rate", product=self.product.name, monthly=percent(terms.monthly_rate_percent),
            annual=percent(terms.effective_annual_percent), usury=self.usury,
        )  # fmt: skip

    def terms(self) -> str:
        return self.texts.say("terms", product=self.product.name, **self.months_range)

    def fees(self) -> str:
        fees = [self._fee(fee) for fee in self.product.terms.fees]
        if not fees:
            return self.texts.say("no_fees", product=self.product.name)
        listed = ", ".join(fees[:-1]) + self.texts.say("list_and") + fees[-1] if len(fees) > 1 else fees[0]
        return self.texts.say("fees", product=self.product.name, fees=listed)

    def hint(self, place: Place) -> list[str]:
        return [self.texts.say("ask_both")] if place == "free" else []

    def instalment(self, question: TermsQuestion, place: Place) -> list[str]:
        """The estimate, after saying which figure was moved into range; or what is missing for it."""
        product, said = self.product, []
        amount, months = question.amount, question.months
        if amount is not None and not product.min_amount <= amount <= product.max_amount:
            amount = min(max(amount, product.min_amount), product.max_amount)
            said.append(
                self.texts.say("amount_adjusted", product=product.name,
                               min_amount=pesos(product.min_amount), max_amount=pesos(product.max_amount))
            )  # fmt: skip
        if months is not None and not product.min_term_months <= months <= product.max_term_months:
            months = min(max(months, product.min_term_months), product.max_term_months)
            said.append(self.texts.say("months_adjusted", product=product.name, **self.months_range))
        if amount is None and months is None:
            later = {"free": ["ask_both"], "form": ["ask_later"], "consent": []}[place]
            return [*said, self.rate(), *(self.texts.say(key) for key in later)]
        if amount is None:
            return [*said, self.texts.say("ask_amount", months=months, **self.months_range)]
        if months is None:
            return [*said, self.texts.say("ask_months", amount=pesos(amount), months="", **self.months_range)]
        cuota = instalment(amount, product.terms.monthly_rate, months)
        excluded = self.texts.say("excluded_joiner").join(fee.short_label for fee in product.terms.fees)
        figures = {"amount": pesos(amount), "months": months, "cuota": pesos(cuota),
                   "excluded": excluded or self.texts.say("nothing_excluded")}  # fmt: skip
        if place != "free":  # the question comes in the same SMS: the short estimate
            return [*said, self.texts.say("instalment_short", **figures)]
        rate = percent(product.terms.monthly_rate_percent)
        return [*said, self.texts.say("instalment", product=product.name, monthly=rate, **figures)]

    def _fee(self, fee: Fee) -> str:
        if fee.percent_of_amount is not None:
            return self.texts.say("fee_percent", label=fee.label, percent=percent(fee.percent_of_amount))
        return self.texts.say(
            "fee_per_million", label=fee.label, pesos=pesos(fee.pesos_per_million_monthly or 0)
        )
