"""Parsed rows into the database, with the report the CLI prints and ``POST /api/loans`` answers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.loans import upsert_instalments
from bot.loans.consistency import drop_conflicts
from bot.loans.csv_file import ParsedRows
from bot.loans.rows import Rejection
from bot.logs import get_logger

log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class ImportReport:
    loans: int
    inserted: int
    updated: int
    unchanged: int
    marked_paid: int
    rejected: list[Rejection]

    @property
    def accepted(self) -> int:
        return self.inserted + self.updated + self.unchanged

    def as_json(self) -> dict[str, Any]:
        return {
            "loans": self.loans,
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "marked_paid": self.marked_paid,
            "rejected": [{"line": item.line, "reason": item.reason} for item in self.rejected],
        }

    def summary(self) -> str:
        return (
            f"{self.loans} loans, {self.accepted + len(self.rejected)} instalment rows: "
            f"{self.inserted} inserted, {self.updated} updated, {self.unchanged} unchanged, "
            f"{len(self.rejected)} rejected; {self.marked_paid} instalments newly paid"
        )


async def import_parsed(
    session: AsyncSession, parsed: ParsedRows, *, now: datetime, source: str
) -> ImportReport:
    """Upsert the rows that agree with each other, in the caller's transaction (the caller commits)."""
    checked = drop_conflicts(parsed)
    counts = await upsert_instalments(session, checked.rows, now=now)
    report = ImportReport(
        loans=counts.loans,
        inserted=counts.inserted,
        updated=counts.updated,
        unchanged=counts.unchanged,
        marked_paid=counts.marked_paid,
        rejected=checked.rejected,
    )
    log.info(
        "loans imported",
        source=source,
        loans=report.loans,
        inserted=report.inserted,
        updated=report.updated,
        unchanged=report.unchanged,
        rejected=len(report.rejected),
        marked_paid=report.marked_paid,
    )
    return report
