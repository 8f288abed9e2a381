"""Loans, their instalments, repayment reminders and payment claims (issue 12).

The loans are the core banking system's: imported (``python -m bot.cli import-loans``, ``POST
/api/loans``), upserted by (loan reference, instalment number), never edited by the bot. A loan is
linked to a person by phone number (``phone_e164``, the same normalisation as ``contacts``), not by a
foreign key: a borrower may write for the first time after the import.

Registered on ``Base.metadata`` by bot/db/models.py (imported at its end).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.models import Base, UTCDateTime, utcnow


class Loan(Base):
    """One loan as the core banking system knows it. ``national_id``: the borrower's cédula (personal
    data: never logged, shown masked)."""

    __tablename__ = "loans"

    id: Mapped[int] = mapped_column(primary_key=True)
    loan_ref: Mapped[str] = mapped_column(String(40), unique=True)  # the core system's loan id
    product: Mapped[str] = mapped_column(String(64))
    national_id: Mapped[str] = mapped_column(String(20))
    phone_e164: Mapped[str] = mapped_column(String(20), index=True)
    disbursed_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class Instalment(Base):
    """One instalment (cuota) of a loan. Amounts in whole Colombian pesos.

    ``status`` as the core system says: pending | paid | canceled (written off, refinanced). A row
    whose ``amount_paid`` reaches ``amount_due`` is paid whatever the file said. ``reminders_paused_until``:
    the borrower said they paid ("ya pagué"); no reminder for it before then.
    """

    __tablename__ = "instalments"
    __table_args__ = (
        UniqueConstraint("loan_id", "number", name="uq_instalments_loan_number"),
        Index("ix_instalments_status_due", "status", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    due_on: Mapped[date] = mapped_column(Date)
    amount_due: Mapped[int] = mapped_column(Integer)
    amount_paid: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    status: Mapped[str] = mapped_column(String(16), default="pending")
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reminders_paused_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class RepaymentReminder(Base):
    """One planned reminder: instalment × step of data/repayment_reminders.yml. The unique key makes a
    second send of the same step impossible, across restarts and with several workers.

    ``status``: planned -> queued (its outbox row exists: ``message_id``) | skipped (not sent, final:
    ``reason`` says why — paid, opted out, no consent, no conversation…) | canceled (the instalment was
    paid before it went). ``planned_at`` is always a moment the contact hours allow; a reminder held
    back by the per-person limits moves forward (``planned_at`` rewritten).
    """

    __tablename__ = "repayment_reminders"
    __table_args__ = (
        UniqueConstraint("instalment_id", "step", name="uq_repayment_reminders_step"),
        Index("ix_repayment_reminders_due", "status", "planned_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    instalment_id: Mapped[int] = mapped_column(ForeignKey("instalments.id", ondelete="CASCADE"))
    step: Mapped[str] = mapped_column(String(24))  # a step id of data/repayment_reminders.yml
    planned_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16), default="planned")
    reason: Mapped[str | None] = mapped_column(String(80))  # why skipped or canceled; no personal data
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class PaymentClaim(Base):
    """The borrower said they paid ("ya pagué"): a consultant verifies it against the core system.

    ``status``: open -> confirmed | rejected (by a consultant), or confirmed by an import that marks the
    instalment paid.
    """

    __tablename__ = "payment_claims"

    id: Mapped[int] = mapped_column(primary_key=True)
    instalment_id: Mapped[int] = mapped_column(ForeignKey("instalments.id", ondelete="CASCADE"), index=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), default="open")
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
