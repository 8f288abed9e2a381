"""The worker's periodic job: send the due reminders for missing documents (issue 11).

Each due request (bot/db/document_reminders.py) gets one outbox row of purpose "document_reminder" in
the same transaction that counts it with a conditional UPDATE (``reminders_sent = n``): two workers
running the job at once send it once. The conversation's job then sends the row through the outbox
and the send policy (opt-out, WhatsApp window, contact hours — re-checked at send time: a row that
misses the hours waits, "deferred", until they open). Nothing is counted outside the contact hours:
the job does nothing then, so a reminder due on Saturday at 15:00 goes on Monday at 07:00. A person
who already got a reminder today (e.g. for a request in their other conversation) waits until
tomorrow (``max_per_day_per_kind`` in data/contact_hours.yml).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import document_reminders as queries
from bot.db import messages, proactive
from bot.documents.reminders import (
    NO_REMINDER_ROUTES,
    REMINDER_PURPOSE,
    next_reminder_at,
    reminder_message,
)
from bot.handoff.window import window_state
from bot.logs import get_logger
from bot.queue import enqueue_drain
from bot.runtime import Runtime

log = get_logger(__name__)


async def send_document_reminders(runtime: Runtime) -> int:
    """Queue the due reminders; return how many were queued."""
    now = runtime.clock()
    if not runtime.contact_hours.is_open(now):
        return 0
    policy = runtime.documents.reminders
    async with runtime.sessions() as session:
        due = await queries.due_reminders(session, now=now, max_reminders=policy.max_reminders)
    queued = 0
    for item in due:
        request, conversation = item.request, item.conversation
        sent = request.reminders_sent
        async with runtime.sessions() as session, session.begin():
            missing = await queries.missing_items(session, request_id=request.id)
            if not missing or (conversation.channel == "sms" and request.sms_route in NO_REMINDER_ROUTES):
                await queries.stop_reminders(session, request_id=request.id, sent=sent)
                log.info("document reminder not needed", request_id=request.id, missing=len(missing))
                continue
            if await _had_one_today(runtime, session, item, now):
                log.info("document reminder waits: one went to this person today", request_id=request.id)
                continue
            next_at = next_reminder_at(sent + 1, now, hours=runtime.contact_hours, reminders=policy)
            if not await queries.claim_reminder(session, request_id=request.id, sent=sent, next_at=next_at):
                log.info("document reminder already sent by another worker", request_id=request.id)
                continue
            row_id = await _add_reminder(runtime, session, item, missing, now=now)
        await enqueue_drain(runtime.redis, conversation_id=conversation.id, reason=f"doc-reminder-{row_id}")
        log.info("document reminder queued", request_id=request.id, number=sent + 1, outbound_id=row_id)
        queued += 1
    return queued


async def _add_reminder(
    runtime: Runtime,
    session: AsyncSession,
    due: queries.DueReminder,
    missing: Sequence[str],
    *,
    now: datetime,
) -> int:
    channel = due.conversation.channel
    message = reminder_message(
        runtime.documents.reminders,
        runtime.templates,
        channel=channel,
        window_open=window_state(due.contact, channel, now).open,
        missing=len(missing),
        next_title=_title(runtime, missing[0]),
        profile_name=due.contact.profile_name,
    )
    row = await messages.add_proactive(
        session,
        conversation_id=due.conversation.id,
        channel=channel,
        body=message.body,
        purpose=REMINDER_PURPOSE,
        content_sid=message.content_sid,
        content_variables=message.content_variables,
        created_at=now,
    )
    return row.id


async def _had_one_today(
    runtime: Runtime, session: AsyncSession, due: queries.DueReminder, now: datetime
) -> bool:
    """The per-person daily limit (data/contact_hours.yml): e.g. another request of the same person."""
    count = await proactive.sent_to_contact_since(
        session,
        contact_id=due.contact.id,
        purpose=REMINDER_PURPOSE,
        since=runtime.contact_hours.day_start(now),
    )
    return count >= runtime.contact_hours.max_per_day_per_kind


def _title(runtime: Runtime, item_id: str) -> str:
    """The item's title from data/documents.yml (its id if the data no longer has it)."""
    try:
        return runtime.documents.item(item_id).title
    except StopIteration:
        return item_id.replace("_", " ")
