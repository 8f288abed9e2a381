"""Amounts and dates as a Colombian borrower reads them ("$350.000", "jueves 3 de diciembre"). Pure."""

from __future__ import annotations

from datetime import date

from babel.dates import format_date
from babel.numbers import format_decimal

LOCALE = "es_CO"


def format_amount(pesos: int) -> str:
    """Whole pesos with dots between thousands: 350000 → "$350.000"."""
    return "$" + format_decimal(pesos, format="#,##0", locale=LOCALE)


def format_due_date(day: date) -> str:
    """The weekday, day and month in Spanish: "jueves 3 de diciembre" (the year is implied)."""
    return format_date(day, "EEEE d 'de' MMMM", locale=LOCALE)
