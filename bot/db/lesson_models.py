"""Learners' progress in the micro-lessons (issue 13): one enrolment per person and course, one result
per lesson sent.

The courses themselves are files (data/lessons/*.yml, bot/lessons/content.py); these tables hold only
what a person did with them, keyed by the course's and the lesson's ids. A person has at most one
``active`` enrolment at a time (bot/db/lessons.py enforces it when enrolling or switching).

Registered on ``Base.metadata`` by bot/db/models.py (imported at its end).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.models import Base, UTCDateTime, utcnow


class LessonEnrolment(Base):
    """One person in one course.

    ``status``: active | paused (``pause_reason``: asked, no_answer, switched) | finished | left.
    ``rhythm``: daily (a lesson a day at ``send_minute``, minutes after local midnight, Bogotá) or
    on_demand (the next lesson when the person writes "siguiente"); None until the person chose.
    ``next_lesson``: index in the course of the next lesson to send. ``awaiting``: what the person's
    next message answers — none | rhythm (the moment for the lessons) | quiz (``current_lesson`` has
    been sent; ``quiz_tries`` wrong answers so far) | ready (a WhatsApp "su lección está lista"
    template went out; the lesson follows the answer). ``next_due_at``: when the scheduler sends the
    next lesson (daily rhythm only), always a moment the contact hours allow. ``conversation_id``:
    the channel the lessons go to (the one where the person enrolled, or wrote last).
    ``completion_code``: given when the course is finished; a consultant verifies it in the console.
    """

    __tablename__ = "lesson_enrolments"
    __table_args__ = (
        UniqueConstraint("contact_id", "course_id", name="uq_lesson_enrolments_contact_course"),
        Index("ix_lesson_enrolments_due", "status", "next_due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    course_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="active")
    pause_reason: Mapped[str | None] = mapped_column(String(24))
    rhythm: Mapped[str | None] = mapped_column(String(16))
    send_minute: Mapped[int | None] = mapped_column(Integer)
    next_lesson: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    current_lesson: Mapped[str | None] = mapped_column(String(64))
    awaiting: Mapped[str] = mapped_column(String(16), default="none", server_default="none")
    quiz_tries: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_answer_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    nudged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completion_code: Mapped[str | None] = mapped_column(String(16), unique=True)
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class LessonResult(Base):
    """One lesson sent to one learner, and how its quiz went.

    ``scheduled``: sent by the scheduler (True) or asked for ("siguiente", enrolment). ``first_choice``:
    0-based option of the first answer. ``right_on_try``: 1 or 2 when answered right, None when not (yet)
    or never. ``tries``: answers counted (at most 2: one retry after a wrong answer).
    """

    __tablename__ = "lesson_results"
    __table_args__ = (UniqueConstraint("enrolment_id", "lesson_id", name="uq_lesson_results_lesson"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(
        ForeignKey("lesson_enrolments.id", ondelete="CASCADE"), index=True
    )
    lesson_id: Mapped[str] = mapped_column(String(64))
    scheduled: Mapped[bool] = mapped_column(Boolean, default=False)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    first_choice: Mapped[int | None] = mapped_column(Integer)
    right_on_try: Mapped[int | None] = mapped_column(Integer)
    tries: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
