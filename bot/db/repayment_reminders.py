"""Queries behind the repayment reminders (bot/reminders/): bulk reads and inserts for planning, and
the conditional updates that make a reminder go at most once.

Every change to a reminder row is conditional on ``status = 'planned'``: two workers, or a worker and
the import's ``mark_paid``, can race on a row and only one of them changes it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.loan_models import Instalment, Loan, RepaymentReminder
from bot.db.models import Consent, Contact, Conversation

PLANNED = "planned"
UNPAID = and_(Instalment.status == "pending", Instalment.amount_paid < Instalment.amount_due)
INSERT_CHUNK = 5_000  # rows per executemany


async def instalments_to_plan(
    session: AsyncSession, *, steps: int
) -> tuple[list[tuple[int, date]], dict[int, set[str]]]:
    """Unpaid instalments with fewer than ``steps`` reminder rows, and the steps they already have."""
    counts = (
        select(RepaymentReminder.instalment_id, func.count().label("n"))
        .group_by(RepaymentReminder.instalment_id)
        .subquery()
    )
    rows = await session.execute(
        select(Instalment.id, Instalment.due_on)
        .outerjoin(counts, counts.c.instalment_id == Instalment.id)
        .where(UNPAID, func.coalesce(counts.c.n, 0) < steps)
    )
    instalments = [(int(row[0]), row[1]) for row in rows]
    existing: dict[int, set[str]] = {}
    partly = (
        select(RepaymentReminder.instalment_id, RepaymentReminder.step)
        .join(Instalment, Instalment.id == RepaymentReminder.instalment_id)
        .join(counts, counts.c.instalment_id == Instalment.id)
        .where(UNPAID, counts.c.n < steps)
    )
    for instalment_id, step in await session.execute(partly):
        existing.setdefault(int(instalment_id), set()).add(str(step))
    return instalments, existing


REMINDER_COLUMNS = ("instalment_id", "step", "planned_at", "status", "reason", "created_at", "updated_at")
_DATETIME_COLUMNS = ("planned_at", "created_at", "updated_at")


async def insert_reminders(session: AsyncSession, rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert rows (values in ``REMINDER_COLUMNS`` order) in chunks with the driver's executemany; a
    row whose (instalment, step) exists is left as it is.

    Set-based planning writes ~400,000 rows for 100,000 instalments: binding through the ORM cost
    most of the time in type processing of the same few hundred datetimes, so each distinct datetime
    is converted once with the column type's own bind processor (the same value the ORM would store).
    """
    connection = await session.connection()
    dialect = connection.dialect
    table = RepaymentReminder.__table__
    converters = {
        index: _memoised(table.c[name].type.bind_processor(dialect))
        for index, name in enumerate(REMINDER_COLUMNS)
        if name in _DATETIME_COLUMNS
    }
    if dialect.name == "postgresql":  # COPY sends aware datetimes as instants: nothing to convert
        await _copy_then_insert(connection, rows)
        return
    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    sql = (
        f"INSERT INTO {RepaymentReminder.__tablename__} ({', '.join(REMINDER_COLUMNS)}) "  # noqa: S608
        f"VALUES ({', '.join([marker] * len(REMINDER_COLUMNS))}) "
        "ON CONFLICT (instalment_id, step) DO NOTHING"
    )  # constants only: the table's own name and columns, and placeholders
    for start in range(0, len(rows), INSERT_CHUNK):
        await connection.exec_driver_sql(sql, _converted(rows[start : start + INSERT_CHUNK], converters))


def _converted(
    rows: Sequence[tuple[Any, ...]], converters: dict[int, Callable[[Any], Any]]
) -> list[tuple[Any, ...]]:
    return [
        tuple(converters[i](value) if i in converters else value for i, value in enumerate(row))
        for row in rows
    ]


_STAGING = "repayment_reminders_new"


async def _copy_then_insert(connection: Any, rows: Sequence[tuple[Any, ...]]) -> None:
    """PostgreSQL: COPY the rows into a temporary table of this transaction, then one INSERT … SELECT …
    ON CONFLICT DO NOTHING. For 400,000 rows executemany spent more time in round trips than the
    database spent inserting (docs/BENCHMARKS.md, issue 12)."""
    columns = ", ".join(REMINDER_COLUMNS)
    await connection.exec_driver_sql(
        f"CREATE TEMPORARY TABLE IF NOT EXISTS {_STAGING} ON COMMIT DROP AS "  # noqa: S608
        f"SELECT {columns} FROM {RepaymentReminder.__tablename__} WITH NO DATA"
    )  # only the planned columns: no id, so the staging rows take no numbers from the table's sequence
    raw = (await connection.get_raw_connection()).driver_connection
    async with raw.cursor() as cursor, cursor.copy(f"COPY {_STAGING} ({columns}) FROM STDIN") as copy:
        for row in rows:
            await copy.write_row(row)
    await connection.exec_driver_sql(
        f"INSERT INTO {RepaymentReminder.__tablename__} ({columns}) "  # noqa: S608
        f"SELECT {columns} FROM {_STAGING} ON CONFLICT (instalment_id, step) DO NOTHING"
    )  # constants only: the tables' own names and columns
    await connection.exec_driver_sql(f"TRUNCATE {_STAGING}")


