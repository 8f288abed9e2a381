"""The fixed monthly instalment of a loan (French amortisation, "cuota fija"), in whole pesos."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, localcontext


def instalment(principal: int, monthly_rate: Decimal, months: int) -> int:
    """The cuota that pays ``principal`` in ``months`` equal monthly payments at ``monthly_rate``.

    ``monthly_rate`` is a fraction (0.02 for 2 % mes vencido). Formula: P·r / (1 − (1 + r)^−n); with a
    zero rate, P / n. Decimal arithmetic with 28 significant digits, then rounded half up to whole
    pesos: 94 559,60 → 94 560. Rounding each cuota up by less than a peso is how a lender quotes it;
    the small difference over the loan is settled in the last payment, which this estimate ignores.
    """
    if principal <= 0 or months <= 0:
        raise ValueError("principal and months must be positive")
    if monthly_rate < 0:
        raise ValueError("the rate cannot be negative")
    with localcontext() as context:
        context.prec = 28
        amount, rate = Decimal(principal), Decimal(monthly_rate)
        exact = amount / months if rate == 0 else amount * rate / (1 - (1 + rate) ** -months)
        return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))
