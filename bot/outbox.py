"""Send the outbox: rows are written before any send, and a row is never sent twice.

pending/sending --send--> queued/sent (SID recorded)
        --429 / connection refused--> pending (retry later)
        --timeout / 5xx--> unknown: before any new attempt, look for it at Twilio (reconcile)
        --4xx--> failed (error code kept; 21610 opts the contact out)
A turn stores its replies as "sending" (one write fewer); a row found in "sending" by a later job was
left by a crashed worker and is treated like "unknown".
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from bot.db import conversations, messages
from bot.db.models import Contact, Conversation, Message, utcnow
from bot.logs import get_logger
from bot.metrics import OUTBOUND_STATUS
from bot.runtime import Runtime
from bot.send_policy import may_send
from bot.twilio_adapter.records import OutboundRequest
from bot.twilio_adapter.rest import TwilioAmbiguous, TwilioRejected, TwilioRetryable
from bot.twilio_adapter.statuses import ERROR_MEANINGS, is_opt_out_error

log = get_logger(__name__)

RECONCILE_CLOCK_SKEW = timedelta(minutes=2)


class SendRetryLater(Exception):
    """Twilio could not take the message now; the conversation's job retries with backoff."""


def sender_for(runtime: Runtime, channel: str) -> str:
    settings = runtime.settings
    return settings.twilio_whatsapp_from if channel == "whatsapp" else settings.twilio_sms_from


def recipient_for(contact: Contact, channel: str) -> str:
    return f"whatsapp:{contact.phone_e164}" if channel == "whatsapp" else contact.phone_e164


async def send_unsent(runtime: Runtime, conversation_id: int) -> int:
    """Send every unsent row of the conversation in order (left over by a crash or a retry)."""
    async with runtime.sessions() as session:
        conversation = await session.get(Conversation, conversation_id)
        contact = await conversations.contact_for_conversation(session, conversation_id=conversation_id)
        rows = await messages.unsent_outbound(session, conversation_id=conversation_id)
    if conversation is None or contact is None:
        return 0
    return await send_rows(runtime, rows, contact, conversation.channel, fresh=False)


async def send_rows(
    runtime: Runtime, rows: Sequence[Message], contact: Contact, channel: str, *, fresh: bool
) -> int:
    """Send rows in order; return how many Twilio took.

    ``fresh`` rows were stored as "sending" by this very job a moment ago: nothing can have sent them
    yet, so they skip reconciliation. Rows read back from the database after a crash do not.
    """
    sent = 0
    for row in rows:
        if await _send_one(runtime, row, contact, channel, fresh=fresh):
            sent += 1
    return sent


async def _send_one(runtime: Runtime, row: Message, contact: Contact, channel: str, *, fresh: bool) -> bool:
    request = OutboundRequest(
        to=recipient_for(contact, channel),
        from_=sender_for(runtime, channel),
        body=row.body,
        status_callback=f"{runtime.settings.public_base_url.rstrip('/')}/twilio/status?ob={row.id}",
        media_urls=tuple(str(item["url"]) for item in row.media if item.get("url"))
        if channel == "whatsapp"
        else (),
        content_sid=row.content_sid,
        content_variables={str(k): str(v) for k, v in (row.content_variables or {}).items()},
    )
    if not fresh and row.status in ("sending", "unknown") and await _reconcile(runtime, row, request):
        return False
    template = runtime.templates.by_content_sid(row.content_sid) if row.content_sid else None
    opens_conversation = template is not None and template.business_initiated
    decision = may_send(
        contact, channel=channel, now=utcnow(), is_template=opens_conversation, purpose=row.purpose
    )
    if not decision.allowed:
        await _set(runtime, row.id, status="refused", error_detail=decision.reason)
        log.info("outbound refused", outbound_id=row.id, reason=decision.reason)
        OUTBOUND_STATUS.labels(status="refused").inc()
        return False
    if not fresh:
        await _set(runtime, row.id, status="sending", send_started_at=utcnow(), attempts=row.attempts + 1)
    try:
        result = await runtime.twilio.send(request)
    except TwilioRetryable as exc:
        await _set(runtime, row.id, status="pending", error_detail=str(exc)[:500])
        raise SendRetryLater(str(exc)) from exc
    except TwilioAmbiguous as exc:
        await _set(runtime, row.id, status="unknown", error_detail=str(exc)[:500])
        raise SendRetryLater(str(exc)) from exc
    except TwilioRejected as exc:
        await _reject(runtime, row, contact, exc)
        return False
    async with runtime.sessions() as session, session.begin():
        await messages.record_sid(session, message_id=row.id, sid=result.sid)
        await messages.advance_status(session, message_id=row.id, status=result.status)
    OUTBOUND_STATUS.labels(status=result.status).inc()
    log.info("outbound sent", outbound_id=row.id, conversation_id=row.conversation_id, status=result.status)
    return True


async def _reconcile(runtime: Runtime, row: Message, request: OutboundRequest) -> bool:
    """Did an earlier, ambiguous attempt reach Twilio? If so adopt its SID instead of re-sending."""
    async with runtime.sessions() as session:
        fresh = await session.get(Message, row.id)
    if fresh is not None and fresh.twilio_sid:  # a status callback already told us
        return True
    started = row.send_started_at or row.created_at
    try:
        remote = await runtime.twilio.recent_messages(to=request.to, from_=request.from_)
    except Exception as exc:
        raise SendRetryLater(f"cannot reconcile yet: {exc!r}") from exc
    cutoff = (started - RECONCILE_CLOCK_SKEW).timestamp()
    async with runtime.sessions() as session, session.begin():
        for candidate in remote:
            if candidate.body != row.body or candidate.date_created_epoch < cutoff:
                continue
            if await messages.sid_is_taken(session, sid=candidate.sid):
                continue
            await messages.record_sid(session, message_id=row.id, sid=candidate.sid)
            await messages.advance_status(session, message_id=row.id, status=candidate.status)
            log.info("ambiguous send reconciled", outbound_id=row.id)
            return True
    log.info("ambiguous send not found at Twilio; sending again", outbound_id=row.id)
    return False


async def _reject(runtime: Runtime, row: Message, contact: Contact, exc: TwilioRejected) -> None:
    async with runtime.sessions() as session, session.begin():
        await messages.set_status(
            session,
            message_id=row.id,
            status="failed",
            error_code=exc.code,
            error_detail=(ERROR_MEANINGS.get(exc.code or 0) or exc.detail)[:500],
        )
        if is_opt_out_error(exc.code):
            await conversations.mark_opted_out(
                session, contact_id=contact.id, at=utcnow(), reason="twilio_21610"
            )
    OUTBOUND_STATUS.labels(status="failed").inc()
    log.warning("outbound rejected by Twilio", outbound_id=row.id, error_code=exc.code)


async def _set(runtime: Runtime, message_id: int, **values: object) -> None:
    async with runtime.sessions() as session, session.begin():
        await messages.set_status(session, message_id=message_id, **values)
