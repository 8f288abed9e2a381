"""The payments' replies per channel (bot/payments/words.py) and the instalment a claim concerns
(bot/payments/choice.py): pure, over hand-built loans and the shipped data/."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from bot.db.loan_models import Instalment, Loan
from bot.gsm7 import is_gsm7, sms_size
from bot.payments.choice import LoanStanding, claim_target, standing
from bot.payments.content import (
    PaymentChannels,
    PaymentsData,
    load_payments,
    refuse_example_channels,
)
from bot.payments.words import long_date, payment_info, pesos
from tests.conftest import ROOT

PAYMENTS = load_payments(ROOT / "data")
WORDS, CHANNELS = PAYMENTS.data.words, PAYMENTS.channels
TODAY = date(2026, 12, 1)  # a Tuesday


def a_loan(loan_id: int, ref: str, dues: list[tuple[date, int, int, str]]) -> LoanStanding:
    """``dues``: (due on, amount due, amount paid, status) per instalment, numbered from 1."""
    loan = Loan(id=loan_id, loan_ref=ref, product="Microcrédito", national_id="1036123456",
                phone_e164="+573001234567", disbursed_on=date(2026, 1, 10))  # fmt: skip
    rows = [
        Instalment(
            id=loan_id * 100 + n,
            loan_id=loan_id,
            number=n,
            due_on=due,
            amount_due=amount,
            amount_paid=paid,
            status=status,
        )
        for n, (due, amount, paid, status) in enumerate(dues, start=1)
    ]
    return standing(loan, rows)


ONE = a_loan(
    1,
    "CR-2026-000123",
    [
        (date(2026, 11, 3), 150_000, 150_000, "paid"),
        (date(2026, 12, 3), 150_000, 40_000, "pending"),
        (date(2027, 1, 3), 150_000, 0, "pending"),
    ],
)


def test_pesos_and_dates_as_people_read_them() -> None:
    assert pesos(150_000) == "$150.000" and pesos(1_250_000) == "$1.250.000" and pesos(0) == "$0"
    assert long_date(date(2026, 12, 3)) == "jueves 3 de diciembre"


def test_one_loan_on_whatsapp_the_amount_left_the_date_and_every_way_to_pay() -> None:
    text = payment_info(WORDS, CHANNELS, [ONE], channel="whatsapp", today=TODAY)
    assert text.startswith(
        "Su próxima cuota es de $110.000 y vence el jueves 3 de diciembre. Cuotas por pagar: 2."
    )
    for way in CHANNELS.channels:
        assert way.fill(way.text, loan_ref="CR-2026-000123") in text
    assert "Referencia: CR-2026-000123" in text and WORDS.after_info in text


def test_overdue_says_it_was_due() -> None:
    text = payment_info(WORDS, CHANNELS, [ONE], channel="whatsapp", today=date(2026, 12, 4))
    assert text.startswith("Su cuota de $110.000 venció el jueves 3 de diciembre.")


@pytest.mark.parametrize(
    "loans", [[ONE], [ONE, a_loan(2, "CR-2026-000999", [(date(2026, 12, 15), 98_000, 0, "pending")])]]
)
def test_sms_fits_two_gsm7_segments_with_the_essentials(loans: list[LoanStanding]) -> None:
    text = payment_info(WORDS, CHANNELS, loans, channel="sms", today=TODAY)
    size = sms_size(text)
    assert size.encoding == "GSM-7" and is_gsm7(text) and size.segments <= 2
    assert "$110.000" in text and "jueves 3 de diciembre" in text and "Pague en:" in text
    assert CHANNELS.channels[0].fill(CHANNELS.channels[0].sms, loan_ref="x").split(" ")[0] in text


def test_several_loans_one_line_each_and_a_general_reference() -> None:
    paid_up = a_loan(3, "CR-2025-000001", [(date(2026, 2, 1), 90_000, 90_000, "paid")])
    other = a_loan(2, "CR-2026-000999", [(date(2026, 12, 15), 98_000, 0, "pending")])
    text = payment_info(WORDS, CHANNELS, [ONE, other, paid_up], channel="whatsapp", today=TODAY)
    lines = text.splitlines()
    assert lines[:4] == [
        "Sus créditos:",
        "Crédito CR-2026-000123: $110.000, vence el jueves 3 de diciembre (cuotas por pagar: 2).",
        "Crédito CR-2026-000999: $98.000, vence el martes 15 de diciembre (cuotas por pagar: 1).",
        "Crédito CR-2025-000001: al día, sin cuotas por pagar.",
    ]
    assert "el número de su crédito" in text


def test_no_loan_says_so_and_offers_a_person() -> None:
    for channel in ("sms", "whatsapp"):
        text = payment_info(WORDS, CHANNELS, [], channel=channel, today=TODAY)
        assert text == WORDS.no_loan and "ASESOR" in text


def test_a_paid_up_loan_gives_no_way_to_pay() -> None:
    paid_up = a_loan(3, "CR-2025-000001", [(date(2026, 2, 1), 90_000, 90_000, "pending")])  # fully paid
    assert payment_info(WORDS, CHANNELS, [paid_up], channel="whatsapp", today=TODAY) == WORDS.paid_up


def test_the_claim_concerns_the_last_reminded_instalment_first() -> None:
    assert claim_target([ONE], today=TODAY, days_ahead=5, last_reminded=103).id == 103  # type: ignore[union-attr]


def test_the_claim_concerns_the_oldest_unpaid_due_soon() -> None:
    overdue = a_loan(
        2, "CR-2", [(date(2026, 11, 20), 50_000, 0, "pending"), (date(2026, 12, 20), 50_000, 0, "pending")]
    )
    target = claim_target([ONE, overdue], today=TODAY, days_ahead=5)
    assert target is not None and target.id == 201  # overdue beats the one due on the 3rd
    target = claim_target([ONE], today=TODAY, days_ahead=5, last_reminded=101)  # reminded, but paid
    assert target is not None and target.id == 102


def test_the_claim_falls_back_to_the_next_one_and_none_when_all_paid() -> None:
    later = a_loan(2, "CR-2", [(date(2027, 3, 1), 50_000, 0, "pending")])
    target = claim_target([later], today=TODAY, days_ahead=5)
    assert target is not None and target.id == 201  # paid early: the next one to come
    paid = a_loan(3, "CR-3", [(date(2026, 2, 1), 90_000, 0, "canceled")])
    assert claim_target([paid], today=TODAY, days_ahead=5) is None


def test_a_word_an_sms_cannot_carry_is_refused() -> None:
    raw = yaml.safe_load((ROOT / "data" / "payments.yml").read_text())
    PaymentsData.model_validate(raw)  # the shipped words fold
    raw["words"]["where"] = "Puede pagar así 👉"
    with pytest.raises(ValueError, match="SMS cannot carry"):
        PaymentsData.model_validate(raw)


def test_example_channels_are_refused_in_prod_only(tmp_path: Path) -> None:
    assert CHANNELS.example_values  # the shipped ones are examples
    with pytest.raises(ValueError, match="example_values"):
        refuse_example_channels(CHANNELS, app_env="prod")
    refuse_example_channels(CHANNELS, app_env="dev")
    real = PaymentChannels.model_validate({**CHANNELS.model_dump(), "example_values": False})
    refuse_example_channels(real, app_env="prod")


def test_unknown_placeholders_are_refused() -> None:
    raw = yaml.safe_load((ROOT / "data" / "payments.yml").read_text())
    raw["words"]["due"] = "Su cuota de {monto}"
    with pytest.raises(ValueError, match="monto"):
        PaymentsData.model_validate(raw)
    channels = yaml.safe_load((ROOT / "data" / "payment_channels.yml").read_text())
    del channels["channels"][0]["account"]
    with pytest.raises(ValueError, match="account"):
        PaymentChannels.model_validate(channels)
