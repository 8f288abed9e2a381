"""Send the due repayment reminders: each (instalment, step) at most once, only while contact hours
are open, through Rasa's ``trigger_intent`` and the outbox.

The worker's cron job (:func:`enqueue_due`, each minute while the contact hours are open) enqueues one
arq job per due reminder (job id ``repayment-reminder:<id>``: a reminder already waiting for its job
is not enqueued twice); the job runs :func:`deliver`. For one reminder:

1. re-check everything at send time (bot/reminders/checks.py): paid → canceled; superseded, no
   contact, opted out, no consent, no conversation → skipped; paused, a consultant's conversation, the
   day and week limits → ``planned_at`` moves forward;
2. under the conversation's Redis lock (the same one a turn holds: Rasa sees one thing at a time),
   tell Rasa (``EXTERNAL_payment_reminder`` with amount, due_date, step) so that the person's answer
   has its context. Rasa down → the job retries with backoff; still down after ``RASA_TRIES`` tries,
   the reminder goes anyway (the borrower must not miss it because of our outage) and it is logged;
3. in ONE transaction: the conditional UPDATE planned → queued (only while the instalment is unpaid)
   and the outbox row (purpose "repayment_reminder": ``may_send`` defers it outside the hours and sets
   ValidityPeriod), plus the consultant ticket for a step that opens one. The unique (instalment, step)
   and the conditional UPDATE make a second send impossible with two workers and across restarts;
4. enqueue the conversation's drain: the outbox sends it.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime

from redis.asyncio.lock import Lock
from redis.exceptions import LockError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import messages
from bot.db import repayment_reminders as queries
from bot.handoff.tickets import request_handoff
from bot.handoff.window import window_state
from bot.logs import get_logger
from bot.metrics import REPAYMENT_REMINDERS
from bot.queue import conversation_lock_key, enqueue_drain, enqueue_repayment_reminder, ring_doorbell
from bot.rasa_client import RasaClient, RasaRefused, RasaUnavailable
from bot.reminders.checks import (
    REMINDER_PURPOSE,
    Go,
    Stop,
    Wait,
    instalment_check,
    limits_check,
    person_check,
)
from bot.reminders.message import reminder_message
from bot.reminders.planning import Planner
from bot.runtime import Runtime

log = get_logger(__name__)

EXTERNAL_INTENT = "EXTERNAL_payment_reminder"
TICKET_REASON = "payment_overdue"
RASA_TRIES = 8  # with the worker's backoff (0.5 s … 30 s) about a minute and a half of Rasa down
BATCH = 2_000  # due reminders enqueued per cron run
BUSY_MARGIN_S = 0.5


class ReminderBusy(Exception):
    """The conversation's lock is held (a turn is running): try again when it is released."""

    def __init__(self, retry_in_s: float) -> None:
        super().__init__(f"conversation busy for {retry_in_s:.1f} s")
        self.retry_in_s = retry_in_s


class RasaNotYet(Exception):
    """Rasa could not be told yet and tries remain: the job retries with backoff."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one reminder: queued | skipped | canceled | moved | gone (already handled or
    not due any more) | busy (inline runs only: the conversation's lock was held)."""

    reminder_id: int
    result: str
    reason: str | None = None
    until: datetime | None = None
    step: str | None = None
    conversation_id: int | None = None
    channel: str | None = None
    rasa_told: bool | None = None


async def enqueue_due(runtime: Runtime) -> int:
    """The cron job: one arq job per due reminder, while the contact hours are open.

    The jobs of a wave start spread at the senders' total send rate (bot/send_rate.py), not all at
    once: each tells Rasa (a turn's worth of work), so 2,000 reminders at once would hold the worker's
    job slots and Rasa while people who write wait behind them; and the outbox paces the sends anyway.
    A job waiting for its start keeps its id, so the next run does not enqueue it twice."""
    now = runtime.clock()
    if not runtime.contact_hours.is_open(now):
        return 0
    async with runtime.sessions() as session:
        due = await queries.due_reminder_ids(session, now=now, limit=BATCH)
    pace_s = 1 / runtime.send_rate.total_per_s
    for index, reminder_id in enumerate(due):
        await enqueue_repayment_reminder(runtime.redis, reminder_id=reminder_id, defer_s=index * pace_s)
    if due:
        await ring_doorbell(runtime.redis)
        log.info("repayment reminders enqueued", count=len(due))
    return len(due)


