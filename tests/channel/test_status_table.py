"""Status callbacks: one row per case; the outbound row only moves forward; 21610 opts out."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from arq.connections import ArqRedis
from prometheus_client import REGISTRY
from sqlalchemy import select
from structlog.testing import capture_logs

from bot.db import conversations, messages, outbound_status
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
    start: str = "sent"  # the outbound row's status when the callback arrives
    start_sid: str | None = "SMOUTBOUND"  # None: the send's answer was lost, only the callback has it
    outcome: str | None = "advanced"  # famibot_status_callbacks_total label counted (None: not counted)


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
    # Statuses real Twilio sends besides the usual ones: recorded, acknowledged, never a 400.
    Row("accepted (messaging service)", "status_accepted", "valid", 204, "accepted", start="sending"),
    Row("scheduled", "status_scheduled", "valid", 204, "scheduled", start="sending"),
    Row(
        "canceled scheduled message is final", "status_canceled", "valid", 204, "canceled", start="scheduled"
    ),
    Row("twilio's sending is our queued", "status_sending", "valid", 204, "queued", start="sending"),
    Row("twilio's sending after sent", "status_sending", "valid", 204, "sent", outcome="kept"),
    Row("partially delivered", "status_partially_delivered", "valid", 204, "partially_delivered"),
    Row(
        "delivered after partially delivered",
        "status_delivered",
        "valid",
        204,
        "delivered",
        start="partially_delivered",
    ),
    Row(
        "failed does not erase partially delivered",
        "status_failed_30007",
        "valid",
        204,
        "partially_delivered",
        start="partially_delivered",
        outcome="kept",
    ),
    Row(
        "received (an inbound status) is only recorded",
        "status_received",
        "valid",
        204,
        "sent",
        outcome="kept",
    ),
    Row("receiving is only recorded", "status_receiving", "valid", 204, "sent", outcome="kept"),
    Row("a status we do not know", "status_delivery_unknown", "valid", 204, "sent", outcome="unknown_status"),
    Row(
        "a status we do not know still proves Twilio has it",
        "status_delivery_unknown",
        "valid",
        204,
        "queued",
        start="unknown",
        start_sid=None,
        outcome="unknown_status",
    ),
    Row("no MessageSid", "status_missing_message_sid", "valid", 400, "sent", outcome=None),
    Row("delivered, wrong signature", "status_delivered", "invalid", 403, "sent", outcome=None),
    Row("delivered, no signature", "status_delivered", "none", 403, "sent", outcome=None),
]


def _counted(outcome: str) -> float:
    return REGISTRY.get_sample_value("famibot_status_callbacks_total", {"outcome": outcome}) or 0.0


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
            await outbound_status.record_sid(session, message_id=row.id, sid=sid)
        return row.id


@pytest.mark.parametrize("row", ROWS, ids=[row.label for row in ROWS])
async def test_status_row(row: Row, settings: Settings) -> None:
    form = load_form(row.fixture)
    counted_before = _counted(row.outcome) if row.outcome else 0.0
    async with running_app(settings) as app:
        outbound_id = await _outbound_row(app, channel="sms", sid=row.start_sid, status=row.start)
        response = await app.post_form(f"/twilio/status?ob={outbound_id}", form, row.signing)
        assert response.status_code == row.http_status, response.text
        # The webhook only queues a valid callback; the worker applies it.
        assert await app.apply_queued_statuses() == (1 if row.http_status == 204 else 0)
        async with app.runtime.sessions() as session:
            stored = await session.get(Message, outbound_id)
            contact = (await session.scalars(select(Contact))).one()
            events = (await session.scalars(select(StatusEvent))).all()
        assert stored is not None
        assert stored.status == row.row_status
        assert stored.error_code == row.error_code
        assert contact.opted_out is row.opted_out
        assert (contact.whatsapp_window_closed_at is not None) is row.window_closed
        if row.http_status == 204:
            assert [(e.status, e.message_id) for e in events] == [(form["MessageStatus"], outbound_id)]
            assert stored.twilio_sid == "SMOUTBOUND"
        else:
            assert events == []
        if row.outcome:
            assert _counted(row.outcome) == counted_before + 1


async def test_late_status_never_moves_backwards(settings: Settings) -> None:
    async with running_app(settings) as app:
        outbound_id = await _outbound_row(app, channel="sms", sid="SMOUTBOUND", status="delivered")
        sent = load_form("status_delivered", MessageStatus="sent", SmsStatus="sent")
        response = await app.post_form(f"/twilio/status?ob={outbound_id}", sent)
        assert response.status_code == 204
        assert await app.apply_queued_statuses() == 1
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
        assert await app.apply_queued_statuses() == 1
        async with app.runtime.sessions() as session:
            stored = await session.get(Message, outbound_id)
        assert stored is not None
        assert (stored.twilio_sid, stored.status) == ("SMOUTBOUND", "delivered")


async def test_callback_for_a_message_we_do_not_have_is_recorded_and_acknowledged(settings: Settings) -> None:
    before = _counted("unmatched")
    async with running_app(settings) as app:
        response = await app.post_form("/twilio/status?ob=999999", load_form("status_delivered"))
        assert response.status_code == 204
        assert await app.apply_queued_statuses() == 1
        async with app.runtime.sessions() as session:
            events = (await session.scalars(select(StatusEvent))).all()
    assert [(event.status, event.message_id, event.twilio_sid) for event in events] == [
        ("delivered", None, "SMOUTBOUND")
    ]
    assert _counted("unmatched") == before + 1


async def test_unknown_status_is_logged_at_info_without_the_form(settings: Settings) -> None:
    async with running_app(settings) as app:
        outbound_id = await _outbound_row(app, channel="sms", sid="SMOUTBOUND", status="sent")
        form = load_form("status_delivery_unknown", Body="secreto")
        with capture_logs() as logs:
            response = await app.post_form(f"/twilio/status?ob={outbound_id}", form)
            assert await app.apply_queued_statuses() == 1
    assert response.status_code == 204
    mentions = [entry for entry in logs if "delivery_unknown" in str(entry)]
    assert mentions == [
        {
            "event": "status we do not know recorded",
            "sid": "SMOUTBOUND",
            "status": "delivery_unknown",
            "log_level": "info",
        }
    ]


async def test_a_burst_of_callbacks_is_applied_in_order_in_one_batch(settings: Settings) -> None:
    """Queued, then applied oldest first: a repeat is recorded as received and moves nothing back."""
    async with running_app(settings) as app:
        outbound_id = await _outbound_row(app, channel="sms", sid="SMOUTBOUND", status="queued")
        sent = load_form("status_delivered", MessageStatus="sent", SmsStatus="sent")
        for form in (sent, load_form("status_delivered"), sent):
            response = await app.post_form(f"/twilio/status?ob={outbound_id}", form)
            assert response.status_code == 204
        async with app.runtime.sessions() as session:
            assert (await session.get(Message, outbound_id)).status == "queued"  # type: ignore[union-attr]
        assert await app.apply_queued_statuses() == 3
        assert await app.apply_queued_statuses() == 0
        async with app.runtime.sessions() as session:
            stored = await session.get(Message, outbound_id)
            events = (await session.scalars(select(StatusEvent).order_by(StatusEvent.id))).all()
        assert stored is not None and stored.status == "delivered"
        assert [event.status for event in events] == ["sent", "delivered", "sent"]


async def test_without_the_queue_the_webhook_applies_the_status_itself(settings: Settings) -> None:
    """Redis unreachable: the callback is not lost (Twilio sends it once); it is applied at once."""
    async with running_app(settings) as app:
        outbound_id = await _outbound_row(app, channel="sms", sid="SMOUTBOUND", status="sent")
        working = app.runtime.redis
        app.runtime.redis = ArqRedis.from_url("redis://127.0.0.1:9/0")  # nothing listens there
        try:
            response = await app.post_form(f"/twilio/status?ob={outbound_id}", load_form("status_delivered"))
        finally:
            await app.runtime.redis.aclose()
            app.runtime.redis = working
        assert response.status_code == 204
        assert await app.apply_queued_statuses() == 0
        async with app.runtime.sessions() as session:
            stored = await session.get(Message, outbound_id)
        assert stored is not None and stored.status == "delivered"
