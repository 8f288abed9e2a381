"""documents: requests, items, files, views; sensitive consent kind

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 15:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "document_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("evaluation_id", sa.Integer(), nullable=True),
        sa.Column("product_id", sa.String(length=64), nullable=False),
        sa.Column("formal", sa.Boolean(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("sms_route", sa.String(length=16), nullable=True),
        sa.Column("relative_code", sa.String(length=12), nullable=True),
        sa.Column("reminders_sent", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_reminder_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["evaluation_id"], ["prequal_evaluations.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("relative_code"),
    )
    with op.batch_alter_table("document_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_document_requests_contact_id"), ["contact_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_document_requests_conversation_id"), ["conversation_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_document_requests_next_reminder_at"), ["next_reminder_at"], unique=False
        )
        batch_op.create_index(
            "uq_document_requests_one_open",
            ["conversation_id"],
            unique=True,
            sqlite_where=sa.text("status != 'closed'"),
            postgresql_where=sa.text("status != 'closed'"),
        )

    op.create_table(
        "document_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("storage_key", sa.String(length=120), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("content_type", sa.String(length=40), nullable=False),
        sa.Column("bytes", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("pages", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["request_id"], ["document_requests.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("request_id", "sha256", name="uq_document_files_request_sha256"),
        sa.UniqueConstraint("storage_key"),
    )
    with op.batch_alter_table("document_files", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_document_files_request_id"), ["request_id"], unique=False)

    op.create_table(
        "document_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=True),
        sa.Column("rejection_reason", sa.String(length=40), nullable=True),
        sa.Column("reviewed_by", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["file_id"], ["document_files.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["request_id"], ["document_requests.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["reviewed_by"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("request_id", "item_id", name="uq_document_items_request_item"),
    )
    with op.batch_alter_table("document_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_document_items_request_id"), ["request_id"], unique=False)

    op.create_table(
        "document_views",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=True),
        sa.Column("conversation_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["file_id"], ["document_files.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("document_views", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_document_views_at"), ["at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_document_views_conversation_id"), ["conversation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_document_views_file_id"), ["file_id"], unique=False)

    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=16), server_default="general", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.drop_column("kind")

    with op.batch_alter_table("document_views", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_document_views_file_id"))
        batch_op.drop_index(batch_op.f("ix_document_views_conversation_id"))
        batch_op.drop_index(batch_op.f("ix_document_views_at"))

    op.drop_table("document_views")
    with op.batch_alter_table("document_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_document_items_request_id"))

    op.drop_table("document_items")
    with op.batch_alter_table("document_files", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_document_files_request_id"))

    op.drop_table("document_files")
    with op.batch_alter_table("document_requests", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_document_requests_one_open",
            sqlite_where=sa.text("status != 'closed'"),
            postgresql_where=sa.text("status != 'closed'"),
        )
        batch_op.drop_index(batch_op.f("ix_document_requests_next_reminder_at"))
        batch_op.drop_index(batch_op.f("ix_document_requests_conversation_id"))
        batch_op.drop_index(batch_op.f("ix_document_requests_contact_id"))

    op.drop_table("document_requests")
