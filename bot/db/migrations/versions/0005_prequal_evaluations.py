"""prequal evaluations

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 10:12:05.118406
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "prequal_evaluations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("product_id", sa.String(length=64), nullable=True),
        sa.Column("rules_version", sa.String(length=64), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=True),
        sa.Column("document_type", sa.String(length=16), nullable=True),
        sa.Column("document_number", sa.String(length=20), nullable=True),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("evaluation", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("message_id", name="uq_prequal_evaluations_message_id"),
    )
    with op.batch_alter_table("prequal_evaluations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_prequal_evaluations_contact_id"), ["contact_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_prequal_evaluations_conversation_id"), ["conversation_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("prequal_evaluations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_prequal_evaluations_conversation_id"))
        batch_op.drop_index(batch_op.f("ix_prequal_evaluations_contact_id"))

    op.drop_table("prequal_evaluations")
