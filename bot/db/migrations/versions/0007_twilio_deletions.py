"""twilio deletions: copies at Twilio still to delete (erasure, downloaded or held media)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 07:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "twilio_deletions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_sid", sa.String(length=34), nullable=False),
        sa.Column("media_sid", sa.String(length=34), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("message_sid", "media_sid", name="uq_twilio_deletions_sids"),
    )
    with op.batch_alter_table("twilio_deletions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_twilio_deletions_next_attempt_at"), ["next_attempt_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("twilio_deletions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_twilio_deletions_next_attempt_at"))
    op.drop_table("twilio_deletions")