async def dispatch_due(runtime: Runtime, rasa: RasaClient, *, drain: bool = True) -> list[Outcome]:
    """Deliver every due reminder in this process, one after the other (the demo, tests): Rasa is
    tried once; a held conversation is left for the next run. ``drain``: enqueue the outbox's job."""
    now = runtime.clock()
    if not runtime.contact_hours.is_open(now):
        return []
    async with runtime.sessions() as session:
        due = await queries.due_reminder_ids(session, now=now, limit=BATCH)
    outcomes = []
    for reminder_id in due:
        try:
            outcomes.append(await deliver(runtime, rasa, reminder_id, last_rasa_try=True, drain=drain))
        except ReminderBusy as exc:
            outcomes.append(Outcome(reminder_id, "busy", str(exc)))
    return outcomes


async def deliver(
    runtime: Runtime, rasa: RasaClient, reminder_id: int, *, last_rasa_try: bool, drain: bool = True
) -> Outcome:
    """Check, tell Rasa, queue: one reminder (see the module docstring)."""
    now = runtime.clock()
    if not runtime.contact_hours.is_open(now):
        return Outcome(reminder_id, "gone", "outside contact hours")  # the cron job enqueues it again
    planner = Planner(runtime.reminders, runtime.contact_hours)
    async with runtime.sessions() as session, session.begin():
        row = await queries.reminder_with_loan(session, reminder_id=reminder_id)
        if row is None or row.reminder.status != queries.PLANNED or row.reminder.planned_at > now:
            return Outcome(reminder_id, "gone")
        step_id = row.reminder.step
        decision = instalment_check(row, planner, now) or await person_check(
            session, row, hours=runtime.contact_hours, purpose=runtime.reminders.consent_purpose, now=now
        )
        if not isinstance(decision, Go):
            return await _record(session, reminder_id, step_id, decision, now)
    conversation_id = decision.conversation.id
    key = conversation_lock_key(conversation_id)
    lock = Lock(runtime.redis, key, timeout=runtime.settings.turn_job_timeout_s, blocking=False)
    if not await lock.acquire():
        raise ReminderBusy(max(await runtime.redis.pttl(key), 0) / 1000 + BUSY_MARGIN_S)
    try:
        return await _deliver_locked(
            runtime, rasa, reminder_id, decision, last_rasa_try=last_rasa_try, drain=drain
        )
    finally:
        with contextlib.suppress(LockError):
            await lock.release()


