"""One row of a loans file (CSV record or JSON object) into a typed ``InstalmentRow``, or a ``Rejection``.

Every problem of a row is reported at once ("phone …; amount_due …"), so an operator fixes a row in one
pass. A row whose ``amount_paid`` reaches ``amount_due`` is paid whatever its status says.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.loans import fields
from bot.loans.fields import BadValue

COLUMNS = (
    "phone",
    "national_id",
    "loan_id",
    "product",
    "disbursed_on",
    "instalment_number",
    "due_date",
    "amount_due",
    "amount_paid",
    "status",
)
OPTIONAL_VALUES = frozenset({"amount_paid", "status"})  # the column must exist; a cell may be empty


@dataclass(frozen=True, slots=True)
class InstalmentRow:
    """One instalment with its loan, as the file states it (``line``: where, for the report)."""

    line: int
    loan_ref: str
    product: str
    national_id: str
    phone_e164: str
    disbursed_on: date
    number: int
    due_on: date
    amount_due: int
    amount_paid: int
    status: str  # pending | paid | canceled

    @property
    def loan_fields(self) -> tuple[str, str, str, date]:
        """What must be the same on every row of one loan."""
        return (self.product, self.national_id, self.phone_e164, self.disbursed_on)


@dataclass(frozen=True, slots=True)
class Rejection:
    line: int
    reason: str


Memo = dict[tuple[str, str], Any]  # (column, raw value) -> parsed value or the BadValue


def parse_row(values: Mapping[str, Any], line: int, memo: Memo | None = None) -> InstalmentRow | Rejection:
    """``values`` by column name (lower case); missing or ``None`` values count as empty. ``memo``
    (one per file) remembers parsed values: the rows of one loan repeat its phone, cédula and dates,
    and checking a phone number is most of the time spent on a row."""
    problems: list[str] = []
    memo = {} if memo is None else memo

    def take(column: str, parse: Callable[[str], Any]) -> Any:
        raw = values.get(column)
        text = "" if raw is None else str(raw)
        key = (column, text)
        if key not in memo:
            try:
                memo[key] = parse(text)
            except BadValue as problem:
                memo[key] = problem
        value = memo[key]
        if isinstance(value, BadValue):
            problems.append(str(value))
            return None
        return value

    phone = take("phone", fields.parse_phone)
    national_id = take("national_id", fields.parse_national_id)
    loan_ref = take("loan_id", lambda v: fields.parse_text(v, "loan_id", fields.MAX_LOAN_REF))
    product = take("product", lambda v: fields.parse_text(v, "product", fields.MAX_PRODUCT))
    disbursed_on = take("disbursed_on", lambda v: fields.parse_date(v, "disbursed_on"))
    number = take("instalment_number", fields.parse_instalment_number)
    due_on = take("due_date", lambda v: fields.parse_date(v, "due_date"))
    amount_due = take("amount_due", lambda v: fields.parse_amount(v, "amount_due"))
    amount_paid = take("amount_paid", lambda v: fields.parse_amount(v, "amount_paid") if v.strip() else 0)
    status = take("status", fields.parse_status)
    if amount_due == 0:
        problems.append("amount_due is $0")
    if due_on is not None and disbursed_on is not None and due_on < disbursed_on:
        problems.append("due_date is before disbursed_on (day and month swapped?)")
    if problems:
        return Rejection(line, "; ".join(problems))
    if amount_paid >= amount_due:
        status = "paid"
    return InstalmentRow(
        line=line,
        loan_ref=loan_ref,
        product=product,
        national_id=national_id,
        phone_e164=phone,
        disbursed_on=disbursed_on,
        number=number,
        due_on=due_on,
        amount_due=amount_due,
        amount_paid=amount_paid,
        status=status,
    )
