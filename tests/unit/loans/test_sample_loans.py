"""data/sample_loans.csv loads without a reject, is what scripts/make_sample_loans.py writes, and gives
the simulator's number reminders to show around the anchor."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from pathlib import Path

from bot.loans.consistency import drop_conflicts
from bot.loans.csv_file import read_csv
from bot.loans.shift import anchor_of
from scripts import make_sample_loans
from webhooks.dev.simulator import DEFAULT_PHONE

SAMPLE = Path(__file__).resolve().parents[3] / "data" / "sample_loans.csv"
PRODUCTS = {"microcredito_empresarial", "credito_digital_rapido", "credito_agro"}


def test_the_sample_loads_whole_with_realistic_amounts() -> None:
    parsed = drop_conflicts(read_csv(SAMPLE.read_bytes()))
    assert parsed.rejected == []
    loans = {row.loan_ref for row in parsed.rows}
    assert 50 <= len(loans) <= 70 and 200 <= len(parsed.rows) <= 450
    assert all(120_000 <= row.amount_due <= 900_000 and row.amount_due % 1000 == 0 for row in parsed.rows)
    assert {row.product for row in parsed.rows} == PRODUCTS
    assert Counter(row.status for row in parsed.rows).keys() == {"paid", "pending"}
    assert anchor_of(parsed.rows) == make_sample_loans.ANCHOR


def test_the_simulator_number_has_two_loans_with_something_to_remind_at_the_anchor() -> None:
    rows = [row for row in read_csv(SAMPLE.read_bytes()).rows if row.phone_e164 == DEFAULT_PHONE]
    assert len({row.loan_ref for row in rows}) >= 2
    pending = {row.due_on - make_sample_loans.ANCHOR for row in rows if row.status == "pending"}
    assert timedelta(days=3) in pending and timedelta(days=-1) in pending


def test_the_generator_writes_the_committed_file(tmp_path: Path) -> None:
    out = tmp_path / "sample.csv"
    make_sample_loans.main(["--out", str(out)])
    assert out.read_bytes() == SAMPLE.read_bytes()
