"""Rows of one file that contradict each other: the first one stands, the later ones are reported.

One loan is one borrower: rows of the same ``loan_id`` with another phone, cédula, product or
disbursement date would mix two people's records, so they are refused, not merged. The same
instalment twice is refused too (which of the two would be true?).
"""

from __future__ import annotations

from bot.loans.csv_file import ParsedRows
from bot.loans.rows import InstalmentRow, Rejection

LOAN_FIELD_NAMES = ("product", "national_id", "phone", "disbursed_on")


def drop_conflicts(parsed: ParsedRows) -> ParsedRows:
    first_of_loan: dict[str, InstalmentRow] = {}
    first_of_instalment: dict[tuple[str, int], int] = {}
    kept = ParsedRows(rejected=list(parsed.rejected))
    for row in parsed.rows:
        first = first_of_loan.setdefault(row.loan_ref, row)
        if first.loan_fields != row.loan_fields:
            differing = [
                name
                for name, a, b in zip(LOAN_FIELD_NAMES, first.loan_fields, row.loan_fields, strict=True)
                if a != b
            ]
            kept.add(
                Rejection(
                    row.line,
                    f"loan {row.loan_ref} has another {' and '.join(differing)} on line {first.line}: "
                    "one loan is one borrower, this row is left out",
                )
            )
            continue
        key = (row.loan_ref, row.number)
        if key in first_of_instalment:
            kept.add(
                Rejection(
                    row.line,
                    f"instalment {row.number} of loan {row.loan_ref} is already on line "
                    f"{first_of_instalment[key]}: this row is left out",
                )
            )
            continue
        first_of_instalment[key] = row.line
        kept.add(row)
    kept.rejected.sort(key=lambda rejection: rejection.line)
    return kept
