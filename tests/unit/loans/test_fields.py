"""One value of a loans file: the ways people write phones, amounts, dates and statuses in Colombia."""

from __future__ import annotations

from datetime import date

import pytest

from bot.loans.fields import (
    BadValue,
    mask,
    parse_amount,
    parse_date,
    parse_instalment_number,
    parse_national_id,
    parse_phone,
    parse_status,
)


@pytest.mark.parametrize(
    "written",
    [
        "3001234567",
        "300 123 4567",
        "300-123-4567",
        "+57 300 123 4567",
        "+573001234567",
        "57 3001234567",
        "573001234567",
        "0573001234567",
        "00573001234567",
        "(300) 123 4567",
        "300.123.4567",
        " 300 123 4567 ",
        "3001234567.0",
        "whatsapp:+573001234567",
    ],
)
def test_colombian_mobiles_written_every_way_become_e164(written: str) -> None:
    assert parse_phone(written) == "+573001234567"


@pytest.mark.parametrize(
    ("written", "reason"),
    [
        ("", "phone is empty"),
        ("300123456", "not a valid Colombian number"),  # 9 digits
        ("30012345678", "not a valid Colombian number"),  # 11 digits
        ("6041234567", "not a valid Colombian number"),  # a Medellín landline
        ("+1 415 555 1234", "not a Colombian number"),
        ("+52 55 1234 5678", "not a Colombian number"),
        ("llamar a la oficina", "not a phone number"),
    ],
)
def test_numbers_that_are_not_colombian_mobiles_are_refused_with_the_reason(
    written: str, reason: str
) -> None:
    with pytest.raises(BadValue, match=reason):
        parse_phone(written)


def test_a_refused_phone_is_never_repeated_in_full() -> None:
    with pytest.raises(BadValue) as refused:
        parse_phone("300123456")
    assert "300123456" not in str(refused.value) and "56" in str(refused.value)
    assert mask("1017234567") == "********67"


@pytest.mark.parametrize(
    ("written", "pesos"),
    [
        ("150000", 150_000),
        ("150.000", 150_000),
        ("$150.000", 150_000),
        ("$ 150.000", 150_000),
        ("150,000", 150_000),
        ("150000.00", 150_000),
        ("150000,00", 150_000),
        ("1.500.000", 1_500_000),
        ("1.500.000,00", 1_500_000),
        ("1,500,000.00", 1_500_000),
        ("COP 150.000", 150_000),
        ("0", 0),
    ],
)
def test_amounts_in_whole_pesos(written: str, pesos: int) -> None:
    assert parse_amount(written, "amount_due") == pesos


@pytest.mark.parametrize(
    ("written", "reason"),
    [
        ("", "amount_due is empty"),
        ("ciento cincuenta mil", "not an amount"),
        ("-150000", "not an amount"),
        ("150000.50", "centavos"),
        ("1.500.000.00", "ambiguous"),
        ("1.50.000", "not an amount"),
        ("5000000000", "more than"),
    ],
)
def test_bad_amounts_say_why(written: str, reason: str) -> None:
    with pytest.raises(BadValue, match=reason):
        parse_amount(written, "amount_due")


@pytest.mark.parametrize(
    ("written", "day"),
    [
        ("2026-12-03", date(2026, 12, 3)),
        ("03/12/2026", date(2026, 12, 3)),  # day first, as in Colombia
        ("3/12/2026", date(2026, 12, 3)),
        ("03-12-2026", date(2026, 12, 3)),
        ("2026/12/03", date(2026, 12, 3)),
        ("2026-12-03 00:00:00", date(2026, 12, 3)),
        ("31/01/2026", date(2026, 1, 31)),
    ],
)
def test_dates_iso_or_day_first(written: str, day: date) -> None:
    assert parse_date(written, "due_date") == day


@pytest.mark.parametrize(
    ("written", "reason"),
    [
        ("", "due_date is empty"),
        ("31/02/2026", "not a real date"),
        ("12/31/2026", "not a real date"),  # month first is not how Colombia writes it
        ("03/12/26", "not a date"),
        ("diciembre 3", "not a date"),
    ],
)
def test_bad_dates_say_why(written: str, reason: str) -> None:
    with pytest.raises(BadValue, match=reason):
        parse_date(written, "due_date")


@pytest.mark.parametrize(
    ("written", "status"),
    [
        ("pending", "pending"),
        ("Pendiente", "pending"),
        ("EN MORA", "pending"),
        ("vencida", "pending"),
        ("", "pending"),
        ("paid", "paid"),
        ("Pagada", "paid"),
        ("pagado", "paid"),
        ("canceled", "canceled"),
        ("cancelada", "canceled"),
        ("Anulada", "canceled"),
    ],
)
def test_statuses_in_english_or_spanish(written: str, status: str) -> None:
    assert parse_status(written) == status


def test_an_unknown_status_is_refused() -> None:
    with pytest.raises(BadValue, match="status 'quizás' is unknown"):
        parse_status("quizás")


@pytest.mark.parametrize(
    ("written", "digits"),
    [
        ("1017234567", "1017234567"),
        ("1.017.234.567", "1017234567"),
        ("43 123 456", "43123456"),
        ("12345", "12345"),
    ],
)
def test_national_ids_keep_digits_only(written: str, digits: str) -> None:
    assert parse_national_id(written) == digits


@pytest.mark.parametrize(
    ("written", "reason"),
    [
        ("", "empty"),
        ("1234", "4 digits"),
        ("12345678901", "11 digits"),
        ("CC 1017234567", "other than digits"),
    ],
)
def test_bad_national_ids_are_refused_masked(written: str, reason: str) -> None:
    with pytest.raises(BadValue, match=reason) as refused:
        parse_national_id(written)
    assert "1017234567" not in str(refused.value) and "12345678901" not in str(refused.value)


@pytest.mark.parametrize(("written", "number"), [("1", 1), ("12", 12), ("3.0", 3)])
def test_instalment_numbers(written: str, number: int) -> None:
    assert parse_instalment_number(written) == number


@pytest.mark.parametrize("written", ["", "0", "-1", "1.5", "primera", "601"])
def test_bad_instalment_numbers(written: str) -> None:
    with pytest.raises(BadValue):
        parse_instalment_number(written)
