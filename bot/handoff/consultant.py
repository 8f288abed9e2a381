"""A consultant's reply: through the bot's outbox and send policy, sent by the worker.

The reply is an outbox row (purpose "consultant_reply", ``author_id`` = the consultant) written in one
transaction with its ticket event (:func:`queue_consultant_text`, also used for other texts a consultant
sends, e.g. a document asked for again); the worker's conversation job sends it (``bot.outbox``), so opt-out,
the WhatsApp window and Twilio's answers apply exactly as to the bot's own replies.

On WhatsApp after the 24 h window closed, free text cannot go out: the reply is stored "held" and the
business-initiated template of data/handoff.yml (``reopen_template``) is sent instead, once per
closed window. A message to someone silent for over 24 h is proactive (bot/send_policy.py): outside
the contact hours of Ley 2300 de 2023 it is stored and goes when they open, and the notice says when.
When the person answers, the worker releases the held replies in order
(:func:`release_held_replies`), before anything else of that turn.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import consultant as queries
from bot.db import messages
from bot.db.models import Contact, Conversation, HandoffRequest, Message, utcnow
from bot.gsm7 import sms_size
from bot.handoff.access import Actor, refusal_to_act
from bot.handoff.hours import describe_when, fill_when
from bot.handoff.window import MAX_REPLY_CHARS, rendered_reply, window_state
from bot.logs import get_logger
from bot.queue import enqueue_drain
from bot.runtime import Runtime
from bot.send_policy import may_send

log = get_logger(__name__)

ReplyKind = Literal["sent", "template_sent_reply_held", "held", "refused"]


@dataclass(frozen=True, slots=True)
class ReplyOutcome:
    """``sent``: queued for the worker to send now. ``template_sent_reply_held``: the window was
    closed; the template goes out and the reply waits. ``held``: a template is already waiting for
    the person's answer; the reply waits too. ``refused``: nothing stored; ``notice`` says why."""

    kind: ReplyKind
    notice: str  # Spanish, for the consultant
    message_id: int | None = None


async def consultant_reply(
    runtime: Runtime, *, ticket_id: int, user: Actor, text: str, at: datetime
) -> ReplyOutcome:
    notices = runtime.consultant.notices
    async with runtime.sessions() as session, session.begin():
        ticket = await queries.ticket_for_update(session, ticket_id=ticket_id)
        if (refusal := refusal_to_act(ticket, user)) is not None or ticket is None:
            return ReplyOutcome("refused", str(getattr(notices, refusal or "not_found")))
        conversation = await session.get(Conversation, ticket.conversation_id)
        contact = await session.get(Contact, conversation.contact_id) if conversation else None
        if conversation is None or contact is None:
            return ReplyOutcome("refused", notices.not_found)
        queued = await queue_consultant_text(
            runtime, session, ticket=ticket, conversation=conversation, contact=contact, user=user,
            text=text, purpose=queries.CONSULTANT_REPLY, event_kind="reply", at=at,
        )  # fmt: skip
    if queued.message is None:
        notice = str(getattr(notices, queued.refusal or "not_found"))
        return ReplyOutcome("refused", notice.format(max=MAX_REPLY_CHARS))
    await drain_queued(runtime, queued, conversation_id=conversation.id)
    notice = _notice_for(runtime, queued, at)
    log.info("consultant reply", ticket_id=ticket_id, outbound_id=queued.message.id, outcome=queued.kind)
    return ReplyOutcome(queued.kind, notice, queued.message.id)


@dataclass(frozen=True, slots=True)
class Queued:
    """What :func:`queue_consultant_text` stored: ``message`` (None when ``kind`` is "refused", and
    ``refusal`` names the notice: empty, too_long, opted_out)."""

    kind: ReplyKind
    message: Message | None = None
    refusal: str | None = None
    deferred: bool = False  # outside the contact hours: the outbox sends it when they open


