"""A whole loans file (CSV bytes or the API's JSON rows) into typed rows and rejections.

CSV as spreadsheets in Colombia write it: UTF-8 with or without BOM (Windows-1252 is accepted too:
Excel's plain "CSV" on a Spanish Windows), ``,`` or ``;`` between values (the header decides), columns
in any order and any case. Line numbers are a spreadsheet's rows: the header is line 1. A file that
cannot be read as a whole (empty, no header, missing columns) raises ``UnreadableFile``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.loans.rows import COLUMNS, InstalmentRow, Memo, Rejection, parse_row


class UnreadableFile(ValueError):
    """Nothing in the file can be loaded; the message says why."""


@dataclass(slots=True)
class ParsedRows:
    rows: list[InstalmentRow] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)

    def add(self, parsed: InstalmentRow | Rejection) -> None:
        if isinstance(parsed, Rejection):
            self.rejected.append(parsed)
        else:
            self.rows.append(parsed)


def column_key(name: str) -> str:
    """'Loan ID', ' loan-id ' and 'LOAN_ID' name the same column."""
    return "_".join(name.replace("\ufeff", "").replace("-", " ").lower().split())


def decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def header_columns(cells: Sequence[str]) -> list[str]:
    names = [column_key(cell) for cell in cells]
    repeated = sorted({name for name in names if name and names.count(name) > 1})
    if repeated:
        raise UnreadableFile(f"columns named more than once: {', '.join(repeated)}")
    missing = [column for column in COLUMNS if column not in names]
    if missing:
        found = ", ".join(name for name in names if name) or "nothing"
        raise UnreadableFile(
            f"missing columns: {', '.join(missing)} (the header, line 1, has: {found[:300]})"
        )
    return names


def read_csv(data: bytes) -> ParsedRows:
    text = decode(data)
    first_line = text.lstrip("\r\n").partition("\n")[0]
    if not first_line.strip():
        raise UnreadableFile("the file is empty (expected a header row on line 1)")
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    records = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return _parse_records(records)
    except csv.Error as error:
        raise UnreadableFile(f"not a CSV file: {error}") from None


def _parse_records(records: Iterable[list[str]]) -> ParsedRows:
    parsed = ParsedRows()
    memo: Memo = {}
    names: list[str] | None = None
    for line, cells in enumerate(records, start=1):
        if names is None:
            if not any(cell.strip() for cell in cells):
                raise UnreadableFile("line 1 is empty (expected the header row)")
            names = header_columns(cells)
            continue
        if not any(cell.strip() for cell in cells):
            continue  # a blank row, as spreadsheets leave at the end
        if len(cells) != len(names):
            parsed.add(Rejection(line, _width_reason(len(cells), len(names))))
            continue
        parsed.add(parse_row(dict(zip(names, cells, strict=True)), line, memo))
    if names is None:
        raise UnreadableFile("the file is empty (expected a header row on line 1)")
    return parsed


def _width_reason(found: int, expected: int) -> str:
    hint = (
        " (a value with a comma, such as 150,000, must be quoted or written 150000)"
        if found > expected
        else ""
    )
    return f"has {found} values but the header has {expected}{hint}"


def read_json_rows(rows: Sequence[Any]) -> ParsedRows:
    """The API's ``{"rows": [...]}``: ``line`` is a row's position, the first being 1."""
    parsed = ParsedRows()
    memo: Memo = {}
    for position, row in enumerate(rows, start=1):
        if not isinstance(row, Mapping):
            parsed.add(Rejection(position, "is not an object with the columns as keys"))
            continue
        parsed.add(parse_row({column_key(str(key)): value for key, value in row.items()}, position, memo))
    return parsed
