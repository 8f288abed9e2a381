"""Repayment reminders through the real planning and dispatch, a real database (SQLite and
PostgreSQL), Redis, the outbox and the fake Twilio API on loopback, with a controlled clock; Rasa is a
recording ``httpx.MockTransport``. Exactly once with two dispatchers and across a restart; nothing for
a paid instalment, an opted-out person, one without consent, or outside the contact hours."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import date, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from arq import Retry
from sqlalchemy import select

from bot.db.models import Conversation, HandoffRequest
from bot.reminders.dispatch import RASA_TRIES, dispatch_due, enqueue_due
from bot.reminders.plan_job import plan_reminders
from bot.runtime import Runtime, build_runtime
from bot.worker import repayment_reminder_job, run_conversation_job
from tests.integration.reminders_setup import PHONE, Live, borrower, instalment, live_app, mark_paid
from tests.unit.test_contact_hours import bogota

DUE = date(2026, 12, 3)  # a Thursday: before_3 on Monday 30 November at 09:00


@pytest.fixture
async def live(database_url: str, redis_db: int, tmp_path: Path) -> AsyncIterator[Live]:
    async with live_app(database_url, redis_db, tmp_path) as found:
        yield found


async def run_queued(live: Live, runtime: Runtime | None = None) -> list[str]:
    """Run every queued job as the worker would (conversation drains, reminder jobs)."""
    runtime = runtime or live.runtime
    ctx = {**live.ctx, "runtime": runtime}
    ran = []
    for job in await runtime.redis.queued_jobs(queue_name=runtime.settings.queue_name):
        await runtime.redis.delete(f"arq:job:{job.job_id}")
        await runtime.redis.zrem(runtime.settings.queue_name, job.job_id or "")
        if job.function == "repayment_reminder":
            await repayment_reminder_job(ctx, *job.args)
        else:
            await run_conversation_job(ctx, *job.args)
        ran.append(str(job.function))
    return ran


async def test_a_reminder_goes_once_through_rasa_and_the_outbox(live: Live) -> None:
    conversation_id = await borrower(live.runtime)
    instalment_id = await instalment(live.runtime, due_on=DUE)
    report = await plan_reminders(live.runtime)
    assert (report.instalments, dict(report.rows)) == (1, {"planned": 4})
    assert (await plan_reminders(live.runtime)).instalments == 0  # nothing new the second time
    assert await dispatch_due(live.runtime, live.rasa.client()) == []  # not due yet
    live.clock.now = bogota("2026-11-30 09:00")
    [outcome] = await dispatch_due(live.runtime, live.rasa.client())
    assert (outcome.result, outcome.step, outcome.conversation_id, outcome.rasa_told) == (
        "queued", "before_3", conversation_id, True,
    )  # fmt: skip
    [(sender, body)] = live.rasa.calls
    async with live.runtime.sessions() as session:
        conversation = await session.get(Conversation, conversation_id)
    assert conversation is not None and sender == conversation.rasa_sender_id  # never the phone
    assert body == {
        "name": "EXTERNAL_payment_reminder",
        "entities": {"amount": 350_000, "due_date": "2026-12-03", "step": "before_3"},
    }
    await run_queued(live)
    [sent] = await live.at_twilio()
    assert sent["body"] == (
        "Hola, su cuota de $350.000 vence el jueves 3 de diciembre. Si ya pago, no tenga en cuenta "
        "este mensaje. Responda PAGOS para ver donde pagar."
    )
    assert sent["validity_period_s"] == 36_000  # 09:00 to 19:00: Twilio drops it after the hours
    [row] = await live.outbound()
    assert (row.purpose, row.encoding, row.segments, row.twilio_sid) == (
        "repayment_reminder", "GSM-7", 1, sent["sid"],
    )  # fmt: skip
    reminder = await live.reminder(instalment_id, "before_3")
    assert (reminder.status, reminder.message_id) == ("queued", row.id)
    assert await dispatch_due(live.runtime, live.rasa.client()) == []
    await run_queued(live)
    assert len(await live.at_twilio()) == 1 and len(live.rasa.calls) == 1
    async with live.runtime.sessions() as session:
        assert (await session.scalars(select(HandoffRequest))).all() == []  # only after_7 opens one


async def test_a_payment_between_planning_and_sending_cancels_it(live: Live) -> None:
    await borrower(live.runtime)
    instalment_id = await instalment(live.runtime, due_on=DUE)
    await plan_reminders(live.runtime)
    await mark_paid(live.runtime, instalment_id)
    live.clock.now = bogota("2026-11-30 09:00")
    [outcome] = await dispatch_due(live.runtime, live.rasa.client())
    assert (outcome.result, outcome.reason) == ("canceled", "paid")
    assert (await live.reminder(instalment_id, "before_3")).status == "canceled"
    await run_queued(live)
    assert await live.at_twilio() == [] and await live.outbound() == [] and live.rasa.calls == []
    assert (await plan_reminders(live.runtime)).instalments == 0  # a paid instalment is not planned


async def test_a_restart_between_planning_and_sending_sends_once(live: Live) -> None:
    await borrower(live.runtime)
    await instalment(live.runtime, due_on=DUE)
    await plan_reminders(live.runtime)
    live.clock.now = bogota("2026-11-30 09:00")
    restarted = await build_runtime(live.runtime.settings)
    restarted.clock = lambda: live.clock.now
    try:
        assert [o.result for o in await dispatch_due(restarted, live.rasa.client())] == ["queued"]
        await run_queued(live, restarted)
        assert [o.result for o in await dispatch_due(restarted, live.rasa.client())] == []
        assert [o.result for o in await dispatch_due(live.runtime, live.rasa.client())] == []
    finally:
        await restarted.close()
    await run_queued(live)
    assert len(await live.at_twilio()) == 1


async def test_two_dispatchers_at_once_send_each_reminder_exactly_once(live: Live) -> None:
    phones = [f"+57310456{n:04d}" for n in range(4)]
    for phone in phones:
        await borrower(live.runtime, phone=phone)
        await instalment(live.runtime, due_on=DUE, phone=phone)
    await plan_reminders(live.runtime)
    live.clock.now = bogota("2026-11-30 09:00")
    other = await build_runtime(live.runtime.settings)
    other.clock = lambda: live.clock.now
    try:
        for _ in range(3):  # a conversation one holds is "busy" for the other: the next run sees it done
            first, second = await asyncio.gather(
                dispatch_due(live.runtime, live.rasa.client()), dispatch_due(other, live.rasa.client())
            )
            queued = [o.reminder_id for o in first + second if o.result == "queued"]
            assert len(queued) == len(set(queued))
    finally:
        await other.close()
    reminders = await live.reminders()
    assert sorted(r.status for r in reminders.values() if r.step == "before_3") == ["queued"] * 4
    assert len(await live.outbound()) == 4 and len(live.rasa.calls) == 4
    await run_queued(live)
    for phone in phones:
        assert len(await live.at_twilio(phone)) == 1, phone


async def test_the_worker_jobs_enqueue_once_and_send_once(live: Live) -> None:
    await borrower(live.runtime)
    await instalment(live.runtime, due_on=DUE)
    await plan_reminders(live.runtime)
    live.clock.now = bogota("2026-11-30 09:00")
    assert await enqueue_due(live.runtime) == 1
    await enqueue_due(live.runtime)  # the same job id: not a second job
    assert await run_queued(live) == ["repayment_reminder"]
    await run_queued(live)  # the conversation's drain
    assert await enqueue_due(live.runtime) == 0
    assert len(await live.at_twilio()) == 1


async def test_a_wave_of_reminder_jobs_starts_spread_at_the_total_send_rate(live: Live) -> None:
    """Not all at once: each job tells Rasa, and people who write must not wait behind a wave."""
    phones = [f"+5730055501{index:02d}" for index in range(3)]
    for phone in phones:
        await borrower(live.runtime, phone=phone)
        await instalment(live.runtime, due_on=DUE, phone=phone)
    await plan_reminders(live.runtime)
    live.clock.now = bogota("2026-11-30 09:00")
    assert await enqueue_due(live.runtime) == 3
    jobs = await live.runtime.redis.queued_jobs(queue_name=live.runtime.settings.queue_name)
    starts = sorted(job.score for job in jobs if job.function == "repayment_reminder")
    pace_ms = 1000 / live.runtime.send_rate.total_per_s
    gaps = [later - earlier for earlier, later in pairwise(starts)]
    assert len(starts) == 3 and all(pace_ms - 20 <= gap <= pace_ms + 20 for gap in gaps), (gaps, pace_ms)


async def test_rasa_down_retries_then_sends_anyway(live: Live) -> None:
    conversation_id = await borrower(live.runtime)
    instalment_id = await instalment(live.runtime, due_on=DUE)
    await plan_reminders(live.runtime)
    live.clock.now = bogota("2026-11-30 09:00")
    reminder_id = (await live.reminder(instalment_id, "before_3")).id
    live.rasa.up = False
    with pytest.raises(Retry):
        await repayment_reminder_job({**live.ctx, "job_try": 1}, reminder_id)
    assert (await live.reminder(instalment_id, "before_3")).status == "planned"
    assert await live.outbound() == []
    result = await repayment_reminder_job({**live.ctx, "job_try": RASA_TRIES}, reminder_id)
    assert result == "queued"  # the borrower does not miss it because Rasa is down
    [row] = await live.outbound()
    assert row.conversation_id == conversation_id


async def test_rasa_refusing_the_intent_does_not_hold_the_reminder(live: Live) -> None:
    await borrower(live.runtime)
    await instalment(live.runtime, due_on=DUE)
    await plan_reminders(live.runtime)
    live.clock.now = bogota("2026-11-30 09:00")
    live.rasa.status = 400  # e.g. a model trained without EXTERNAL_payment_reminder
    [outcome] = await dispatch_due(live.runtime, live.rasa.client())
    assert (outcome.result, outcome.rasa_told) == ("queued", False)


async def test_nothing_outside_the_contact_hours(live: Live) -> None:
    await borrower(live.runtime)
    await instalment(live.runtime, due_on=date(2026, 12, 9))  # before_3: Sunday → Monday 07:00
    await plan_reminders(live.runtime)
    for moment in ("2026-12-05 15:00", "2026-12-06 10:00", "2026-12-07 06:59"):
        live.clock.now = bogota(moment)
        assert await dispatch_due(live.runtime, live.rasa.client()) == [], moment
        assert await enqueue_due(live.runtime) == 0, moment
    live.clock.now = bogota("2026-12-07 07:00")
    assert [o.result for o in await dispatch_due(live.runtime, live.rasa.client())] == ["queued"]


@pytest.mark.parametrize(
    ("label", "person", "paused", "status", "reason"),
    [
        ("opted out", {"opted_out": True}, None, "skipped", "opted out"),
        ("said no to consent", {"consent": False}, None, "skipped", "no consent for reminders"),
        ("never answered consent", {"consent": None}, None, "skipped", "no consent for reminders"),
        ("consent without reminders", {"purposes": ["evaluar su solicitud de crédito"]}, None, "skipped",
         "no consent for reminders"),
        ("no contact with the phone", None, None, "skipped", "no contact with the loan's phone"),
        ("paused after ya pagué", {}, "2026-12-02 12:00", "planned", "paused after a payment claim"),
    ],
)  # fmt: skip
async def test_nothing_is_sent(
    live: Live, label: str, person: dict[str, Any] | None, paused: str | None, status: str, reason: str
) -> None:
    if person is not None:
        await borrower(live.runtime, **person)
    instalment_id = await instalment(
        live.runtime, due_on=DUE, paused_until=bogota(paused) if paused else None
    )
    await plan_reminders(live.runtime)
    live.clock.now = bogota("2026-11-30 09:00")
    [outcome] = await dispatch_due(live.runtime, live.rasa.client())
    assert (outcome.result, outcome.reason) == ("moved" if paused else status, reason), label
    reminder = await live.reminder(instalment_id, "before_3")
    assert (reminder.status, reminder.reason) == (status, reason), label
    if paused:
        assert reminder.planned_at == bogota(paused)  # it goes when the pause ends
    await run_queued(live)
    assert await live.at_twilio() == [] and await live.outbound() == [] and live.rasa.calls == []


async def test_a_consultants_conversation_waits_for_the_next_days_opening(live: Live) -> None:
    await borrower(live.runtime, owner="consultant")
    instalment_id = await instalment(live.runtime, due_on=DUE)
    await plan_reminders(live.runtime)
    live.clock.now = bogota("2026-11-30 09:00")
    [outcome] = await dispatch_due(live.runtime, live.rasa.client())
    assert (outcome.result, outcome.until) == ("moved", bogota("2026-12-01 07:00"))
    reminder = await live.reminder(instalment_id, "before_3")
    assert (reminder.status, reminder.planned_at) == ("planned", bogota("2026-12-01 07:00"))
    assert await live.outbound() == []


async def test_one_reminder_a_day_and_two_a_week_per_person(live: Live) -> None:
    await borrower(live.runtime)
    first = await instalment(live.runtime, due_on=DUE)
    second = await instalment(live.runtime, due_on=DUE, number=2)
    await plan_reminders(live.runtime)
    live.clock.now = bogota("2026-11-30 09:00")
    outcomes = await dispatch_due(live.runtime, live.rasa.client())
    assert sorted(o.result for o in outcomes) == ["moved", "queued"]
    [moved] = [o for o in outcomes if o.result == "moved"]
    assert (moved.reason, moved.until) == ("one reminder a day", bogota("2026-12-01 07:00"))
    live.clock.now = bogota("2026-12-01 07:00")
    assert [o.result for o in await dispatch_due(live.runtime, live.rasa.client())] == ["queued"]
    live.clock.now = bogota("2026-12-03 09:00")  # the due date: two already went this ISO week
    outcomes = await dispatch_due(live.runtime, live.rasa.client())
    assert [(o.result, o.reason, o.until) for o in outcomes] == [
        ("moved", "weekly limit", bogota("2026-12-07 07:00"))
    ] * 2
    live.clock.now = bogota("2026-12-07 07:00")  # the due step is superseded by after_1 by then
    outcomes = await dispatch_due(live.runtime, live.rasa.client())
    by_step = sorted((o.step or "", o.result) for o in outcomes)
    assert by_step == [("after_1", "moved"), ("after_1", "queued"), ("due", "skipped"), ("due", "skipped")]
    statuses = {key: r.status for key, r in (await live.reminders()).items()}
    assert statuses[f"{first}:before_3"] == statuses[f"{second}:before_3"] == "queued"
    await run_queued(live)
    assert len(await live.at_twilio()) == 3


async def test_the_channel_of_the_week_stays_the_one_a_reminder_already_used(live: Live) -> None:
    """Ley 2300: not through several channels in the same week. The person writes on WhatsApp after an
    SMS reminder: the week's next reminder still goes by SMS, the next week's by WhatsApp."""
    sms = await borrower(live.runtime)
    async with live.runtime.sessions() as session, session.begin():
        contact_id = (await session.get(Conversation, sms)).contact_id  # type: ignore[union-attr]
        whatsapp = Conversation(
            rasa_sender_id="wa-" + PHONE[-6:], contact_id=contact_id, channel="whatsapp",
            last_inbound_at=bogota("2026-10-01 10:00"),
        )  # fmt: skip
        session.add(whatsapp)
    await instalment(live.runtime, due_on=DUE)
    await instalment(live.runtime, due_on=DUE, number=2)
    await plan_reminders(live.runtime)
    live.clock.now = bogota("2026-11-30 09:00")
    queued = [o for o in await dispatch_due(live.runtime, live.rasa.client()) if o.result == "queued"]
    assert [o.channel for o in queued] == ["sms"]
    async with live.runtime.sessions() as session, session.begin():  # then they wrote on WhatsApp
        row = await session.get(Conversation, whatsapp.id)
        assert row is not None
        row.last_inbound_at = bogota("2026-11-30 12:00")
    live.clock.now = bogota("2026-12-01 07:00")
    [outcome] = await dispatch_due(live.runtime, live.rasa.client())
    assert (outcome.result, outcome.channel, outcome.conversation_id) == ("queued", "sms", sms)
    live.clock.now = bogota("2026-12-07 07:00")  # a new week: the channel they use now
    queued = [o for o in await dispatch_due(live.runtime, live.rasa.client()) if o.result == "queued"]
    assert [(o.channel, o.conversation_id) for o in queued] == [("whatsapp", whatsapp.id)]


async def test_whatsapp_outside_the_window_gets_the_template(live: Live) -> None:
    await borrower(live.runtime, channel="whatsapp", last_inbound=bogota("2026-11-01 10:00"))
    await instalment(live.runtime, due_on=DUE, amount_due=1_250_000, amount_paid=250_000)
    await plan_reminders(live.runtime)
    live.clock.now = bogota("2026-11-30 09:00")
    await dispatch_due(live.runtime, live.rasa.client())
    await run_queued(live)
    [sent] = await live.at_twilio(channel="whatsapp")
    template = live.runtime.templates.by_name("recordar_cuota")
    assert template is not None and sent["content_sid"] == template.content_sid
    assert json.loads(sent["content_variables"]) == {
        "1": "Ana", "2": "$1.000.000", "3": "jueves 3 de diciembre",
    }  # fmt: skip
    assert sent["validity_period_s"] == 36_000


async def test_whatsapp_inside_the_window_gets_free_text(live: Live) -> None:
    live.clock.now = bogota("2026-11-30 09:00")
    await borrower(live.runtime, channel="whatsapp", last_inbound=live.clock.now - timedelta(hours=2))
    await instalment(live.runtime, due_on=DUE)
    await plan_reminders(live.runtime)
    await dispatch_due(live.runtime, live.rasa.client())
    await run_queued(live)
    [sent] = await live.at_twilio(channel="whatsapp")
    assert not sent["content_sid"]
    assert sent["body"].startswith("Hola, le recordamos que su cuota de $350.000 vence el jueves 3")


async def test_the_last_step_opens_a_ticket_with_the_loan_and_never_the_cedula(live: Live) -> None:
    conversation_id = await borrower(live.runtime)
    instalment_id = await instalment(live.runtime, due_on=DUE, number=4)
    live.clock.now = bogota("2026-12-10 09:00")  # imported late: only after_7 is still live
    report = await plan_reminders(live.runtime)
    assert dict(report.rows) == {"planned": 1, "skipped": 3}
    [outcome] = await dispatch_due(live.runtime, live.rasa.client())
    assert (outcome.result, outcome.step) == ("queued", "after_7")
    async with live.runtime.sessions() as session:
        [ticket] = (await session.scalars(select(HandoffRequest))).all()
    assert (ticket.conversation_id, ticket.reason, ticket.priority) == (
        conversation_id,
        "payment_overdue",
        12,
    )
    loan = ticket.summary["loan"]
    assert {k: loan[k] for k in ("instalment", "amount_due", "due_on")} == {
        "instalment": 4, "amount_due": 350_000, "due_on": "2026-12-03",
    }  # fmt: skip
    assert loan["loan_ref"].startswith("L-")
    assert "1017123456" not in json.dumps(ticket.summary) + json.dumps(ticket.answers)
    assert (await live.reminder(instalment_id, "before_3")).reason == "superseded"
    await run_queued(live)
    [sent] = await live.at_twilio()
    assert "Un asesor le escribira para ayudarle." in sent["body"]
    assert PHONE not in json.dumps(ticket.summary)