async def queue_consultant_text(
    runtime: Runtime,
    session: AsyncSession,
    *,
    ticket: HandoffRequest,
    conversation: Conversation,
    contact: Contact,
    user: Actor,
    text: str,
    purpose: str,
    event_kind: str,
    at: datetime,
    event_detail: dict[str, Any] | None = None,
) -> Queued:
    """Store a text a consultant sends (a reply, a document's re-request) in the outbox with its ticket
    event, inside the caller's transaction, under the rules of the send: folded to GSM-7 on SMS, the
    send policy asked (opt-out), and on WhatsApp after the window closed held behind the reopen
    template. The worker is asked to drain the conversation once the caller's transaction commits."""
    channel = conversation.channel
    body = rendered_reply(text, channel)
    if not body:
        return Queued("refused", refusal="empty")
    if len(body) > MAX_REPLY_CHARS:
        return Queued("refused", refusal="too_long")
    window = window_state(contact, channel, at)
    # Outside the window a template goes out: the policy's only objection left is an opt-out.
    decision = may_send(
        contact,
        channel=channel,
        now=at,
        hours=runtime.contact_hours,
        is_template=not window.open,
        purpose=purpose,
    )
    # Outside contact hours to someone who went quiet: stored; the outbox sends it when they open.
    if not decision.allowed and not decision.deferred:
        return Queued("refused", refusal="opted_out")
    size = sms_size(body) if channel == "sms" else None
    if window.open:  # replies held earlier go first
        await queries.release_held(session, conversation_id=conversation.id, status="pending")
    row = await messages.add_outbound(
        session,
        conversation_id=conversation.id,
        reply_to_id=None,
        position=0,
        body=body,
        encoding=size.encoding if size else None,
        segments=size.segments if size else None,
        status="pending" if window.open else messages.HELD,
        purpose=purpose,
        author_id=user.id,
    )
    detail = {**(event_detail or {}), "message_id": row.id, "channel": channel, "held": not window.open}
    await queries.add_event(session, ticket=ticket, kind=event_kind, actor_id=user.id, at=at, detail=detail)
    queued = Queued("sent", row, deferred=decision.deferred)
    if not window.open:
        queued = Queued("held", row)
        since = contact.last_whatsapp_inbound_at
        if not await queries.template_waiting(session, conversation_id=conversation.id, since=since):
            template = await _add_reopen_template(runtime, session, ticket, conversation, contact, user, at)
            # The template is proactive: it waits for the contact hours too.
            deferred = not runtime.contact_hours.is_open(at)
            queued = Queued("template_sent_reply_held", row, deferred=deferred)
            log.info("reopen template queued", ticket_id=ticket.id, outbound_id=template.id)
    return queued


def _notice_for(runtime: Runtime, queued: Queued, at: datetime) -> str:
    """What the console tells the consultant: sent, held, or when it will go (after hours)."""
    notices = runtime.consultant.notices
    if queued.kind == "held":
        return notices.held
    if queued.kind == "sent":
        return _after_hours(runtime, notices.sent_after_hours, at) if queued.deferred else notices.sent
    if queued.deferred:
        return _after_hours(runtime, notices.template_after_hours, at)
    return notices.template_sent


async def drain_queued(runtime: Runtime, queued: Queued, *, conversation_id: int) -> None:
    """After the transaction of :func:`queue_consultant_text` committed: the worker sends it now
    (a held text waits for the person's answer instead)."""
    if queued.message is not None and queued.kind != "held":
        reason = f"consultant-{queued.message.id}"
        await enqueue_drain(runtime.redis, conversation_id=conversation_id, reason=reason)


async def _add_reopen_template(
    runtime: Runtime,
    session: AsyncSession,
    ticket: HandoffRequest,
    conversation: Conversation,
    contact: Contact,
    user: Actor,
    at: datetime,
) -> Message:
    template = runtime.templates.by_name(runtime.consultant.reopen_template)
    assert template is not None  # checked at start-up (bot.handoff.content)
    variables = template.content_variables(
        {"persona": _first_name(contact.profile_name), "asesor": _first_name(user.display_name)}
    )
    row = await messages.add_outbound(
        session,
        conversation_id=conversation.id,
        reply_to_id=None,
        position=0,
        body=template.text_for(variables),
        status="pending",
        purpose=queries.REOPEN_TEMPLATE,
        content_sid=template.content_sid,
        content_variables=variables,
        author_id=user.id,
    )
    await queries.add_event(
        session,
        ticket=ticket,
        kind="template_sent",
        actor_id=user.id,
        at=at,
        detail={"message_id": row.id, "template": template.name},
    )
    return row


def _after_hours(runtime: Runtime, notice: str, at: datetime) -> str:
    """The notice for a message kept until the contact hours open, saying when it goes."""
    hours = runtime.contact_hours
    return fill_when(notice, describe_when(hours.next_open(at), at.astimezone(hours.zone)))


def _first_name(name: str | None) -> str:
    return (name or "").strip().split(" ")[0] if name and name.strip() else ""


async def release_held_replies(
    runtime: Runtime, conversation: Conversation, contact: Contact
) -> list[Message]:
    """The person wrote: held replies become "sending", for the caller to send now (in order).

    Nothing is released while the window stays closed (e.g. the message was a status, not theirs).
    """
    if conversation.channel != "whatsapp" or not window_state(contact, "whatsapp", utcnow()).open:
        return []
    async with runtime.sessions() as session, session.begin():
        rows = list(await queries.release_held(session, conversation_id=conversation.id, status="sending"))
    if rows:
        log.info("held consultant replies released", conversation_id=conversation.id, count=len(rows))
    return rows
