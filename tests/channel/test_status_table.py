"""Status callbacks: one row per case; the outbound row only moves forward; 21610 opts out."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from bot.db import conversations, messages
from bot.db.models import Contact, Message, StatusEvent, utcnow
from bot.settings import Settings
from tests.channel.harness import Harness, Signing, load_form, running_app


@dataclass(frozen=True)
class Row:
    label: str
    fixture: str
    signing: Signing
    http_status: int
    row_status: str
    error_code: int | None = None
    opted_out: bool = False
    window_closed: bool = False


ROWS = [
    Row("delivered", "status_delivered", "valid", 204, "delivered"),
    Row("read (whatsapp)", "status_read", "valid", 204, "read"),
    Row("failed 30007 carrier filtered", "status_failed_30007", "valid", 204, "failed", 30007),
    Row("failed 21610 unsubscribed", "status_failed_21610", "valid", 204, "failed", 21610, opted_out=True),
    Row(
        "undelivered 63016 window closed",
        "status_undelivered_63016",
        "valid",
        204,
        "undelivered",
        63016,
        window_closed=True,
    ),
    Row("delivered, wrong signature", "status_delivered", "invalid", 403, "sent"),
    Row("delivered, no signature", "status_delivered", "none", 403, "sent"),
]


async def _outbound_row(app: Harness, *, channel: str, sid: str | None, status: str) -> int:
    async with app.runtime.sessions() as session, session.begin():
        contact_id = await conversations.upsert_contact(
            session, phone_e164="+573104567890", seen_at=utcnow(), channel=channel
        )
        conversation_id = await conversations.upsert_conversation(
            session, contact_id=contact_id, channel=channel, seen_at=utcnow()
        )
        row = await messages.add_outbound(
            session, conversation_id=conversation_id, reply_to_id=None, position=0, body="Hola", status=status
        )
        if sid:
            await messages.record_sid(session, message_id=row.id, sid=sid)
        return row.id


@pytest.mark.parametrize("row", ROWS, ids=[row.label for row in ROWS])
async def test_status_row(row: Row, settings: Settings) -> None:
    form = load_form(row.fixture)
    async with running_app(settings) as app:
        outbound_id = await _outbound_row(app, channel="sms", sid="SMOUTBOUND", status="sent")
        response = await app.post_form(f"/twilio/status?ob={outbound_id}", form, row.signing)
        assert response.status_code == row.http_status, response.text
        async with app.runtime.sessions() as session:
            stored = await session.get(Message, outbound_id)
            contact = (await session.scalars(select(Contact))).one()
            events = (await session.scalars(select(StatusEvent))).all()
        assert stored is not None
        assert stored.status == row.row_status
        assert stored.error_code == row.error_code
        assert contact.opted_out is row.opted_out
        assert (contact.whatsapp_window_closed_at is not None) is row.window_closed
        assert len(events) == (1 if row.http_status == 204 else 0)


async def test_late_status_never_moves_backwards(settings: Settings) -> None:
    async with running_app(settings) as app:
        outbound_id = await _outbound_row(app, channel="sms", sid="SMOUTBOUND", status="delivered")
        sent = load_form("status_delivered", MessageStatus="sent", SmsStatus="sent")
        response = await app.post_form(f"/twilio/status?ob={outbound_id}", sent)
        assert response.status_code == 204
        async with app.runtime.sessions() as session:
            stored = await session.get(Message, outbound_id)
            events = (await session.scalars(select(StatusEvent))).all()
        assert stored is not None and stored.status == "delivered"
        assert [event.status for event in events] == ["sent"]  # kept for the audit trail


async def test_callback_reconciles_a_send_whose_answer_was_lost(settings: Settings) -> None:
    """The send timed out (no SID recorded); the callback carrying our id fills the SID in."""
    async with running_app(settings) as app:
        outbound_id = await _outbound_row(app, channel="sms", sid=None, status="unknown")
        response = await app.post_form(f"/twilio/status?ob={outbound_id}", load_form("status_delivered"))
        assert response.status_code == 204
        async with app.runtime.sessions() as session:
            stored = await session.get(Message, outbound_id)
        assert stored is not None
        assert (stored.twilio_sid, stored.status) == ("SMOUTBOUND", "delivered")


async def test_unknown_status_value_is_400(settings: Settings) -> None:
    async with running_app(settings) as app:
        outbound_id = await _outbound_row(app, channel="sms", sid="SMOUTBOUND", status="sent")
        form = load_form("status_delivered", MessageStatus="exploded", SmsStatus="exploded")
        response = await app.post_form(f"/twilio/status?ob={outbound_id}", form)
        assert response.status_code == 400
