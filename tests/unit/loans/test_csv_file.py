"""A whole loans file: header in any order and case, BOM, ';' or ',', line numbers as a spreadsheet
shows them, bad rows reported while good rows load, rows of one loan that contradict each other."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.loans.consistency import drop_conflicts
from bot.loans.csv_file import UnreadableFile, read_csv, read_json_rows
from bot.loans.rows import COLUMNS, InstalmentRow
from bot.loans.shift import anchor_of, shifted

ROOT = Path(__file__).resolve().parents[3]
HEADER = ",".join(COLUMNS)
GOOD = "300 123 4567,1.017.234.567,L-1,microcredito_empresarial,2026-01-05,1,2026-02-05,$150.000,0,pendiente"


def csv_bytes(*lines: str, separator: str = ",", bom: bool = False) -> bytes:
    text = "\n".join(line.replace(",", separator) for line in lines) + "\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode()


def test_a_good_row_becomes_a_typed_record() -> None:
    parsed = read_csv(csv_bytes(HEADER, GOOD))
    assert parsed.rejected == []
    assert parsed.rows == [
        InstalmentRow(
            line=2,
            loan_ref="L-1",
            product="microcredito_empresarial",
            national_id="1017234567",
            phone_e164="+573001234567",
            disbursed_on=date(2026, 1, 5),
            number=1,
            due_on=date(2026, 2, 5),
            amount_due=150_000,
            amount_paid=0,
            status="pending",
        )
    ]


@pytest.mark.parametrize("bom", [False, True])
@pytest.mark.parametrize("separator", [",", ";"])
def test_bom_and_semicolons_as_excel_writes_them(bom: bool, separator: str) -> None:
    row = "3001234567,1017234567,L-1,p,05/01/2026,1,05/02/2026,150000,150000,pagada"
    parsed = read_csv(csv_bytes(HEADER.upper(), row, separator=separator, bom=bom))
    assert (
        parsed.rejected == []
        and parsed.rows[0].status == "paid"
        and parsed.rows[0].phone_e164 == "+573001234567"
    )


def test_semicolons_keep_a_comma_amount_in_one_cell() -> None:
    row = "3001234567;1017234567;L-1;p;2026-01-05;1;2026-02-05;150.000,00;0;"
    parsed = read_csv(csv_bytes(HEADER.replace(",", ";"), row))  # the row keeps its comma
    assert parsed.rows[0].amount_due == 150_000


def test_columns_in_any_order_and_case_extra_columns_ignored() -> None:
    header = "Status,Amount Paid,amount_due,DUE_DATE,instalment-number,Disbursed_On,product,Loan ID,national_id,Phone,notes"
    row = "pendiente,0,150000,2026-02-05,1,2026-01-05,p,L-1,1017234567,3001234567,cliente nuevo"
    parsed = read_csv(csv_bytes(header, row))
    assert parsed.rejected == [] and parsed.rows[0].loan_ref == "L-1" and parsed.rows[0].number == 1


def test_windows_1252_is_read_too() -> None:
    header = HEADER + ",observación"
    parsed = read_csv((header + "\n" + GOOD + ",está al día\n").encode("cp1252"))
    assert parsed.rejected == [] and len(parsed.rows) == 1


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"\n\n", "empty"),
        (csv_bytes(HEADER.replace("phone,", "")), "missing columns: phone"),
        (
            csv_bytes(HEADER.replace(",status", "").replace("due_date,", "")),
            "missing columns: due_date, status",
        ),
        (csv_bytes("3001234567,1017234567,L-1"), "missing columns"),
        (csv_bytes(HEADER + ",Phone"), "named more than once: phone"),
    ],
)
def test_an_unreadable_file_says_why(data: bytes, reason: str) -> None:
    with pytest.raises(UnreadableFile, match=reason):
        read_csv(data)


def test_bad_rows_are_reported_with_their_spreadsheet_line_while_good_rows_load() -> None:
    parsed = drop_conflicts(
        read_csv(
            csv_bytes(
                HEADER,
                GOOD,  # line 2
                "6041234567,1017234567,L-2,p,2026-01-05,1,2026-02-05,150000,0,",  # 3: a landline
                "",  # 4: blank, as spreadsheets leave
                "3001234567,1017234567,L-1,p,2026-01-05,2,2026-03-05,150,000,0,",  # 5: unquoted comma
                '3001234567,1017234567,L-1,microcredito_empresarial,2026-01-05,3,"2026-04-05",150000,0,pending',  # 6
                "3001234567,1017234567,L-3,p,2026-05-01,1,01/02/2026,abc,0,quizás",  # 7: three problems
            )
        )
    )
    assert [row.line for row in parsed.rows] == [2, 6]
    assert [(item.line, item.reason) for item in parsed.rejected] == [
        (3, "phone ********67 is not a valid Colombian number (10 digits, starting with 3)"),
        (
            5,
            "has 11 values but the header has 10 (a value with a comma, such as 150,000, must be quoted or written 150000)",
        ),
        (
            7,
            "amount_due 'abc' is not an amount in pesos; status 'quizás' is unknown (pending, paid or canceled); "
            "due_date is before disbursed_on (day and month swapped?)",
        ),
    ]


def test_amount_paid_reaching_amount_due_means_paid_whatever_the_status() -> None:
    rows = read_csv(
        csv_bytes(
            HEADER,
            "3001234567,1017234567,L-1,p,2026-01-05,1,2026-02-05,150000,150000,pendiente",
            "3001234567,1017234567,L-1,p,2026-01-05,2,2026-03-05,150000,160000,",
            "3001234567,1017234567,L-1,p,2026-01-05,3,2026-04-05,150000,149000,",
        )
    ).rows
    assert [row.status for row in rows] == ["paid", "paid", "pending"]


def test_rows_of_one_loan_that_name_another_borrower_are_reported_not_mixed() -> None:
    parsed = drop_conflicts(
        read_csv(
            csv_bytes(
                HEADER,
                "3001234567,1017234567,L-1,p,2026-01-05,1,2026-02-05,150000,0,",
                "3009876543,1017234567,L-1,p,2026-01-05,2,2026-03-05,150000,0,",  # another phone
                "3001234567,52123456,L-1,q,2026-01-05,3,2026-04-05,150000,0,",  # another cédula and product
                "3001234567,1017234567,L-1,p,2026-01-05,1,2026-02-06,150000,0,",  # instalment 1 again
                "3001234567,1017234567,L-1,p,2026-01-05,4,2026-05-05,150000,0,",
            )
        )
    )
    assert [row.line for row in parsed.rows] == [2, 6]
    assert [(item.line, item.reason) for item in parsed.rejected] == [
        (3, "loan L-1 has another phone on line 2: one loan is one borrower, this row is left out"),
        (
            4,
            "loan L-1 has another product and national_id on line 2: one loan is one borrower, this row is left out",
        ),
        (5, "instalment 1 of loan L-1 is already on line 2: this row is left out"),
    ]
    assert "9876543" not in str(parsed.rejected) and "52123456" not in str(parsed.rejected)


def test_json_rows_take_numbers_and_are_numbered_from_one() -> None:
    good = {
        "phone": 3001234567,
        "national_id": "1017234567",
        "loan_id": "L-1",
        "product": "p",
        "disbursed_on": "2026-01-05",
        "instalment_number": 1,
        "due_date": "2026-02-05",
        "amount_due": 150000,
        "amount_paid": None,
        "status": "pending",
    }
    parsed = read_json_rows([good, {**good, "phone": None}, "not an object"])
    assert [row.amount_due for row in parsed.rows] == [150_000]
    assert [(item.line, item.reason) for item in parsed.rejected] == [
        (2, "phone is empty"),
        (3, "is not an object with the columns as keys"),
    ]


def test_shift_moves_every_date_so_the_median_due_date_is_today() -> None:
    parsed = read_csv(
        csv_bytes(
            HEADER,
            "3001234567,1017234567,L-1,p,2026-01-05,1,2026-02-05,150000,0,",
            "3001234567,1017234567,L-1,p,2026-01-05,2,2026-03-05,150000,0,",
            "3001234567,1017234567,L-1,p,2026-01-05,3,2026-04-05,150000,0,",
        )
    )
    assert anchor_of(parsed.rows) == date(2026, 3, 5)
    moved, days = shifted(parsed, date(2026, 3, 15))
    assert days == 10
    assert [row.due_on for row in moved.rows] == [date(2026, 2, 15), date(2026, 3, 15), date(2026, 4, 15)]
    assert moved.rows[0].disbursed_on == date(2026, 1, 15)
    assert shifted(parsed, date(2026, 3, 15), anchor=date(2026, 2, 5))[0].rows[0].due_on == date(2026, 3, 15)
