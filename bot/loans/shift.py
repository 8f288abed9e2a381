"""Development and tests: move a file's dates so its anchor is today ("dates around today" any day).

The anchor of a file is its median due date (of the sorted due dates, the middle one; the lower of
the two middles for an even count): scripts/make_sample_loans.py builds data/sample_loans.csv so that
the median is its fixed anchor, with instalments due a few days before and after it. Every date moves
by the same number of days, so what was due 3 days after the anchor is due 3 days from today.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from bot.loans.csv_file import ParsedRows
from bot.loans.rows import InstalmentRow


def anchor_of(rows: list[InstalmentRow]) -> date | None:
    due_dates = sorted(row.due_on for row in rows)
    return due_dates[(len(due_dates) - 1) // 2] if due_dates else None


def shifted(parsed: ParsedRows, today: date, anchor: date | None = None) -> tuple[ParsedRows, int]:
    """The rows with every date moved so that ``anchor`` (default: the file's) falls on ``today``;
    also the number of days moved."""
    anchor = anchor or anchor_of(parsed.rows)
    if anchor is None:
        return parsed, 0
    delta = timedelta(days=(today - anchor).days)
    rows = [
        replace(row, disbursed_on=row.disbursed_on + delta, due_on=row.due_on + delta) for row in parsed.rows
    ]
    return ParsedRows(rows=rows, rejected=list(parsed.rejected)), delta.days
