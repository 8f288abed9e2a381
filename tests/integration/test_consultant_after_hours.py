"""A consultant's reply outside the contact hours (Ley 2300 de 2023): to a person waiting in a live
conversation it goes at once; to someone silent for over 24 h it is stored, the outbox defers it and
the notice says when it goes; the WhatsApp template that reopens a closed window waits the same way."""

from __future__ import annotations

from datetime import timedelta

from bot.handoff.consultant import consultant_reply
from bot.handoff.hours import fill_when
from bot.outbox import send_unsent
from bot.runtime import Runtime
from tests.integration.consultant_setup import claimed_conversation, outbound
from tests.unit.test_contact_hours import bogota

SUNDAY_NIGHT = bogota("2026-12-06 21:00")
REPLY = "Hola, ya revisé su solicitud."


async def test_a_live_conversation_gets_the_reply_at_night(runtime: Runtime) -> None:
    claimed = await claimed_conversation(runtime, last_inbound=SUNDAY_NIGHT - timedelta(minutes=10))
    outcome = await consultant_reply(
        runtime, ticket_id=claimed.ticket_id, user=claimed.consultant, text=REPLY, at=SUNDAY_NIGHT
    )
    assert (outcome.kind, outcome.notice) == ("sent", runtime.consultant.notices.sent)


async def test_someone_silent_for_days_gets_it_on_monday_morning(runtime: Runtime) -> None:
    runtime.clock = lambda: SUNDAY_NIGHT
    claimed = await claimed_conversation(runtime, last_inbound=SUNDAY_NIGHT - timedelta(days=2))
    outcome = await consultant_reply(
        runtime, ticket_id=claimed.ticket_id, user=claimed.consultant, text=REPLY, at=SUNDAY_NIGHT
    )
    assert outcome.kind == "sent"
    assert outcome.notice.endswith("sale mañana desde las 7:00 a. m.")
    assert "fuera del horario de contacto" in outcome.notice
    # The worker's send: deferred, nothing reaches Twilio (its URL goes nowhere: a send would fail).
    assert await send_unsent(runtime, claimed.conversation_id) == 0
    [row] = await outbound(runtime, claimed.conversation_id)
    assert (row.status, row.twilio_sid, row.purpose) == ("deferred", None, "consultant_reply")


async def test_the_reopen_template_waits_for_the_hours_and_the_notice_says_so(runtime: Runtime) -> None:
    runtime.clock = lambda: SUNDAY_NIGHT
    claimed = await claimed_conversation(
        runtime, channel="whatsapp", last_inbound=SUNDAY_NIGHT - timedelta(hours=30)
    )
    outcome = await consultant_reply(
        runtime, ticket_id=claimed.ticket_id, user=claimed.consultant, text=REPLY, at=SUNDAY_NIGHT
    )
    assert outcome.kind == "template_sent_reply_held"
    assert outcome.notice == fill_when(
        runtime.consultant.notices.template_after_hours, "mañana desde las 7:00 a. m."
    )
    assert "7:00 a. m.. " not in outcome.notice  # one period after "a. m."
    assert await send_unsent(runtime, claimed.conversation_id) == 0
    reply, template = await outbound(runtime, claimed.conversation_id)
    assert (reply.status, template.status, template.purpose) == ("held", "deferred", "reopen_template")
