"""Which instalment a payment message is about: pure functions over a person's loans.

An instalment is unpaid while its status is ``pending`` and less than its amount was paid (the core
system's ``paid`` and ``canceled`` end it). Dates are local (America/Bogota) calendar dates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from bot.db.loan_models import Instalment, Loan


@dataclass(frozen=True, slots=True)
class LoanStanding:
    """A loan and where it stands: its next unpaid instalment (None: nothing left to pay)."""

    loan: Loan
    instalments: Sequence[Instalment]  # by number
    next_unpaid: Instalment | None
    left: int  # unpaid instalments, the next one included

    def amount_left(self) -> int:
        """What is still owed on the next instalment (amount due − amount paid)."""
        if self.next_unpaid is None:
            return 0
        return max(self.next_unpaid.amount_due - self.next_unpaid.amount_paid, 0)

    def overdue(self, today: date) -> bool:
        return self.next_unpaid is not None and self.next_unpaid.due_on < today


def is_unpaid(instalment: Instalment) -> bool:
    return instalment.status == "pending" and instalment.amount_paid < instalment.amount_due


def standing(loan: Loan, instalments: Sequence[Instalment]) -> LoanStanding:
    unpaid = sorted((i for i in instalments if is_unpaid(i)), key=lambda i: (i.due_on, i.number))
    ordered = sorted(instalments, key=lambda i: i.number)
    return LoanStanding(loan, ordered, unpaid[0] if unpaid else None, len(unpaid))


def claim_target(
    loans: Sequence[LoanStanding], *, today: date, days_ahead: int, last_reminded: int | None = None
) -> Instalment | None:
    """The instalment a "ya pagué" most likely concerns: the last one reminded (if still unpaid); else
    the oldest unpaid one due up to ``days_ahead`` days from today; else the next one to come (paid
    early). ``None``: nothing is unpaid."""
    unpaid = sorted(
        (i for standing in loans for i in standing.instalments if is_unpaid(i)),
        key=lambda i: (i.due_on, i.loan_id, i.number),
    )
    reminded = next((i for i in unpaid if i.id == last_reminded), None)
    if reminded is not None:
        return reminded
    horizon = today + timedelta(days=days_ahead)
    due_soon = [i for i in unpaid if i.due_on <= horizon]
    if due_soon:
        return due_soon[0]
    return unpaid[0] if unpaid else None


def loan_of(loans: Sequence[LoanStanding], instalment: Instalment) -> LoanStanding:
    return next(standing for standing in loans if standing.loan.id == instalment.loan_id)