async def _deliver_locked(
    runtime: Runtime, rasa: RasaClient, reminder_id: int, go: Go, *, last_rasa_try: bool, drain: bool
) -> Outcome:
    now = runtime.clock()
    conversation, contact = go.conversation, go.contact
    async with runtime.sessions() as session, session.begin():
        row = await queries.reminder_with_loan(session, reminder_id=reminder_id)
        if row is None or row.reminder.status != queries.PLANNED:
            return Outcome(reminder_id, "gone")  # another worker took it while we waited for the lock
        wait = await limits_check(session, contact, hours=runtime.contact_hours, now=now)
        if wait is not None:
            return await _record(session, reminder_id, row.reminder.step, wait, now)
    step = runtime.reminders.step(row.reminder.step)
    if step is None:  # a step removed from the data file since it was planned
        async with runtime.sessions() as session, session.begin():
            stop = Stop("skipped", "step no longer in the policy")
            return await _record(session, reminder_id, row.reminder.step, stop, now)
    instalment = row.instalment
    told = await _tell_rasa(rasa, conversation.rasa_sender_id, row, last_try=last_rasa_try)
    message = reminder_message(
        runtime.reminders,
        runtime.templates,
        step,
        channel=conversation.channel,
        window_open=window_state(contact, conversation.channel, now).open,
        amount=instalment.amount_due - instalment.amount_paid,
        due_on=instalment.due_on,
        profile_name=contact.profile_name,
    )
    async with runtime.sessions() as session, session.begin():
        if not await queries.claim_for_queue(session, reminder_id=reminder_id, at=now):
            return Outcome(reminder_id, "gone", step=step.id)  # paid or taken in the meantime
        outbound = await messages.add_proactive(
            session,
            conversation_id=conversation.id,
            channel=conversation.channel,
            body=message.body,
            purpose=REMINDER_PURPOSE,
            content_sid=message.content_sid,
            content_variables=message.content_variables,
            created_at=now,
        )
        await queries.set_message(session, reminder_id=reminder_id, message_id=outbound.id)
        if step.opens_ticket:
            ticket = await request_handoff(
                session,
                conversation_id=conversation.id,
                message_id=None,
                reason=TICKET_REASON,
                answers={},
                at=now,
                rules=runtime.handoff,
            )
            ticket.summary = {**(ticket.summary or {}), "loan": loan_context(row)}
    if drain:
        await enqueue_drain(runtime.redis, conversation_id=conversation.id, reason=f"repayment-{reminder_id}")
    REPAYMENT_REMINDERS.labels(outcome="queued").inc()
    log.info(
        "repayment reminder queued",
        reminder_id=reminder_id,
        step=step.id,
        conversation_id=conversation.id,
        outbound_id=outbound.id,
        rasa_told=told,
    )
    return Outcome(reminder_id, "queued", step=step.id, conversation_id=conversation.id,
                   channel=conversation.channel, rasa_told=told)  # fmt: skip


async def _tell_rasa(rasa: RasaClient, sender_id: str, row: queries.ReminderRow, *, last_try: bool) -> bool:
    """Give Rasa the reminder's context; False when it was sent without (Rasa down or refusing)."""
    instalment = row.instalment
    entities = {
        "amount": instalment.amount_due - instalment.amount_paid,
        "due_date": instalment.due_on.isoformat(),
        "step": row.reminder.step,
    }
    try:
        await rasa.trigger_intent(sender_id=sender_id, intent=EXTERNAL_INTENT, entities=entities)
    except RasaRefused as exc:  # a retry would not help: the reminder goes without the context
        log.warning(
            "rasa refused the reminder's intent; sent anyway", reminder_id=row.reminder.id, reason=str(exc)
        )
        return False
    except RasaUnavailable as exc:
        if not last_try:
            raise RasaNotYet(str(exc)) from exc
        log.warning(
            "rasa down after every try; reminder sent anyway", reminder_id=row.reminder.id, reason=str(exc)
        )
        return False
    return True


async def _record(
    session: AsyncSession, reminder_id: int, step: str, decision: Stop | Wait, now: datetime
) -> Outcome:
    if isinstance(decision, Stop):
        changed = await queries.settle(
            session, reminder_id=reminder_id, status=decision.status, reason=decision.reason, at=now
        )
        outcome = Outcome(reminder_id, decision.status, decision.reason, step=step)
    else:
        changed = await queries.move(
            session, reminder_id=reminder_id, planned_at=decision.until, reason=decision.reason, at=now
        )
        outcome = Outcome(reminder_id, "moved", decision.reason, until=decision.until, step=step)
    if not changed:
        return Outcome(reminder_id, "gone", step=step)
    REPAYMENT_REMINDERS.labels(outcome=outcome.result).inc()
    log.info(
        "repayment reminder " + outcome.result, reminder_id=reminder_id, step=step, reason=outcome.reason
    )
    return outcome


def loan_context(row: queries.ReminderRow) -> dict[str, object]:
    """What the consultant's ticket says about the loan: never the cédula."""
    instalment = row.instalment
    return {
        "loan_ref": row.loan.loan_ref,
        "product": row.loan.product,
        "instalment": instalment.number,
        "amount_due": instalment.amount_due - instalment.amount_paid,
        "due_on": instalment.due_on.isoformat(),
    }
