"""Loans import against SQLite and PostgreSQL: good rows in while bad rows are reported, re-import
changes nothing, a later payment makes the instalment paid, cancels its planned reminders and confirms
its open claims; a file larger than one batch."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.db.engine import SessionFactory, make_engine, make_session_factory
from bot.db.loan_models import Instalment, Loan, PaymentClaim, RepaymentReminder
from bot.db.loans import mark_paid
from bot.db.models import Contact, Conversation
from bot.loans.csv_file import read_csv
from bot.loans.importer import ImportReport, import_parsed
from bot.settings import Settings

HEADER = (
    "phone,national_id,loan_id,product,disbursed_on,instalment_number,due_date,amount_due,amount_paid,status"
)
NOW = datetime(2026, 3, 16, 15, 0, tzinfo=UTC)


def row(
    loan: str, number: int, *, paid: str = "0", status: str = "pendiente", phone: str = "300 123 4567"
) -> str:
    due = date(2026, 1, 5) + timedelta(days=30 * number)
    return f"{phone},1.017.234.567,{loan},microcredito_empresarial,2026-01-05,{number},{due:%d/%m/%Y},$150.000,{paid},{status}"


def csv(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode()


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[SessionFactory]:
    engine = make_engine(Settings(app_env="test", database_url=database_url))
    yield make_session_factory(engine)
    await engine.dispose()


async def load(sessions: SessionFactory, data: bytes, now: datetime = NOW) -> ImportReport:
    async with sessions() as session, session.begin():
        return await import_parsed(session, read_csv(data), now=now, source="test")


def counts(report: ImportReport) -> tuple[int, int, int, int]:
    return report.inserted, report.updated, report.unchanged, len(report.rejected)


async def test_good_rows_load_bad_rows_are_reported_and_a_second_import_changes_nothing(
    sessions: SessionFactory,
) -> None:
    data = csv(
        row("L-1", 1, paid="150.000", status="pagada"),
        row("L-1", 2),
        row("L-2", 1, phone="604 123 4567"),  # line 4: a landline
        row("L-3", 1, phone="+57 300 555 0101"),
        row("L-1", 3, phone="300 555 0199"),  # line 6: L-1 belongs to another phone
    )
    first = await load(sessions, data)
    assert counts(first) == (3, 0, 0, 2)
    assert [(item.line, item.reason.split(" ")[0]) for item in first.rejected] == [(4, "phone"), (6, "loan")]
    async with sessions() as session:
        loans = (
            await session.execute(
                select(Loan.loan_ref, Loan.phone_e164, Loan.national_id).order_by(Loan.loan_ref)
            )
        ).all()
        assert loans == [("L-1", "+573001234567", "1017234567"), ("L-3", "+573005550101", "1017234567")]
        statuses = (
            await session.execute(
                select(Instalment.number, Instalment.status, Instalment.paid_at).order_by(Instalment.id)
            )
        ).all()
        assert [(number, status) for number, status, _ in statuses] == [
            (1, "paid"),
            (2, "pending"),
            (1, "pending"),
        ]
        assert statuses[0][2] == NOW and statuses[1][2] is None
    again = await load(sessions, data, now=NOW + timedelta(days=1))
    assert counts(again) == (0, 0, 3, 2) and again.marked_paid == 0
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Instalment)) == 3
        assert (
            await session.scalar(
                select(Instalment.paid_at).where(Instalment.number == 1, Instalment.status == "paid")
            )
            == NOW
        )


async def _conversation(sessions: SessionFactory) -> int:
    async with sessions() as session, session.begin():
        contact = Contact(phone_e164="+573001234567")
        session.add(contact)
        await session.flush()
        conversation = Conversation(rasa_sender_id="loans-test", contact_id=contact.id, channel="sms")
        session.add(conversation)
        await session.flush()
        return conversation.id


async def test_a_payment_in_a_later_file_pays_the_instalment_cancels_its_planned_reminders_and_confirms_claims(
    sessions: SessionFactory,
) -> None:
    await load(sessions, csv(row("L-1", 1), row("L-1", 2)))
    conversation_id = await _conversation(sessions)
    async with sessions() as session, session.begin():
        first, second = (await session.scalars(select(Instalment.id).order_by(Instalment.number))).all()
        for instalment_id in (first, second):
            session.add_all(
                [
                    RepaymentReminder(
                        instalment_id=instalment_id, step="before_3d", planned_at=NOW, status="queued"
                    ),
                    RepaymentReminder(
                        instalment_id=instalment_id, step="due_day", planned_at=NOW, status="planned"
                    ),
                    RepaymentReminder(
                        instalment_id=instalment_id, step="after_1d", planned_at=NOW, status="planned"
                    ),
                ]
            )
        session.add_all(
            [
                PaymentClaim(
                    instalment_id=first, conversation_id=conversation_id, status="open", claimed_at=NOW
                ),
                PaymentClaim(
                    instalment_id=first, conversation_id=conversation_id, status="rejected", claimed_at=NOW
                ),
                PaymentClaim(
                    instalment_id=second, conversation_id=conversation_id, status="open", claimed_at=NOW
                ),
            ]
        )
    later = NOW + timedelta(days=2)
    report = await load(sessions, csv(row("L-1", 1, paid="150000"), row("L-1", 2, paid="50000")), now=later)
    assert counts(report) == (0, 2, 0, 0) and report.marked_paid == 1
    async with sessions() as session:
        instalments = (
            await session.execute(
                select(Instalment.id, Instalment.status, Instalment.amount_paid, Instalment.paid_at)
            )
        ).all()
        assert {(i, s, a, p) for i, s, a, p in instalments} == {
            (first, "paid", 150_000, later),
            (second, "pending", 50_000, None),
        }
        reminders = (
            await session.execute(
                select(
                    RepaymentReminder.instalment_id,
                    RepaymentReminder.step,
                    RepaymentReminder.status,
                    RepaymentReminder.reason,
                )
            )
        ).all()
        assert set(reminders) == {
            (first, "before_3d", "queued", None),  # already in the outbox: not this import's to undo
            (first, "due_day", "canceled", "paid"),
            (first, "after_1d", "canceled", "paid"),
            (second, "before_3d", "queued", None),
            (second, "due_day", "planned", None),
            (second, "after_1d", "planned", None),
        }
        claims = (
            await session.execute(
                select(PaymentClaim.instalment_id, PaymentClaim.status, PaymentClaim.resolved_at)
            )
        ).all()
        assert set(claims) == {(first, "confirmed", later), (first, "rejected", None), (second, "open", None)}
    async with sessions() as session, session.begin():
        assert await mark_paid(session, [first, second], later) == 1  # the others can call it; paid once
        assert await session.scalar(select(Instalment.paid_at).where(Instalment.id == first)) == later


async def test_a_canceled_instalment_cancels_its_planned_reminders_and_a_new_phone_updates_the_loan(
    sessions: SessionFactory,
) -> None:
    await load(sessions, csv(row("L-1", 1), row("L-1", 2)))
    async with sessions() as session, session.begin():
        first = await session.scalar(select(Instalment.id).where(Instalment.number == 1))
        session.add(RepaymentReminder(instalment_id=first, step="due_day", planned_at=NOW, status="planned"))
    report = await load(
        sessions, csv(row("L-1", 1, status="anulada", phone="3005550101"), row("L-1", 2, phone="3005550101"))
    )
    assert counts(report) == (0, 2, 0, 0) and report.marked_paid == 0
    async with sessions() as session:
        assert await session.scalar(select(Loan.phone_e164)) == "+573005550101"
        assert await session.scalar(select(Instalment.status).where(Instalment.id == first)) == "canceled"
        assert (await session.execute(select(RepaymentReminder.status, RepaymentReminder.reason))).one() == (
            "canceled",
            "canceled",
        )


async def test_a_moved_due_date_or_a_reversed_payment_forgets_the_reminders_that_never_went_out(
    sessions: SessionFactory,
) -> None:
    """The planner plans them again for the current due date; what went out (queued) stays."""
    await load(sessions, csv(row("L-1", 1), row("L-1", 2, paid="150000", status="pagada"), row("L-1", 3)))
    async with sessions() as session, session.begin():
        first, second, third = (
            await session.scalars(select(Instalment.id).order_by(Instalment.number))
        ).all()
        session.add_all(
            [
                RepaymentReminder(instalment_id=first, step="before_3d", planned_at=NOW, status="queued"),
                RepaymentReminder(instalment_id=first, step="due_day", planned_at=NOW, status="planned"),
                RepaymentReminder(
                    instalment_id=first,
                    step="after_7d",
                    planned_at=NOW,
                    status="skipped",
                    reason="superseded",
                ),
                RepaymentReminder(
                    instalment_id=second, step="due_day", planned_at=NOW, status="canceled", reason="paid"
                ),
                RepaymentReminder(instalment_id=third, step="due_day", planned_at=NOW, status="planned"),
            ]
        )
    moved = row("L-1", 1).replace("04/02/2026", "20/02/2026")
    assert moved != row("L-1", 1)
    await load(sessions, csv(moved, row("L-1", 2), row("L-1", 3)))  # 2: the payment was reversed
    async with sessions() as session:
        left = (
            await session.execute(
                select(RepaymentReminder.instalment_id, RepaymentReminder.step, RepaymentReminder.status)
            )
        ).all()
    assert set(left) == {(first, "before_3d", "queued"), (third, "due_day", "planned")}


def big_file(loans: int, per_loan: int, *, shift_days: int = 0) -> bytes:
    lines = [HEADER]
    for index in range(loans):
        for number in range(1, per_loan + 1):
            due = date(2026, 1, 5) + timedelta(days=30 * number + shift_days)
            lines.append(
                f"300{1_000_000 + index:07d},{10_000_000 + index},L-{index},microcredito_empresarial,"
                f"2026-01-05,{number},{due.isoformat()},$150.000,0,pendiente"
            )
    return ("\n".join(lines) + "\n").encode()


async def test_a_file_larger_than_one_batch_inserts_then_changes_nothing_then_updates_every_row(
    sessions: SessionFactory,
) -> None:
    """10,000 instalments: two batches of the upsert (CHUNK 5,000) and of the comparison with what is
    stored. (Timing 100,000 is a benchmark's job, not a test's.)"""
    first = await load(sessions, big_file(2_000, 5))
    assert counts(first) == (10_000, 0, 0, 0) and first.loans == 2_000
    again = await load(sessions, big_file(2_000, 5))
    assert counts(again) == (0, 0, 10_000, 0)
    moved = await load(sessions, big_file(2_000, 5, shift_days=1))
    assert counts(moved) == (0, 10_000, 0, 0)
    async with sessions() as session:
        assert await session.scalar(select(func.count(Instalment.id))) == 10_000
