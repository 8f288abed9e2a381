"""SQLAlchemy 2 models. Migrations in bot/db/migrations mirror this file."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on both SQLite (naive storage) and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class Contact(Base):
    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone_e164: Mapped[str] = mapped_column(String(20), unique=True)
    whatsapp_id: Mapped[str | None] = mapped_column(String(32))
    profile_name: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(8), default="es")
    opted_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    opt_out_reason: Mapped[str | None] = mapped_column(String(40))
    last_inbound_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_whatsapp_inbound_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set when Twilio answers 63016 (window closed); a newer inbound message opens the window again.
    whatsapp_window_closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def opted_out(self) -> bool:
        return self.opted_out_at is not None


class Conversation(Base):
    """One contact on one channel. ``rasa_sender_id`` is what Rasa sees: never the phone number."""

    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("contact_id", "channel", name="uq_conversation_contact_channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rasa_sender_id: Mapped[str] = mapped_column(String(40), unique=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(16))  # sms | whatsapp
    owner: Mapped[str] = mapped_column(String(16), default="bot")  # bot | consultant (ticket assignee)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_inbound_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Message(Base):
    """Inbound and outbound messages. Outbound rows are the outbox: written before the send."""

    __tablename__ = "messages"
    __table_args__ = (
        Index("ix_messages_conversation_state", "conversation_id", "direction", "status"),
        Index("ix_messages_reply_to", "reply_to_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    direction: Mapped[str] = mapped_column(String(3))  # in | out
    # Inbound: Twilio's MessageSid. Outbound: the SID Twilio gave our send. Unique: dedupe key.
    twilio_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    body: Mapped[str] = mapped_column(Text, default="")
    media: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    button_payload: Mapped[str | None] = mapped_column(String(200))
    # inbound: received -> processing -> answered | skipped | dead_letter (given up after
    #   MAX_TURN_ATTEMPTS: error_detail says why); outbound: pending -> sending ->
    #   accepted/scheduled/queued -> sent -> delivered -> read, or failed/undelivered/
    #   partially_delivered/canceled/refused; "deferred" = proactive, waiting for the contact hours
    #   (bot/deferred.py); "unknown" = send outcome ambiguous, reconciled before any
    #   new attempt. Ranks and what Twilio's statuses mean for a row: bot/twilio_adapter/statuses.py.
    status: Mapped[str] = mapped_column(String(32))
    error_code: Mapped[int | None] = mapped_column(Integer)
    error_detail: Mapped[str | None] = mapped_column(String(500))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    reply_to_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"))
    position: Mapped[int] = mapped_column(Integer, default=0)  # order of outbound parts of one turn
    # Why we send it: reply | opt_out_confirmation | opt_in_confirmation | help | consultant_reply |
    # reopen_template (the template sent for a held consultant reply) | document_reminder |
    # repayment_reminder; the send policy asks (bot/send_policy.py: which purposes are replies and which
    # wait for contact hours)
    purpose: Mapped[str] = mapped_column(String(32), default="reply", server_default="reply")
    encoding: Mapped[str | None] = mapped_column(String(8))  # GSM-7 | UCS-2 (SMS only)
    segments: Mapped[int | None] = mapped_column(Integer)
    content_sid: Mapped[str | None] = mapped_column(String(64))
    content_variables: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Outbound written by a consultant in the console (None: the bot or the gateway).
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    send_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class StatusEvent(Base):
    """Every status callback Twilio sent, as received (audit trail; rows never change)."""

    __tablename__ = "status_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), index=True)
    twilio_sid: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(32))  # as Twilio sent it, even one we do not know
    error_code: Mapped[int | None] = mapped_column(Integer)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class User(Base):
    """A console account: a consultant (sees one branch) or a supervisor (sees all)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(200))  # argon2id, never the password
    role: Mapped[str] = mapped_column(String(16))  # consultant | supervisor
    branch: Mapped[str | None] = mapped_column(String(40))  # data/branches.yml id; None: supervisor
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class HandoffRequest(Base):
    """A ticket: a person asked for a consultant (or the bot or a rule did). Nothing asked is lost.

    One ticket that is not closed per conversation (partial unique index); a new request updates it.
    ``status``: open (waiting in the queue) -> claimed (a consultant owns the conversation) -> closed
    (handed back to the bot or closed with an ``outcome``).
    """

    __tablename__ = "handoff_requests"
    __table_args__ = (
        Index(
            "uq_handoff_requests_one_open",
            "conversation_id",
            unique=True,
            sqlite_where=text("status != 'closed'"),
            postgresql_where=text("status != 'closed'"),
        ),
        Index("ix_handoff_requests_queue", "status", "priority", "requested_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(String(40))  # user_asked | offered_after_retries | …
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # the answers so far (slots)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | claimed | closed
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Lower is more urgent (data/handoff.yml gives each reason its priority).
    priority: Mapped[int] = mapped_column(Integer, default=50, server_default="50")
    branch: Mapped[str | None] = mapped_column(String(40), index=True)  # from the municipality
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # built from what we store
    requests: Mapped[int] = mapped_column(Integer, default=1, server_default="1")  # times asked
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outcome: Mapped[str | None] = mapped_column(String(40))  # data/handoff.yml outcomes, handed_back
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class TicketEvent(Base):
    """What happened to a ticket, for the transcript and the supervisor's figures (rows never change).

    kind: created | requested_again | claimed | transferred | note | reply | template_sent |
    handed_back | closed | rasa_told (the worker gave Rasa the consultant's lines after the ticket
    closed). ``body`` only for internal notes (erased with the conversation).
    """

    __tablename__ = "ticket_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("handoff_requests.id", ondelete="CASCADE"), index=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(24))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # no message bodies
    body: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class Consent(Base):
    """Proof of consent (Ley 1581 de 2012): who answered what, when, where, to which text version."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    accepted: Mapped[bool] = mapped_column()
    channel: Mapped[str] = mapped_column(String(16))
    message_sid: Mapped[str | None] = mapped_column(String(64))  # the answer's Twilio MessageSid
    text_version: Mapped[str] = mapped_column(String(64))  # SHA-256 of the consent text shown
    purposes: Mapped[list[str]] = mapped_column(JSON, default=list)
    # general: the first consent (data/consent.yml); sensitive: the explicit consent for sensitive data
    # (Ley 1581 art. 6) asked before the first ID photo (data/documents.yml).
    kind: Mapped[str] = mapped_column(String(16), default="general", server_default="general")
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PrequalEvaluation(Base):
    """One loan pre-qualification result, as evaluated (audit trail). Identity in its own columns,
    so that erasing it leaves the outcome and which rules passed, and nothing about the person."""

    __tablename__ = "prequal_evaluations"
    # One evaluation per inbound message: a turn recovered from Rasa's tracker cannot store it twice.
    __table_args__ = (UniqueConstraint("message_id", name="uq_prequal_evaluations_message_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    # The inbound message that completed the form.
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"))
    outcome: Mapped[str] = mapped_column(String(20))  # prequalified | not_yet
    product_id: Mapped[str | None] = mapped_column(String(64))
    rules_version: Mapped[str] = mapped_column(String(64))
    full_name: Mapped[str | None] = mapped_column(String(200))
    document_type: Mapped[str | None] = mapped_column(String(16))
    document_number: Mapped[str | None] = mapped_column(String(20))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # the rest: no name, no number
    evaluation: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # Evaluation.to_dict()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class TwilioDeletion(Base):
    """A copy at Twilio we must delete (a Message, or one Media of it) and have not deleted yet.

    Rows are written with the erasure (or right after a download) and removed once Twilio answers
    204/404; a failed try moves ``next_attempt_at`` forward. Only SIDs: no content, no phone number.
    """

    __tablename__ = "twilio_deletions"
    __table_args__ = (UniqueConstraint("message_sid", "media_sid", name="uq_twilio_deletions_sids"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_sid: Mapped[str] = mapped_column(String(34))
    media_sid: Mapped[str] = mapped_column(String(34), default="")  # "" = the whole Message
    reason: Mapped[str] = mapped_column(String(16))  # downloaded | held | erasure
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    last_error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class DocumentRequest(Base):
    """The documents one loan application needs (issue 11): made when a pre-qualification says yes.

    ``status``: collecting -> complete (every item received; a review ticket is open) -> closed (a
    consultant approved every item, or the application was withdrawn or erased). One request that is
    not closed per conversation. ``formal``: is the business registered (asked before the RUT)?
    ``sms_route``: what an SMS user chose instead of photos (relative | office | call), with the short
    ``relative_code`` a relative's WhatsApp sends to join the same checklist.
    """

    __tablename__ = "document_requests"
    __table_args__ = (
        Index(
            "uq_document_requests_one_open",
            "conversation_id",
            unique=True,
            sqlite_where=text("status != 'closed'"),
            postgresql_where=text("status != 'closed'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    evaluation_id: Mapped[int | None] = mapped_column(
        ForeignKey("prequal_evaluations.id", ondelete="SET NULL")
    )
    product_id: Mapped[str] = mapped_column(String(64))
    formal: Mapped[bool | None] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(16), default="collecting")
    sms_route: Mapped[str | None] = mapped_column(String(16))
    relative_code: Mapped[str | None] = mapped_column(String(12), unique=True)
    reminders_sent: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_reminder_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class DocumentFile(Base):
    """One file kept for an application: a random storage name under MEDIA_DIR, owner-only, never
    served without a consultant's login. ``sha256`` of the stored bytes tells the same file twice."""

    __tablename__ = "document_files"
    __table_args__ = (UniqueConstraint("request_id", "sha256", name="uq_document_files_request_sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("document_requests.id", ondelete="CASCADE"), index=True
    )
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"))
    storage_key: Mapped[str] = mapped_column(String(120), unique=True)
    sha256: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(8))  # image | pdf
    content_type: Mapped[str] = mapped_column(String(40))
    bytes: Mapped[int] = mapped_column(Integer)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    pages: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class DocumentItem(Base):
    """One required document of a request (data/documents.yml ``items``), in the order it is asked.

    ``status``: pending -> received (a file serves it) -> approved | rejected (by a consultant, with a
    ``rejection_reason`` from data/documents.yml; a rejected item is asked for again and a new file
    makes it received). ``file_id``: the file that serves it now.
    """

    __tablename__ = "document_items"
    __table_args__ = (UniqueConstraint("request_id", "item_id", name="uq_document_items_request_item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("document_requests.id", ondelete="CASCADE"), index=True
    )
    item_id: Mapped[str] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    file_id: Mapped[int | None] = mapped_column(ForeignKey("document_files.id", ondelete="SET NULL"))
    rejection_reason: Mapped[str | None] = mapped_column(String(40))
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class DocumentView(Base):
    """Audit: a consultant looked at a document file (thumbnail or whole). Kept after erasure, without
    the file (``file_id`` becomes NULL) so that who looked when stays answerable."""

    __tablename__ = "document_views"

    id: Mapped[int] = mapped_column(primary_key=True)
    file_id: Mapped[int | None] = mapped_column(
        ForeignKey("document_files.id", ondelete="SET NULL"), index=True
    )
    conversation_id: Mapped[int | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="SET NULL"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(16))  # thumbnail | full
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


# Loans, instalments, repayment reminders and payment claims (issue 12), and the learners' progress in
# the lessons (issue 13) live in their own modules; importing them here registers their tables on
# Base.metadata for every user of the models (and the migrations).
from bot.db import lesson_models, loan_models  # noqa: E402, F401
