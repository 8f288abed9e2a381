"""Queries of the payments conversation (bot/payments/) and the console's credit panel: a person's
loans by phone number, the last reminder sent, payment claims and their resolution.

A claim is always looked up through the loans of the person's phone: another person's claim id is
simply not found.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.loan_models import Instalment, Loan, PaymentClaim, RepaymentReminder


async def loans_of_phone(session: AsyncSession, *, phone_e164: str) -> list[tuple[Loan, list[Instalment]]]:
    """The loans of this phone number (oldest first), each with its instalments by number."""
    loans = (
        await session.scalars(
            select(Loan).where(Loan.phone_e164 == phone_e164).order_by(Loan.disbursed_on, Loan.id)
        )
    ).all()
    if not loans:
        return []
    rows = (
        await session.scalars(
            select(Instalment)
            .where(Instalment.loan_id.in_([loan.id for loan in loans]))
            .order_by(Instalment.loan_id, Instalment.number)
        )
    ).all()
    return [(loan, [row for row in rows if row.loan_id == loan.id]) for loan in loans]


async def last_reminded(session: AsyncSession, *, instalment_ids: Sequence[int]) -> int | None:
    """The instalment of the latest reminder that went out (queued) among these, if any."""
    if not instalment_ids:
        return None
    return await session.scalar(
        select(RepaymentReminder.instalment_id)
        .where(
            RepaymentReminder.instalment_id.in_(instalment_ids),
            RepaymentReminder.status == "queued",
        )
        .order_by(RepaymentReminder.planned_at.desc(), RepaymentReminder.id.desc())
        .limit(1)
    )


async def open_claim(session: AsyncSession, *, instalment_id: int) -> PaymentClaim | None:
    return await session.scalar(
        select(PaymentClaim)
        .where(PaymentClaim.instalment_id == instalment_id, PaymentClaim.status == "open")
        .order_by(PaymentClaim.id)
        .limit(1)
    )


async def add_claim(
    session: AsyncSession, *, instalment_id: int, conversation_id: int, message_id: int, at: datetime
) -> PaymentClaim:
    claim = PaymentClaim(
        instalment_id=instalment_id,
        conversation_id=conversation_id,
        message_id=message_id,
        status="open",
        claimed_at=at,
    )
    session.add(claim)
    await session.flush()
    return claim


async def claims_of_phone(session: AsyncSession, *, phone_e164: str) -> list[PaymentClaim]:
    """The claims on this phone's loans, newest first."""
    return list(
        (
            await session.scalars(
                select(PaymentClaim)
                .join(Instalment, Instalment.id == PaymentClaim.instalment_id)
                .join(Loan, Loan.id == Instalment.loan_id)
                .where(Loan.phone_e164 == phone_e164)
                .order_by(PaymentClaim.claimed_at.desc(), PaymentClaim.id.desc())
            )
        ).all()
    )


async def resolve_claim(
    session: AsyncSession, *, claim_id: int, phone_e164: str, status: str, at: datetime
) -> bool:
    """open → ``status`` (confirmed | rejected) for a claim on this phone's loans; False when it is
    not one of them or no longer open (one conditional UPDATE decides, as two consultants may click)."""
    owned = (
        select(PaymentClaim.id)
        .join(Instalment, Instalment.id == PaymentClaim.instalment_id)
        .join(Loan, Loan.id == Instalment.loan_id)
        .where(PaymentClaim.id == claim_id, Loan.phone_e164 == phone_e164)
    )
    result = await session.execute(
        update(PaymentClaim)
        .where(PaymentClaim.id.in_(owned), PaymentClaim.status == "open")
        .values(status=status, resolved_at=at)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


async def reminded_since(session: AsyncSession, *, phone_e164: str, since: datetime) -> bool:
    """Whether a repayment reminder of this phone's loans went out (queued) at or after ``since``."""
    found = await session.scalar(
        select(RepaymentReminder.id)
        .join(Instalment, Instalment.id == RepaymentReminder.instalment_id)
        .join(Loan, Loan.id == Instalment.loan_id)
        .where(
            Loan.phone_e164 == phone_e164,
            RepaymentReminder.status == "queued",
            RepaymentReminder.planned_at >= since,
        )
        .limit(1)
    )
    return found is not None
