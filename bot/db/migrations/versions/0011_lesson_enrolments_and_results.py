"""lesson enrolments and results

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 22:02:28.943859
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "lesson_enrolments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("pause_reason", sa.String(length=24), nullable=True),
        sa.Column("rhythm", sa.String(length=16), nullable=True),
        sa.Column("send_minute", sa.Integer(), nullable=True),
        sa.Column("next_lesson", sa.Integer(), server_default="0", nullable=False),
        sa.Column("current_lesson", sa.String(length=64), nullable=True),
        sa.Column("awaiting", sa.String(length=16), server_default="none", nullable=False),
        sa.Column("quiz_tries", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_answer_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("nudged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completion_code", sa.String(length=16), nullable=True),
        sa.Column("enrolled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("completion_code"),
        sa.UniqueConstraint("contact_id", "course_id", name="uq_lesson_enrolments_contact_course"),
    )
    with op.batch_alter_table("lesson_enrolments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lesson_enrolments_contact_id"), ["contact_id"], unique=False)
        batch_op.create_index("ix_lesson_enrolments_due", ["status", "next_due_at"], unique=False)

    op.create_table(
        "lesson_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enrolment_id", sa.Integer(), nullable=False),
        sa.Column("lesson_id", sa.String(length=64), nullable=False),
        sa.Column("scheduled", sa.Boolean(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("first_choice", sa.Integer(), nullable=True),
        sa.Column("right_on_try", sa.Integer(), nullable=True),
        sa.Column("tries", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(["enrolment_id"], ["lesson_enrolments.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("enrolment_id", "lesson_id", name="uq_lesson_results_lesson"),
    )
    with op.batch_alter_table("lesson_results", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lesson_results_enrolment_id"), ["enrolment_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("lesson_results", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lesson_results_enrolment_id"))

    op.drop_table("lesson_results")
    with op.batch_alter_table("lesson_enrolments", schema=None) as batch_op:
        batch_op.drop_index("ix_lesson_enrolments_due")
        batch_op.drop_index(batch_op.f("ix_lesson_enrolments_contact_id"))

    op.drop_table("lesson_enrolments")
