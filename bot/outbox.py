"""Send the outbox: rows are written before any send, and a row is never sent twice.

pending/sending --send--> queued/sent (SID recorded)
        --429 / connection refused--> pending (retry later)
        --timeout / 5xx--> unknown: before any new attempt, look for it at Twilio (reconcile)
        --4xx--> failed (error code kept; 21610 opts the contact out)
        --send policy says no--> refused (final), or deferred (proactive outside contact hours:
          bot/deferred.py makes it pending again when they open)
        --its sender's send rate (bot/send_rate.py): a proactive row waits for its slot, sleeping when
          it is near, or stays pending and the conversation's job comes back for it (SendPaced)
A turn stores its replies as "sending" (one write fewer); a row found in "sending" by a later job was
left by a crashed worker and is treated like "unknown". The SIDs and statuses of the rows one call
sends are recorded together, in one transaction after the sends (also when a later row's send fails):
a crash before that commit leaves them "sending", and the next job reconciles each with Twilio before
any new attempt, as it did for a single row.

Twilio's status callbacks race with the send's answer (they can arrive before it, or instead of it),
so a send's outcome is written only to a row that is still "sending", and a row is claimed for a
send only while it is unsent and has no SID: what a callback wrote is never overwritten. A row with a
Twilio SID never stays unsent (reconcile gives it Twilio's status, at least "queued"), so the recovery
sweep stops re-draining its conversation.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta

from bot.db import conversations, messages, outbound_status
from bot.db.models import Contact, Conversation, Message, utcnow
from bot.handoff.tickets import close_on_opt_out
from bot.logs import get_logger
from bot.metrics import OUTBOUND_STATUS
from bot.runtime import Runtime
from bot.send_policy import SendDecision, is_proactive, may_send
from bot.send_rate import SendPaced, come_back_in
from bot.twilio_adapter.records import OutboundRequest
from bot.twilio_adapter.rest import TwilioAmbiguous, TwilioRejected, TwilioRetryable
from bot.twilio_adapter.statuses import ERROR_MEANINGS, is_opt_out_error, row_status_for

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
    runtime: Runtime,
    rows: Sequence[Message],
    contact: Contact,
    channel: str,
    *,
    fresh: bool,
    pace: bool = True,
) -> int:
    """Send rows in order; return how many Twilio took.

    ``fresh`` rows were stored as "sending" by this very job a moment ago: nothing can have sent them
    yet, so they skip reconciliation. Rows read back from the database after a crash do not.
    ``pace``: proactive rows wait for their sender's slot (may raise :class:`SendPaced`); False when the
    person is in the conversation right now (their message waits behind these rows): they go as replies.
    """
    sent = 0
    at_twilio: list[outbound_status.AtTwilio] = []
    try:
        for row in rows:
            if await _send_one(runtime, row, contact, channel, fresh=fresh, pace=pace, at_twilio=at_twilio):
                sent += 1
    finally:  # also when a later row failed: what Twilio took is recorded
        await _record_at_twilio(runtime, at_twilio)
    return sent


async def _record_at_twilio(runtime: Runtime, rows: list[outbound_status.AtTwilio]) -> None:
    """The SIDs and statuses of the rows Twilio took, in one transaction of one statement."""
    if not rows:
        return
    async with runtime.sessions() as session, session.begin():
        await outbound_status.mark_many_at_twilio(session, rows)


async def _send_one(
    runtime: Runtime,
    row: Message,
    contact: Contact,
    channel: str,
    *,
    fresh: bool,
    pace: bool,
    at_twilio: list[outbound_status.AtTwilio],
) -> bool:
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
    decision = _decide(runtime, row, contact, channel)
    if decision.allowed and await _take_slot(runtime, row, contact, channel, request.from_, pace=pace):
        decision = _decide(runtime, row, contact, channel)  # it slept: the contact hours may have closed
    if decision.deferred:  # proactive, outside contact hours: it waits (bot/deferred.py releases it)
        async with runtime.sessions() as session, session.begin():
            deferred = await outbound_status.settle_unsent(
                session, message_id=row.id, status=messages.DEFERRED, error_detail=decision.reason
            )
        if deferred:
            log.info("outbound deferred", outbound_id=row.id, until=decision.defer_until)
            OUTBOUND_STATUS.labels(status=messages.DEFERRED).inc()
        return False
    if decision.valid_for_s is not None:  # proactive: must not arrive after the contact hours close
        request = replace(request, validity_period_s=decision.valid_for_s)
    if not decision.allowed:
        async with runtime.sessions() as session, session.begin():
            refused = await outbound_status.settle_unsent(
                session, message_id=row.id, status="refused", error_detail=decision.reason
            )
        if refused:
            log.info("outbound refused", outbound_id=row.id, reason=decision.reason)
            OUTBOUND_STATUS.labels(status="refused").inc()
        return False
    if not fresh:
        async with runtime.sessions() as session, session.begin():
            claimed = await outbound_status.claim_for_send(session, message_id=row.id)
        if not claimed:
            log.info("outbound already at Twilio or settled; not sent again", outbound_id=row.id)
            return False
    try:
        result = await runtime.twilio.send(request)
    except TwilioRetryable as exc:
        if await _leave_sending(runtime, row.id, status="pending", error_detail=str(exc)[:500]):
            raise SendRetryLater(str(exc)) from exc
        return False  # a status callback moved it on: Twilio has this row's message
    except TwilioAmbiguous as exc:
        if await _leave_sending(runtime, row.id, status="unknown", error_detail=str(exc)[:500]):
            raise SendRetryLater(str(exc)) from exc
        log.info("ambiguous send already settled by a status callback", outbound_id=row.id)
        return True
    except TwilioRejected as exc:
        await _reject(runtime, row, contact, exc)
        return False
    status = outbound_status.at_least_floor(row_status_for(result.status))
    at_twilio.append(outbound_status.AtTwilio(message_id=row.id, sid=result.sid, status=status, at=utcnow()))
    OUTBOUND_STATUS.labels(status=result.status).inc()
    log.info("outbound sent", outbound_id=row.id, conversation_id=row.conversation_id, status=result.status)
    return True


def _decide(runtime: Runtime, row: Message, contact: Contact, channel: str) -> SendDecision:
    template = runtime.templates.by_content_sid(row.content_sid) if row.content_sid else None
    return may_send(
        contact,
        channel=channel,
        now=runtime.clock(),
        hours=runtime.contact_hours,
        is_template=template is not None and template.business_initiated,
        purpose=row.purpose,
    )


async def _take_slot(
    runtime: Runtime, row: Message, contact: Contact, channel: str, sender: str, *, pace: bool
) -> bool:
    """Take the row's slot in its sender's send rate; True when it slept for it.

    A reply (or ``pace`` False) never waits and goes even when Redis is down; a proactive row sleeps
    until a near slot, and raises :class:`SendPaced` for a far one (:class:`SendRetryLater` without
    Redis: it waits as for an outage).
    """
    proactive = pace and is_proactive(contact, purpose=row.purpose, now=runtime.clock())
    cost = (row.segments or 1) if channel == "sms" else 1  # Twilio's SMS rates count segments
    try:
        slot = await runtime.send_rate.take(
            sender, channel=channel, proactive=proactive, row_id=row.id, cost=cost
        )
    except Exception as exc:  # Redis unreachable: the rate cannot be kept
        if proactive:
            raise SendRetryLater(f"send rate unavailable: {exc!r}") from exc
        log.warning("send rate unavailable; reply sent anyway", outbound_id=row.id, reason=repr(exc))
        return False
    if slot.held:  # its job comes back for it: the recovery sweep need not (a wave lasts minutes)
        async with runtime.sessions() as session, session.begin():
            until = utcnow() + timedelta(seconds=slot.wait_s)
            await outbound_status.snooze_unsent(session, message_id=row.id, until=until)
        log.info("outbound paced", outbound_id=row.id, retry_in_s=round(slot.wait_s, 2))
        raise SendPaced(come_back_in(slot))
    if slot.wait_s <= 0:
        return False
    await asyncio.sleep(slot.wait_s)
    return True


async def _reconcile(runtime: Runtime, row: Message, request: OutboundRequest) -> bool:
    """Did an earlier, ambiguous attempt reach Twilio? If so adopt its SID and status, do not re-send.

    True: nothing to send. A row that has a SID leaves the unsent set here, whatever Twilio says.
    """
    async with runtime.sessions() as session:
        current = await session.get(Message, row.id)
    if current is None or current.status not in messages.UNSENT_OUTBOUND:
        return True  # erased, or a status callback already moved it on
    if current.twilio_sid:  # a status callback told us the SID; make sure the status follows
        await _settle_known_sid(runtime, current.id, current.twilio_sid)
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
            await outbound_status.mark_at_twilio(
                session, message_id=row.id, sid=candidate.sid, status=row_status_for(candidate.status)
            )
            log.info("ambiguous send reconciled", outbound_id=row.id, status=candidate.status)
            return True
    log.info("ambiguous send not found at Twilio; sending again", outbound_id=row.id)
    return False


async def _settle_known_sid(runtime: Runtime, message_id: int, sid: str) -> None:
    try:
        status = row_status_for((await runtime.twilio.fetch_message(sid)).status)
    except Exception as exc:  # the SID alone proves Twilio has it: at least "queued"
        log.info("status of a known SID not fetched", outbound_id=message_id, reason=repr(exc))
        status = None
    async with runtime.sessions() as session, session.begin():
        await outbound_status.mark_at_twilio(session, message_id=message_id, sid=sid, status=status)
    log.info("send with a known SID settled", outbound_id=message_id, status=status)


async def _reject(runtime: Runtime, row: Message, contact: Contact, exc: TwilioRejected) -> None:
    async with runtime.sessions() as session, session.begin():
        failed = await outbound_status.leave_sending(
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
            await close_on_opt_out(session, contact_id=contact.id, at=utcnow())
    if failed:
        OUTBOUND_STATUS.labels(status="failed").inc()
    log.warning(
        "outbound rejected by Twilio", outbound_id=row.id, error_code=exc.code, status_kept=not failed
    )


async def _leave_sending(runtime: Runtime, message_id: int, *, status: str, error_detail: str) -> bool:
    async with runtime.sessions() as session, session.begin():
        return await outbound_status.leave_sending(
            session, message_id=message_id, status=status, error_detail=error_detail
        )
