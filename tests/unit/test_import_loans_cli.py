"""python -m bot.cli import-loans on a temporary SQLite database: counts and rejected lines printed with
phones and cédulas masked; exit 0 when rows loaded, 1 for an unreadable file, 2 for usage."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from tests.databases import create_database

ROOT = Path(__file__).resolve().parents[2]
HEADER = (
    "phone,national_id,loan_id,product,disbursed_on,instalment_number,due_date,amount_due,amount_paid,status"
)


PROD = {  # a production environment that starts (no placeholder left)
    "APP_ENV": "prod",
    "RASA_TOKEN": "3f1c0d5e8a7b4c2e9d6f1a0b",
    "TWILIO_ACCOUNT_SID": "AC" + "7" * 32,
    "TWILIO_AUTH_TOKEN": "0a9b8c7d6e5f4a3b2c1d0e9f",
    "PUBLIC_BASE_URL": "https://bot.example.org",
    "TWILIO_API_BASE_URL": "https://api.twilio.com",
    "OPS_TOKEN": "c2f9e1d04b7a6e35f8d2c1b0",
    "LOANS_API_TOKEN": "9d8e7f6a5b4c3d2e1f0a9b8c",
    "DEV_TOOLS": "false",
}


def run(url: str, *args: str, prod: bool = False) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "APP_ENV": "test",
        "DATABASE_URL": url,
        "DATA_DIR": str(ROOT / "data"),
        "LOG_JSON": "true",
        **(PROD if prod else {}),
    }
    return subprocess.run([sys.executable, "-m", "bot.cli", "import-loans", *args], env=env, capture_output=True,
                          text=True, cwd=ROOT, timeout=120, check=False)  # fmt: skip


@pytest.fixture
def url(tmp_path: Path) -> str:
    return create_database("sqlite", tmp_path)[0]


def write(tmp_path: Path, *rows: str) -> str:
    path = tmp_path / "loans.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return str(path)


def test_counts_and_masked_rejects_then_an_idempotent_second_run(url: str, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "300 123 4567,1.017.234.567,L-1,p,2026-01-05,1,2026-02-05,150000,0,pendiente",
        "300 123 456,1017234567,L-2,p,2026-01-05,1,2026-02-05,150000,0,",  # 9 digits
        "3001234567,1017,L-3,p,2026-01-05,1,2026-02-05,150000,0,",  # a short cédula
    )
    done = run(url, path)
    assert done.returncode == 0, done.stderr
    assert "2 loans" not in done.stdout and "1 inserted, 0 updated, 0 unchanged, 2 rejected" in done.stdout
    assert "line 3: phone *******56 is not a valid Colombian number" in done.stdout
    assert "line 4: national_id ***17 has 4 digits" in done.stdout
    for personal in ("300123456", "300 123 456", "1017234567", "1.017.234.567", "3001234567", "1017,"):
        assert personal not in done.stdout + done.stderr, personal
    again = run(url, path)
    assert again.returncode == 0 and "0 inserted, 0 updated, 1 unchanged, 2 rejected" in again.stdout


@pytest.mark.parametrize(
    ("content", "message"),
    [("", "empty"), ("phone,loan_id\n3001234567,L-1\n", "missing columns: national_id")],
)
def test_an_unreadable_file_exits_1(url: str, tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    done = run(url, str(path))
    assert done.returncode == 1 and message in done.stderr


def test_a_missing_file_or_only_rejected_rows_exit_1(url: str, tmp_path: Path) -> None:
    assert run(url, str(tmp_path / "nothing.csv")).returncode == 1
    only_bad = run(url, write(tmp_path, "6041234567,1017234567,L-1,p,2026-01-05,1,2026-02-05,150000,0,"))
    assert only_bad.returncode == 1 and "line 2: phone" in only_bad.stdout


def test_usage_errors_exit_2(url: str, tmp_path: Path) -> None:
    assert run(url).returncode == 2
    assert run(url, write(tmp_path), "--anchor", "2026-01-05").returncode == 2


def test_shift_to_today_moves_the_anchor_to_today_and_is_refused_in_prod(url: str, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "3001234567,1017234567,L-1,p,2026-01-05,1,2026-02-05,150000,0,",
        "3001234567,1017234567,L-1,p,2026-01-05,2,2026-03-05,150000,0,",
        "3001234567,1017234567,L-1,p,2026-01-05,3,2026-04-05,150000,0,",
    )
    refused = run(url, path, "--shift-to-today", prod=True)
    assert refused.returncode == 2 and "development and tests only" in refused.stderr
    assert run(url, path, prod=True).returncode == 0  # the import itself is for production
    done = run(url, path, "--shift-to-today")
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
        due = [
            date.fromisoformat(row[0]) for row in db.execute("SELECT due_on FROM instalments ORDER BY number")
        ]
    today = date.fromisoformat(done.stdout.split("anchor -> ")[1][:10])
    assert abs((today - date.today()).days) <= 1  # Colombia's today
    assert due[1] == today and (due[2] - due[1]).days == 31 and (due[1] - due[0]).days == 28


def test_the_sample_file_loads_whole(url: str) -> None:
    done = run(url, "data/sample_loans.csv", "--shift-to-today")
    assert done.returncode == 0, done.stderr
    assert "60 loans, 307 instalment rows: 307 inserted, 0 updated, 0 unchanged, 0 rejected" in done.stdout
    again = run(url, "data/sample_loans.csv", "--shift-to-today")
    assert "0 inserted, 0 updated, 307 unchanged, 0 rejected" in again.stdout
