"""Write data/sample_loans.csv: ~60 fictional microcredit loans, 4–6 instalments each, around an anchor.

    python -m scripts.make_sample_loans [--out data/sample_loans.csv]

Seeded: the same file every time. Loans of $1.000.000–$8.000.000 (products of data/prequal_rules.yml),
monthly instalments of $120.000–$900.000 rounded to the thousand; the file holds each loan's window of
instalments around the anchor (as a core system's export of the current months would). Before the
anchor most instalments are paid and some are late; after it they are pending, a few paid ahead.
Cédulas and phones are invented (phones 300 555 xxxx, written the several ways people write them).

The anchor is the file's median due date (bot/loans/shift.py): `import-loans --shift-to-today` moves
it to today. Two loans belong to the simulator's default number (webhooks/dev/simulator.py):
one with an instalment due 3 days after the anchor, one with an instalment 1 day late.
"""

from __future__ import annotations

import argparse
import csv
import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from bot.loans.rows import COLUMNS  # the importer's documented columns, in order

ANCHOR = date(2026, 3, 16)
SEED = 12
LOANS = 58  # plus the simulator's two
SIMULATOR_PHONE = "+573001234567"  # webhooks/dev/simulator.py DEFAULT_PHONE
# product id, smallest and largest loan, monthly rate (data/prequal_rules.yml terms)
PRODUCTS = (
    ("microcredito_empresarial", 1_000_000, 8_000_000, 0.022),
    ("credito_digital_rapido", 1_000_000, 5_000_000, 0.025),
    ("credito_agro", 1_000_000, 8_000_000, 0.019),
)
PHONE_FORMATS = ("{a} {b} {c}", "{a}{b}{c}", "+57 {a} {b} {c}", "{a}-{b}-{c}", "({a}) {b} {c}", "57{a}{b}{c}")


@dataclass
class Row:
    phone: str
    national_id: str
    loan_id: str
    product: str
    disbursed_on: date
    number: int
    due_on: date
    amount_due: int
    amount_paid: int
    status: str

    def cells(self) -> list[str]:
        return [
            self.phone,
            self.national_id,
            self.loan_id,
            self.product,
            self.disbursed_on.isoformat(),
            str(self.number),
            self.due_on.isoformat(),
            str(self.amount_due),
            str(self.amount_paid),
            self.status,
        ]


def add_months(start: date, months: int) -> date:
    month = start.month - 1 + months
    return date(start.year + month // 12, month % 12 + 1, min(start.day, 28))


def instalment(amount: int, months: int, rate: float) -> int:
    cuota = amount * rate / (1 - (1 + rate) ** -months)
    return int(round(cuota / 1000) * 1000)


def random_loan(rng: random.Random, index: int, taken: set[str]) -> list[Row]:
    product, low, high, rate = rng.choice(PRODUCTS)
    while True:
        amount = rng.randrange(low, high + 1, 100_000)
        months = rng.choice((6, 9, 12, 18, 24))
        cuota = instalment(amount, months, rate)
        if 120_000 <= cuota <= 900_000:
            break
    window = rng.randint(4, 6)
    first_in_window = rng.randint(1, months - window + 1)
    # The window's instalments straddle the anchor: the first one 1 to 4 months before it.
    first_due = ANCHOR - timedelta(days=rng.randint(20, 115))
    disbursed_on = add_months(first_due, -first_in_window)
    phone_digits = f"300555{rng.randrange(10_000):04d}"
    while phone_digits in taken:  # one person per number
        phone_digits = f"300555{rng.randrange(10_000):04d}"
    taken.add(phone_digits)
    phone = rng.choice(PHONE_FORMATS).format(a=phone_digits[:3], b=phone_digits[3:6], c=phone_digits[6:])
    national_id = str(rng.randrange(10_000_000, 1_099_999_999))
    loan_id = f"CR-{disbursed_on.year}-{index:05d}"
    rows = []
    for offset in range(window):
        number = first_in_window + offset
        due_on = add_months(disbursed_on, number)
        paid, status = settle(rng, due_on, cuota)
        rows.append(
            Row(phone, national_id, loan_id, product, disbursed_on, number, due_on, cuota, paid, status)
        )
    return rows


def settle(rng: random.Random, due_on: date, cuota: int) -> tuple[int, str]:
    """Before the anchor: mostly paid, some late (a few partly paid); after it: pending, a few paid ahead."""
    days_late = (ANCHOR - due_on).days
    roll = rng.random()
    if days_late > 10:
        if roll < 0.85:
            return cuota, "paid"
        return (cuota // 2 // 1000 * 1000, "pending") if roll < 0.9 else (0, "pending")
    if days_late > 0:
        return (cuota, "paid") if roll < 0.55 else (0, "pending")
    return (cuota, "paid") if roll < 0.04 else (0, "pending")


def simulator_loans() -> list[Row]:
    """The simulator's number: dates balanced around the anchor (the median stays the anchor)."""
    first = ("microcredito_empresarial", 3_000_000, 12, 0.022, "CR-DEMO-00001", [-60, -30, 3, 33])
    second = ("credito_digital_rapido", 1_500_000, 6, 0.025, "CR-DEMO-00002", [-61, -31, -1, 29, 59, 89])
    rows = []
    for product, amount, months, rate, loan_id, offsets in (first, second):
        cuota = instalment(amount, months, rate)
        disbursed_on = ANCHOR + timedelta(days=offsets[0] - 30)
        for number, offset in enumerate(offsets, start=1):
            due_on = ANCHOR + timedelta(days=offset)
            paid = cuota if offset < -10 else 0
            status = "paid" if paid else "pending"
            rows.append(
                Row(
                    "300 123 4567",
                    "1017234567",
                    loan_id,
                    product,
                    disbursed_on,
                    number,
                    due_on,
                    cuota,
                    paid,
                    status,
                )
            )
    return rows


def median_due(rows: list[Row]) -> date:
    dates = sorted(row.due_on for row in rows)
    return dates[(len(dates) - 1) // 2]


def build() -> list[Row]:
    rng = random.Random(SEED)
    taken: set[str] = set()
    rows = [row for index in range(1, LOANS + 1) for row in random_loan(rng, index, taken)]
    # Move the random loans so their median due date is the anchor exactly (statuses were settled
    # against the anchor before: a move of a few days keeps them plausible).
    delta = ANCHOR - median_due(rows)
    for row in rows:
        row.due_on += delta
        row.disbursed_on += delta
    rows += simulator_loans()
    assert median_due(rows) == ANCHOR, (median_due(rows), ANCHOR)
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m scripts.make_sample_loans")
    parser.add_argument("--out", type=Path, default=Path("data/sample_loans.csv"))
    args = parser.parse_args(argv)
    rows = build()
    with args.out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(row.cells() for row in rows)
    loans = len({row.loan_id for row in rows})
    print(f"{args.out}: {loans} loans, {len(rows)} instalments, anchor {ANCHOR.isoformat()}")


if __name__ == "__main__":
    main()
