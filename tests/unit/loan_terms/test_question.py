"""Reading a loan-terms question: which sub-question, and the amount and months people write."""

from __future__ import annotations

import pytest

from bot.loan_terms.question import TermsQuestion, find_months, read_question


@pytest.mark.parametrize(
    ("text", "months"),
    [
        ("a 12 meses", 12),
        ("en 6 cuotas", 6),
        ("a un año", 12),
        ("a un ano", 12),
        ("año y medio", 18),
        ("pagarlo en dos y medio años", 30),
        ("treinta y seis meses", 36),
        ("a doce meses", 12),
        ("24 cuotas mensuales", 24),
        ("a 2 años", 24),
        ("un mes", 1),
        ("de 6 a 18 meses", 18),  # the last term named
        # no term in these
        ("cuanto pago al mes", None),
        ("cada mes", None),
        ("a cuantos meses", None),
        ("la cuota", None),
        ("cuanto es el interes", None),
        ("a 500 meses", None),  # not a loan term
    ],
)
def test_months(text: str, months: int | None) -> None:
    assert find_months(text)[0] == months


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # amounts and months together, the way people write them
        ("cuanto pagaria al mes por 2 millones a 12 meses", TermsQuestion("instalment", 2_000_000, 12)),
        ("2 palos a un año", TermsQuestion("instalment", 2_000_000, 12)),
        ("500 mil en 6 cuotas", TermsQuestion("instalment", 500_000, 6)),
        ("y x un palo y medio a 18 meses q", TermsQuestion("instalment", 1_500_000, 18)),
        ("cuota de 800.000 a seis meses", TermsQuestion("instalment", 800_000, 6)),
        ("si saco 3 millones a año y medio cuanto pago", TermsQuestion("instalment", 3_000_000, 18)),
        ("cuanto seria con 700 lucas a 10 meses", TermsQuestion("instalment", 700_000, 10)),
        # one of the two
        ("cuanto me toca pagar mensual", TermsQuestion("instalment")),
        ("y de cuota cuanto seria", TermsQuestion("instalment")),
        ("a 12 meses cuanto pagaria", TermsQuestion("instalment", None, 12)),
        ("y por 3 millones?", TermsQuestion("instalment", 3_000_000)),
        # terms, fees, rate
        ("a cuantos meses", TermsQuestion("terms")),
        ("que plazo dan", TermsQuestion("terms")),
        ("cuanto tiempo tengo pa pagar", TermsQuestion("terms")),
        ("cobran seguro?", TermsQuestion("fees")),
        ("cuanto es la comision", TermsQuestion("fees")),
        ("cuanto cobran de interes", TermsQuestion("rate")),  # "cobran" is not a fee with "interés"
        ("y cuanto es el interes?", TermsQuestion("rate")),
        ("que tasa manejan", TermsQuestion("rate")),
        ("cual es el porcentaje", TermsQuestion("rate")),
        # a percentage or a small number is not an amount
        ("la tasa es del 2 %?", TermsQuestion("rate")),
    ],
)
def test_read_question(text: str, expected: TermsQuestion) -> None:
    assert read_question(text) == expected
