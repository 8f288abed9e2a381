"""The French-amortisation instalment against cases computed by hand (formula: P·r / (1 − (1 + r)^−n))."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.loan_terms.instalment import instalment


@pytest.mark.parametrize(
    ("principal", "rate", "months", "expected"),
    [
        # 1.02^12 = 1.268242, 1.02^-12 = 0.788493; 20 000 / 0.211507 = 94 559.60 → 94 560
        (1_000_000, "0.02", 12, 94_560),
        # 2 000 000 × 0.025 = 50 000; 1.025^-12 = 0.743556; 50 000 / 0.256444 = 194 974.25 → 194 974
        (2_000_000, "0.025", 12, 194_974),
        # 1.01^2 = 1.0201; 1 − 1/1.0201 = 0.019704; 10 000 / 0.019704 = 507 512.44 → 507 512
        (1_000_000, "0.01", 2, 507_512),
        # one month: the principal plus one month of interest, 500 000 × 1.025
        (500_000, "0.025", 1, 512_500),
        # zero rate: the principal in equal parts, 1 200 000 / 12
        (1_200_000, "0", 12, 100_000),
        # rounding is half up to whole pesos: 1 000 001 / 2 = 500 000.5 → 500 001 (not banker's 500 000)
        (1_000_001, "0", 2, 500_001),
        # 1 000 000 / 3 = 333 333.33 → 333 333
        (1_000_000, "0", 3, 333_333),
        # 3 000 000 × 0.022 = 66 000; 1.022^-24 = 0.593164; 66 000 / 0.406836 = 162 229.56 → 162 230
        (3_000_000, "0.022", 24, 162_230),
    ],
)
def test_instalment_matches_hand_computed_cases(
    principal: int, rate: str, months: int, expected: int
) -> None:
    assert instalment(principal, Decimal(rate), months) == expected


def test_more_months_means_a_smaller_cuota_but_more_paid_in_total() -> None:
    short, long = instalment(2_000_000, Decimal("0.022"), 6), instalment(2_000_000, Decimal("0.022"), 24)
    assert short > long and short * 6 < long * 24


@pytest.mark.parametrize(
    ("principal", "rate", "months"), [(0, "0.02", 12), (1_000, "0.02", 0), (1_000, "-0.01", 3)]
)
def test_nonsense_is_refused(principal: int, rate: str, months: int) -> None:
    with pytest.raises(ValueError):
        instalment(principal, Decimal(rate), months)
