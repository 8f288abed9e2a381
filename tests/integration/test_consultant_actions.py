"""What a consultant does to a conversation, on SQLite and PostgreSQL (real Redis for the queue):
who may reply, what the outbox row and the ticket events hold, the closed WhatsApp window, closing,
handing back, transfers and notes."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.db.models import Contact, HandoffRequest, utcnow
from bot.handoff.closing import close_ticket, hand_back
from bot.handoff.consultant import consultant_reply
from bot.handoff.ticket_actions import add_note, transfer
from bot.runtime import Runtime
from tests.contact_clock import open_now
from tests.integration.consultant_setup import add_user, claimed_conversation, events, outbound, ticket

REPLY = "Hola, ya revisé su información. ¿Podemos hablar el miércoles?"


async def _queued_jobs(runtime: Runtime) -> set[str]:
    keys = await runtime.redis.zrange(runtime.settings.queue_name, 0, -1)
    return {key.decode() if isinstance(key, bytes) else str(key) for key in keys}


async def test_sms_reply_is_an_outbox_row_of_the_consultant_folded_and_queued(runtime: Runtime) -> None:
    claimed = await claimed_conversation(runtime, channel="sms")
    outcome = await consultant_reply(
        runtime, ticket_id=claimed.ticket_id, user=claimed.consultant, text=f"  {REPLY}  ", at=utcnow()
    )
    assert (outcome.kind, outcome.notice) == ("sent", runtime.consultant.notices.sent)
    [row] = await outbound(runtime, claimed.conversation_id)
    assert row.id == outcome.message_id
    assert row.body == "Hola, ya revisé su informacion. ¿Podemos hablar el miércoles?"  # GSM-7: ó folds
    assert (row.status, row.purpose, row.author_id) == ("pending", "consultant_reply", claimed.consultant.id)
    assert (row.encoding, row.segments) == ("GSM-7", 1)
    [event] = await events(runtime, claimed.ticket_id)
    assert (event.kind, event.actor_id, event.body) == ("reply", claimed.consultant.id, None)
    assert event.detail == {"message_id": row.id, "channel": "sms", "held": False}  # never the text
    assert f"arq:job:drain:consultant-{row.id}:{claimed.conversation_id}" in {
        key.decode() for key in await runtime.redis.keys("arq:job:*")
    }


async def test_only_the_assignee_or_a_supervisor_may_reply(runtime: Runtime) -> None:
    claimed = await claimed_conversation(runtime)
    colleague = await add_user(runtime, "Pedro Ruiz")  # same branch, not the assignee
    supervisor = await add_user(runtime, "Sofía Díaz", role="supervisor")
    refused = await consultant_reply(
        runtime, ticket_id=claimed.ticket_id, user=colleague, text=REPLY, at=utcnow()
    )
    assert (refused.kind, refused.notice, refused.message_id) == (
        "refused",
        runtime.consultant.notices.not_yours,
        None,
    )
    assert await outbound(runtime, claimed.conversation_id) == []
    allowed = await consultant_reply(
        runtime, ticket_id=claimed.ticket_id, user=supervisor, text=REPLY, at=utcnow()
    )
    assert allowed.kind == "sent"
    [row] = await outbound(runtime, claimed.conversation_id)
    assert row.author_id == supervisor.id
    missing = await consultant_reply(runtime, ticket_id=999_999, user=supervisor, text=REPLY, at=utcnow())
    assert missing.notice == runtime.consultant.notices.not_found


async def test_empty_too_long_and_opted_out_replies_are_refused_and_store_nothing(runtime: Runtime) -> None:
    claimed = await claimed_conversation(runtime)
    notices = runtime.consultant.notices
    reply = await consultant_reply(
        runtime, ticket_id=claimed.ticket_id, user=claimed.consultant, text=" \n ", at=utcnow()
    )
    assert reply.notice == notices.empty
    reply = await consultant_reply(
        runtime, ticket_id=claimed.ticket_id, user=claimed.consultant, text="a" * 1601, at=utcnow()
    )
    assert reply.kind == "refused" and "1600" in reply.notice
    async with runtime.sessions() as session, session.begin():
        contact = await session.get(Contact, claimed.contact_id)
        assert contact is not None
        contact.opted_out_at = utcnow()
    reply = await consultant_reply(
        runtime, ticket_id=claimed.ticket_id, user=claimed.consultant, text=REPLY, at=utcnow()
    )
    assert (reply.kind, reply.notice) == ("refused", notices.opted_out)
    assert await outbound(runtime, claimed.conversation_id) == []
    assert await events(runtime, claimed.ticket_id) == []


async def test_closed_window_holds_the_reply_and_sends_the_template_once(runtime: Runtime) -> None:
    runtime.contact_hours = open_now(runtime.contact_hours)  # the template would wait at night
    claimed = await claimed_conversation(
        runtime, channel="whatsapp", last_inbound=utcnow() - timedelta(hours=25)
    )
    first = await consultant_reply(
        runtime, ticket_id=claimed.ticket_id, user=claimed.consultant, text=REPLY, at=utcnow()
    )
    assert (first.kind, first.notice) == (
        "template_sent_reply_held",
        runtime.consultant.notices.template_sent,
    )
    second = await consultant_reply(
        runtime, ticket_id=claimed.ticket_id, user=claimed.consultant, text="¿Sigue ahí?", at=utcnow()
    )
    assert second.kind == "held"  # the template already waits for the person's answer
    reply, template, again = await outbound(runtime, claimed.conversation_id)
    assert (reply.status, reply.body, reply.encoding) == ("held", REPLY, None)  # WhatsApp keeps accents
    assert (template.status, template.purpose) == ("pending", "reopen_template")
    expected = runtime.templates.by_name("retomar_conversacion")
    assert expected is not None and template.content_sid == expected.content_sid
    assert template.content_variables == {"1": "Ana", "2": "Carla"}
    assert template.body == (
        "Hola Ana, soy Carla de Interactuar. Tengo una respuesta sobre su solicitud. "
        "Responda a este mensaje para verla."
    )
    assert (again.status, again.body) == ("held", "¿Sigue ahí?")
    kinds = [
        (event.kind, event.detail.get("message_id")) for event in await events(runtime, claimed.ticket_id)
    ]
    assert kinds == [("reply", reply.id), ("template_sent", template.id), ("reply", again.id)]


async def test_unknown_profile_name_uses_the_templates_fallback(runtime: Runtime) -> None:
    claimed = await claimed_conversation(
        runtime, channel="whatsapp", profile_name=None, last_inbound=utcnow() - timedelta(days=3)
    )
    await consultant_reply(
        runtime, ticket_id=claimed.ticket_id, user=claimed.consultant, text=REPLY, at=utcnow()
    )
    _, template = await outbound(runtime, claimed.conversation_id)
    assert template.content_variables == {"1": "emprendedor(a)", "2": "Carla"}


async def test_once_the_window_is_open_held_replies_go_before_a_new_one(runtime: Runtime) -> None:
    claimed = await claimed_conversation(
        runtime, channel="whatsapp", last_inbound=utcnow() - timedelta(hours=30)
    )
    await consultant_reply(
        runtime, ticket_id=claimed.ticket_id, user=claimed.consultant, text=REPLY, at=utcnow()
    )
    async with runtime.sessions() as session, session.begin():  # the person answered the template
        contact = await session.get(Contact, claimed.contact_id)
        assert contact is not None
        contact.last_whatsapp_inbound_at = utcnow()
    later = await consultant_reply(
        runtime, ticket_id=claimed.ticket_id, user=claimed.consultant, text="Otra cosa", at=utcnow()
    )
    assert later.kind == "sent"
    held, _template, new = await outbound(runtime, claimed.conversation_id)
    assert [held.status, new.status] == ["pending", "pending"] and held.id < new.id


async def test_close_with_an_outcome_gives_the_conversation_back(runtime: Runtime) -> None:
    claimed = await claimed_conversation(runtime)
    notices = runtime.consultant.notices
    wrong = await close_ticket(
        runtime, ticket_id=claimed.ticket_id, user=claimed.consultant, outcome="handed_back", at=utcnow()
    )
    assert (wrong.ok, wrong.notice(notices)) == (False, notices.unknown_outcome)
    at = utcnow()
    done = await close_ticket(
        runtime, ticket_id=claimed.ticket_id, user=claimed.consultant, outcome="wrong_number", at=at
    )
    assert (done.ok, done.notice(notices)) == (True, notices.ticket_closed)
    closed, conversation = await ticket(runtime, claimed.ticket_id)
    assert (closed.status, closed.outcome, closed.closed_at, conversation.owner) == (
        "closed",
        "wrong_number",
        at,
        "bot",
    )
    [event] = await events(runtime, claimed.ticket_id)
    assert (event.kind, event.detail, event.actor_id) == (
        "closed",
        {"outcome": "wrong_number"},
        claimed.consultant.id,
    )
    assert f"tell-rasa:{claimed.ticket_id}" in await _queued_jobs(runtime)
    again = await close_ticket(
        runtime, ticket_id=claimed.ticket_id, user=claimed.consultant, outcome="resolved", at=utcnow()
    )
    assert (again.ok, again.code) == (False, "closed")
    reply = await consultant_reply(
        runtime, ticket_id=claimed.ticket_id, user=claimed.consultant, text=REPLY, at=utcnow()
    )
    assert (reply.kind, reply.notice) == ("refused", notices.closed)


async def test_hand_back_records_handed_back(runtime: Runtime) -> None:
    claimed = await claimed_conversation(runtime)
    other = await add_user(runtime, "Pedro Ruiz")
    assert (
        await hand_back(runtime, ticket_id=claimed.ticket_id, user=other, at=utcnow())
    ).code == "not_yours"
    result = await hand_back(runtime, ticket_id=claimed.ticket_id, user=claimed.consultant, at=utcnow())
    assert result.ok and result.notice(runtime.consultant.notices) == runtime.consultant.notices.handed_back
    closed, conversation = await ticket(runtime, claimed.ticket_id)
    assert (closed.status, closed.outcome, conversation.owner) == ("closed", "handed_back", "bot")
    assert [event.kind for event in await events(runtime, claimed.ticket_id)] == ["handed_back"]


async def test_transfer_within_the_branch_or_by_a_supervisor(runtime: Runtime) -> None:
    claimed = await claimed_conversation(runtime, branch="medellin")
    same_branch = await add_user(runtime, "Pedro Ruiz", branch="medellin")
    other_branch = await add_user(runtime, "Luis Mora", branch="rionegro")
    inactive = await add_user(runtime, "Eva Paz", branch="medellin", active=False)
    supervisor = await add_user(runtime, "Sofía Díaz", role="supervisor")

    async def move(user_id: int, by: object) -> tuple[bool, str]:
        async with runtime.sessions() as session, session.begin():
            result = await transfer(
                session,
                ticket_id=claimed.ticket_id,
                user=by,
                to_user_id=user_id,
                at=utcnow(),  # type: ignore[arg-type]
            )
        return result.ok, result.code

    assert await move(other_branch.id, claimed.consultant) == (False, "transfer_target")
    assert await move(inactive.id, claimed.consultant) == (False, "transfer_target")
    assert await move(claimed.consultant.id, claimed.consultant) == (False, "transfer_same")
    assert await move(same_branch.id, claimed.consultant) == (True, "transferred")
    assert await move(other_branch.id, claimed.consultant) == (False, "not_yours")  # no longer theirs
    assert await move(other_branch.id, supervisor) == (True, "transferred")
    moved, conversation = await ticket(runtime, claimed.ticket_id)
    assert (moved.assignee_id, moved.status, conversation.owner) == (other_branch.id, "claimed", "consultant")
    details = [event.detail for event in await events(runtime, claimed.ticket_id)]
    assert details == [
        {"from_user_id": claimed.consultant.id, "to_user_id": same_branch.id},
        {"from_user_id": same_branch.id, "to_user_id": other_branch.id},
    ]
    # The new assignee replies; the former one no longer can.
    assert (
        await consultant_reply(
            runtime, ticket_id=claimed.ticket_id, user=other_branch, text=REPLY, at=utcnow()
        )
    ).kind == "sent"
    assert (
        await consultant_reply(
            runtime, ticket_id=claimed.ticket_id, user=same_branch, text=REPLY, at=utcnow()
        )
    ).kind == "refused"


async def test_notes_by_the_branch_are_kept_with_their_text(runtime: Runtime) -> None:
    claimed = await claimed_conversation(runtime, branch="medellin")
    colleague = await add_user(runtime, "Pedro Ruiz", branch="medellin")
    stranger = await add_user(runtime, "Luis Mora", branch="rionegro")
    async with runtime.sessions() as session, session.begin():
        saved = await add_note(
            session, ticket_id=claimed.ticket_id, user=colleague, body=" Tiene tienda en Bello. ", at=utcnow()
        )
        empty = await add_note(session, ticket_id=claimed.ticket_id, user=colleague, body="  ", at=utcnow())
        foreign = await add_note(session, ticket_id=claimed.ticket_id, user=stranger, body="x", at=utcnow())
    assert (saved.ok, empty.code, foreign.code) == (True, "note_empty", "other_branch")
    [note] = await events(runtime, claimed.ticket_id)
    assert (note.kind, note.body, note.actor_id) == ("note", "Tiene tienda en Bello.", colleague.id)
    assert saved.notice(runtime.consultant.notices) == runtime.consultant.notices.note_saved


async def test_a_supervisor_may_close_a_ticket_nobody_claimed(runtime: Runtime) -> None:
    claimed = await claimed_conversation(runtime)
    async with runtime.sessions() as session, session.begin():
        found = (await session.scalars(select(HandoffRequest))).one()
        found.status, found.assignee_id, found.claimed_at = "open", None, None
    supervisor = await add_user(runtime, "Sofía Díaz", role="supervisor")
    consultant_try = await close_ticket(
        runtime, ticket_id=claimed.ticket_id, user=claimed.consultant, outcome="wrong_number", at=utcnow()
    )
    assert consultant_try.code == "not_claimed"
    done = await close_ticket(
        runtime, ticket_id=claimed.ticket_id, user=supervisor, outcome="wrong_number", at=utcnow()
    )
    assert done.ok and (await ticket(runtime, claimed.ticket_id))[0].outcome == "wrong_number"
