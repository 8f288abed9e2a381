"""console: users, tickets (handoff_requests grown), ticket events, who wrote an outbound message

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 09:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NOT_CLOSED = sa.text("status != 'closed'")


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=120), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("branch", sa.String(length=40), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("username"),
    )
    # Before one-open-ticket-per-conversation holds: older open requests of a conversation close.
    op.execute(
        "UPDATE handoff_requests SET status = 'closed' WHERE status != 'closed' AND id NOT IN "
        "(SELECT MAX(id) FROM handoff_requests WHERE status != 'closed' GROUP BY conversation_id)"
    )
    op.execute("UPDATE handoff_requests SET status = 'open' WHERE status = 'taken'")
    with op.batch_alter_table("handoff_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("priority", sa.Integer(), server_default="50", nullable=False))
        batch_op.add_column(sa.Column("branch", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("summary", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("requests", sa.Integer(), server_default="1", nullable=False))
        batch_op.add_column(sa.Column("assignee_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("outcome", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE handoff_requests SET summary = '{}', updated_at = requested_at")
    with op.batch_alter_table("handoff_requests", schema=None) as batch_op:
        batch_op.alter_column("summary", existing_type=sa.JSON(), nullable=False)
        batch_op.alter_column("updated_at", existing_type=sa.DateTime(timezone=True), nullable=False)
        batch_op.create_foreign_key(
            "fk_handoff_requests_assignee_id_users", "users", ["assignee_id"], ["id"], ondelete="SET NULL"
        )
        batch_op.create_index(batch_op.f("ix_handoff_requests_assignee_id"), ["assignee_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_handoff_requests_branch"), ["branch"], unique=False)
        batch_op.create_index(
            "ix_handoff_requests_queue", ["status", "priority", "requested_at"], unique=False
        )
        batch_op.create_index(
            "uq_handoff_requests_one_open",
            ["conversation_id"],
            unique=True,
            sqlite_where=NOT_CLOSED,
            postgresql_where=NOT_CLOSED,
        )
    op.create_table(
        "ticket_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["ticket_id"], ["handoff_requests.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("ticket_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ticket_events_at"), ["at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_ticket_events_conversation_id"), ["conversation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_ticket_events_ticket_id"), ["ticket_id"], unique=False)
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("author_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_messages_author_id_users", "users", ["author_id"], ["id"], ondelete="SET NULL"
        )


def downgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_constraint("fk_messages_author_id_users", type_="foreignkey")
        batch_op.drop_column("author_id")
    with op.batch_alter_table("ticket_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ticket_events_ticket_id"))
        batch_op.drop_index(batch_op.f("ix_ticket_events_conversation_id"))
        batch_op.drop_index(batch_op.f("ix_ticket_events_at"))
    op.drop_table("ticket_events")
    with op.batch_alter_table("handoff_requests", schema=None) as batch_op:
        batch_op.drop_index("uq_handoff_requests_one_open")
        batch_op.drop_index("ix_handoff_requests_queue")
        batch_op.drop_index(batch_op.f("ix_handoff_requests_branch"))
        batch_op.drop_index(batch_op.f("ix_handoff_requests_assignee_id"))
        batch_op.drop_constraint("fk_handoff_requests_assignee_id_users", type_="foreignkey")
        for column in (
            "updated_at",
            "outcome",
            "closed_at",
            "claimed_at",
            "assignee_id",
            "requests",
            "summary",
            "branch",
            "priority",
        ):
            batch_op.drop_column(column)
    op.drop_table("users")