def _memoised(processor: Callable[[Any], Any] | None) -> Callable[[Any], Any]:
    if processor is None:
        return lambda value: value
    cache: dict[Any, Any] = {}

    def convert(value: Any) -> Any:
        if value not in cache:
            cache[value] = processor(value)
        return cache[value]

    return convert


async def due_reminder_ids(session: AsyncSession, *, now: datetime, limit: int) -> list[int]:
    ids = await session.scalars(
        select(RepaymentReminder.id)
        .where(RepaymentReminder.status == PLANNED, RepaymentReminder.planned_at <= now)
        .order_by(RepaymentReminder.planned_at, RepaymentReminder.id)
        .limit(limit)
    )
    return list(ids.all())


@dataclass(frozen=True, slots=True)
class ReminderRow:
    reminder: RepaymentReminder
    instalment: Instalment
    loan: Loan


async def reminder_with_loan(session: AsyncSession, *, reminder_id: int) -> ReminderRow | None:
    row = (
        await session.execute(
            select(RepaymentReminder, Instalment, Loan)
            .join(Instalment, Instalment.id == RepaymentReminder.instalment_id)
            .join(Loan, Loan.id == Instalment.loan_id)
            .where(RepaymentReminder.id == reminder_id)
        )
    ).first()
    return None if row is None else ReminderRow(row[0], row[1], row[2])


async def contact_by_phone(session: AsyncSession, *, phone_e164: str) -> Contact | None:
    return await session.scalar(select(Contact).where(Contact.phone_e164 == phone_e164))


async def consented_purposes(session: AsyncSession, *, contact_id: int) -> tuple[str, ...]:
    """The purposes of the contact's latest general consent answer; none when it was no."""
    latest = await session.scalar(
        select(Consent)
        .where(Consent.contact_id == contact_id, Consent.kind == "general")
        .order_by(Consent.answered_at.desc(), Consent.id.desc())
        .limit(1)
    )
    if latest is None or not latest.accepted:
        return ()
    return tuple(str(purpose) for purpose in latest.purposes or ())


async def latest_conversation(session: AsyncSession, *, contact_id: int) -> Conversation | None:
    """The contact's conversation with the latest inbound message (WhatsApp or SMS)."""
    return await session.scalar(
        select(Conversation)
        .where(Conversation.contact_id == contact_id)
        .order_by(Conversation.last_inbound_at.desc().nulls_last(), Conversation.id.desc())
        .limit(1)
    )


async def settle(session: AsyncSession, *, reminder_id: int, status: str, reason: str, at: datetime) -> bool:
    """planned → skipped | canceled with the reason (no personal data); False if it had moved on."""
    result = await session.execute(
        update(RepaymentReminder)
        .where(RepaymentReminder.id == reminder_id, RepaymentReminder.status == PLANNED)
        .values(status=status, reason=reason, updated_at=at)
    )
    return bool(getattr(result, "rowcount", 0))


async def move(
    session: AsyncSession, *, reminder_id: int, planned_at: datetime, reason: str, at: datetime
) -> bool:
    """A planned reminder waits until ``planned_at`` (paused, limits, a consultant's conversation)."""
    result = await session.execute(
        update(RepaymentReminder)
        .where(RepaymentReminder.id == reminder_id, RepaymentReminder.status == PLANNED)
        .values(planned_at=planned_at, reason=reason, updated_at=at)
    )
    return bool(getattr(result, "rowcount", 0))


async def claim_for_queue(session: AsyncSession, *, reminder_id: int, at: datetime) -> bool:
    """planned → queued, only while the instalment is still unpaid: the one statement that decides
    which worker sends it (the caller adds the outbox row in the same transaction)."""
    unpaid = select(Instalment.id).where(Instalment.id == RepaymentReminder.instalment_id, UNPAID).exists()
    result = await session.execute(
        update(RepaymentReminder)
        .where(
            RepaymentReminder.id == reminder_id,
            RepaymentReminder.status == PLANNED,
            unpaid,
        )
        .values(status="queued", reason=None, updated_at=at)
    )
    return bool(getattr(result, "rowcount", 0))


async def set_message(session: AsyncSession, *, reminder_id: int, message_id: int) -> None:
    await session.execute(
        update(RepaymentReminder).where(RepaymentReminder.id == reminder_id).values(message_id=message_id)
    )
