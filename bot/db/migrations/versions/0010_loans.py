"""loans, instalments, repayment reminders, payment claims

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 18:35:31.277456
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "loans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("loan_ref", sa.String(length=40), nullable=False),
        sa.Column("product", sa.String(length=64), nullable=False),
        sa.Column("national_id", sa.String(length=20), nullable=False),
        sa.Column("phone_e164", sa.String(length=20), nullable=False),
        sa.Column("disbursed_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("loan_ref"),
    )
    with op.batch_alter_table("loans", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_loans_phone_e164"), ["phone_e164"], unique=False)

    op.create_table(
        "instalments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("loan_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("amount_due", sa.Integer(), nullable=False),
        sa.Column("amount_paid", sa.Integer(), server_default="0", nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminders_paused_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["loan_id"], ["loans.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("loan_id", "number", name="uq_instalments_loan_number"),
    )
    with op.batch_alter_table("instalments", schema=None) as batch_op:
        batch_op.create_index("ix_instalments_status_due", ["status", "due_on"], unique=False)

    op.create_table(
        "payment_claims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instalment_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["instalment_id"], ["instalments.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("payment_claims", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_payment_claims_conversation_id"), ["conversation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_payment_claims_instalment_id"), ["instalment_id"], unique=False)

    op.create_table(
        "repayment_reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instalment_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=24), nullable=False),
        sa.Column("planned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=80), nullable=True),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["instalment_id"], ["instalments.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("instalment_id", "step", name="uq_repayment_reminders_step"),
    )
    with op.batch_alter_table("repayment_reminders", schema=None) as batch_op:
        batch_op.create_index("ix_repayment_reminders_due", ["status", "planned_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("repayment_reminders", schema=None) as batch_op:
        batch_op.drop_index("ix_repayment_reminders_due")

    op.drop_table("repayment_reminders")
    with op.batch_alter_table("payment_claims", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_claims_instalment_id"))
        batch_op.drop_index(batch_op.f("ix_payment_claims_conversation_id"))

    op.drop_table("payment_claims")
    with op.batch_alter_table("instalments", schema=None) as batch_op:
        batch_op.drop_index("ix_instalments_status_due")

    op.drop_table("instalments")
    with op.batch_alter_table("loans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_loans_phone_e164"))

    op.drop_table("loans")
