"""message purpose, WhatsApp window closed

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 01:19:34.222683
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("whatsapp_window_closed_at", sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("purpose", sa.String(length=32), server_default="reply", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_column("purpose")

    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_column("whatsapp_window_closed_at")
