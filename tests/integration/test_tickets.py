"""Tickets on SQLite and PostgreSQL: concurrent requests make one ticket, concurrent claims one owner
(each contender in its own session — on SQLite its own engine, as the web and the worker are)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select

from bot.db import conversations, messages, outbound_status
from bot.db.engine import make_engine, make_session_factory
from bot.db.models import Consent, Conversation, HandoffRequest, TicketEvent, User, utcnow
from bot.db.tickets import recent_claim_times
from bot.handoff.tickets import can_see, claim, queue, request_handoff, tickets_for, transcript, wait_for
from bot.runtime import Runtime

CONTENDERS = 4


async def _conversation(runtime: Runtime, phone: str = "+573001112233", channel: str = "sms") -> int:
    async with runtime.sessions() as session, session.begin():
        contact_id = await conversations.upsert_contact(
            session, phone_e164=phone, seen_at=utcnow(), channel=channel
        )
        return await conversations.upsert_conversation(
            session, contact_id=contact_id, channel=channel, seen_at=utcnow()
        )


async def _user(
    runtime: Runtime, username: str, *, role: str = "consultant", branch: str | None = "medellin_centro"
) -> User:
    async with runtime.sessions() as session, session.begin():
        user = User(
            username=username, display_name=username.title(), password_hash="x", role=role, branch=branch
        )
        session.add(user)
    return user


async def _request(
    runtime: Runtime, conversation_id: int, reason: str = "user_asked", **answers: object
) -> HandoffRequest:
    async with runtime.sessions() as session, session.begin():
        return await request_handoff(
            session, conversation_id=conversation_id, message_id=None, reason=reason,
            answers=dict(answers), at=utcnow(), rules=runtime.handoff,
        )  # fmt: skip


async def test_concurrent_requests_make_one_ticket(runtime: Runtime) -> None:
    conversation_id = await _conversation(runtime)
    engines = [make_engine(runtime.settings) for _ in range(CONTENDERS)]
    try:

        async def ask(index: int) -> int:
            sessions = make_session_factory(engines[index])
            async with sessions() as session, session.begin():
                ticket = await request_handoff(
                    session, conversation_id=conversation_id, message_id=None,
                    reason="prequalified" if index == 0 else "user_asked",
                    answers={"n": index}, at=utcnow(), rules=runtime.handoff,
                )  # fmt: skip
                return ticket.id

        ids = await asyncio.gather(*(ask(index) for index in range(CONTENDERS)))
    finally:
        for engine in engines:
            await engine.dispose()
    async with runtime.sessions() as session:
        [ticket] = (await session.scalars(select(HandoffRequest))).all()
        kinds = sorted((await session.scalars(select(TicketEvent.kind))).all())
    assert set(ids) == {ticket.id}
    assert ticket.requests == CONTENDERS and ticket.status == "open"
    assert kinds == ["created"] + ["requested_again"] * (CONTENDERS - 1)
    # The most urgent reason wins, whichever request came first.
    assert (ticket.reason, ticket.priority) == ("prequalified", 20)
    assert ticket.answers == {"n": ticket.answers["n"]} and ticket.answers["n"] in range(CONTENDERS)


async def test_concurrent_claims_make_one_owner_and_the_others_learn_who(runtime: Runtime) -> None:
    conversation_id = await _conversation(runtime)
    ticket = await _request(runtime, conversation_id)
    users = [await _user(runtime, f"asesor{index}") for index in range(CONTENDERS)]
    engines = [make_engine(runtime.settings) for _ in range(CONTENDERS)]
    try:

        async def take(index: int) -> tuple[bool, str | None]:
            sessions = make_session_factory(engines[index])
            async with sessions() as session, session.begin():
                result = await claim(session, ticket_id=ticket.id, user=users[index], at=utcnow())
            return result.ok, result.owner_name

        results = await asyncio.gather(*(take(index) for index in range(CONTENDERS)))
    finally:
        for engine in engines:
            await engine.dispose()
    winners = [index for index, (ok, _) in enumerate(results) if ok]
    assert len(winners) == 1, results
    winner = users[winners[0]]
    assert {name for _, name in results} == {winner.display_name}  # the losers are told who took it
    async with runtime.sessions() as session:
        stored = await session.get(HandoffRequest, ticket.id)
        conversation = await session.get(Conversation, conversation_id)
        claims = (await session.scalars(select(TicketEvent).where(TicketEvent.kind == "claimed"))).all()
        mine = await tickets_for(session, user=winner, rules=runtime.handoff)
        theirs = await tickets_for(session, user=users[winners[0] - 1], rules=runtime.handoff)
        waiting = await queue(session, branch=None, reason=None, now=utcnow())
    assert stored is not None and (stored.status, stored.assignee_id) == ("claimed", winner.id)
    assert conversation is not None and conversation.owner == "consultant"
    assert [event.actor_id for event in claims] == [winner.id]
    assert [item.ticket_id for item in mine] == [ticket.id] and theirs == [] and waiting == []
    # A request while claimed updates the same ticket; it stays with its consultant.
    again = await _request(runtime, conversation_id)
    assert (again.id, again.status, again.requests, again.assignee_id) == (ticket.id, "claimed", 2, winner.id)


async def test_queue_order_filters_visibility_and_the_wait_it_announces(runtime: Runtime) -> None:
    first = await _request(runtime, await _conversation(runtime, "+573001110001"), municipio="05088")  # Bello
    second = await _request(runtime, await _conversation(runtime, "+573001110002"), municipio="Bello")
    urgent = await _request(
        runtime, await _conversation(runtime, "+573001110003"), "prequalified", municipio="05088"
    )
    elsewhere = await _request(
        runtime, await _conversation(runtime, "+573001110004", "whatsapp"), municipio="Turbo"
    )
    async with runtime.sessions() as session:
        everything = await queue(session, branch=None, reason=None, now=utcnow(), rules=runtime.handoff)
        bello = await queue(session, branch="bello", reason=None, now=utcnow())
        asked = await queue(session, branch="bello", reason="user_asked", now=utcnow())
    assert [item.ticket_id for item in bello] == [urgent.id, first.id, second.id]  # priority, then age
    assert [item.ticket_id for item in asked] == [first.id, second.id]
    assert [item.ticket_id for item in everything] == [urgent.id, first.id, second.id, elsewhere.id]
    assert everything[-1].branch == "apartado" and everything[-1].channel == "whatsapp"
    assert everything[0].reason_label == "Precalificado para un crédito"
    assert everything[1].display_name == "Número terminado en 0001"  # no name stored: the last digits

    bello_consultant = await _user(runtime, "marta", branch="bello")
    supervisor = await _user(runtime, "jefa", role="supervisor", branch=None)
    assert can_see(bello_consultant, first) and not can_see(bello_consultant, elsewhere)
    assert can_see(supervisor, first) and can_see(supervisor, elsewhere)

    # The wait grows with the queue ahead in the branch (and the office hours decide the words).
    async with runtime.sessions() as session:
        now = utcnow()
        hours = runtime.office_hours
        waits = [
            await wait_for(session, ticket=ticket, rules=runtime.handoff, hours=hours, now=now)
            for ticket in (urgent, first, second)
        ]
    if hours.next_opening(now) is None:
        assert [wait.minutes for wait in waits] == [15, 30, 45]
    else:
        assert len({wait.when for wait in waits}) == 1 and waits[0].minutes is None


async def test_the_median_of_recent_claims_sets_the_wait(runtime: Runtime) -> None:
    consultant = await _user(runtime, "marta", branch="bello")
    now = utcnow()
    for index, minutes in enumerate((4, 30, 30)):
        ticket = await _request(
            runtime, await _conversation(runtime, f"+57300222000{index}"), municipio="Bello"
        )
        async with runtime.sessions() as session, session.begin():
            row = await session.get(HandoffRequest, ticket.id)
            assert row is not None
            row.requested_at = now - timedelta(hours=2)
            await claim(
                session, ticket_id=ticket.id, user=consultant, at=now - timedelta(hours=2, minutes=-minutes)
            )
    waiting = await _request(runtime, await _conversation(runtime, "+573002229999"), municipio="Bello")
    elsewhere = await _request(runtime, await _conversation(runtime, "+573002228888"), municipio="Turbo")
    async with runtime.sessions() as session:
        claims = await recent_claim_times(session, branch="bello", limit=20)
        wait = await wait_for(
            session, ticket=waiting, rules=runtime.handoff, hours=runtime.office_hours, now=now
        )
        other = await wait_for(
            session, ticket=elsewhere, rules=runtime.handoff, hours=runtime.office_hours, now=now
        )
    assert sorted(claim.total_seconds() / 60 for claim in claims) == [4, 30, 30]
    if runtime.office_hours.next_opening(now) is None:  # open: the median (30), nobody ahead
        assert (wait.minutes, other.minutes) == (30, 15)  # Apartadó has no history: the default


async def test_the_transcript_has_messages_authors_and_system_events(runtime: Runtime) -> None:
    conversation_id = await _conversation(runtime)
    consultant = await _user(runtime, "marta")
    async with runtime.sessions() as session, session.begin():
        contact_id = (await session.get(Conversation, conversation_id)).contact_id  # type: ignore[union-attr]
        inbound = await messages.insert_inbound(
            session, conversation_id=conversation_id, message_sid="SM" + "1" * 32, body="hola",
            media=[], button_payload=None, received_at=utcnow(),
        )  # fmt: skip
        session.add(
            Consent(
                contact_id=contact_id, conversation_id=conversation_id, accepted=True, channel="sms",
                text_version="v", purposes=[], answered_at=utcnow(),
            )
        )  # fmt: skip
        await messages.add_outbound(
            session, conversation_id=conversation_id, reply_to_id=inbound, position=0, body="Hola, soy el bot"
        )
    ticket = await _request(runtime, conversation_id)
    async with runtime.sessions() as session, session.begin():
        await claim(session, ticket_id=ticket.id, user=consultant, at=utcnow())
        reply = await messages.add_outbound(
            session, conversation_id=conversation_id, reply_to_id=None, position=0, body="Hola, soy Marta"
        )
        reply.author_id = consultant.id
    async with runtime.sessions() as session:
        entries = await transcript(session, conversation_id=conversation_id)
    seen = [(e.kind, e.event or e.body, e.author) for e in entries]
    assert seen == [
        ("inbound", "hola", None),
        ("event", "consent_given", None),
        ("outbound", "Hola, soy el bot", "bot"),
        ("event", "ticket_created", None),
        ("event", "ticket_claimed", "Marta"),
        ("outbound", "Hola, soy Marta", "Marta"),
    ]


async def test_an_opt_out_twilio_reports_closes_the_ticket(runtime: Runtime) -> None:
    """Twilio's 21610 on a reply (the person texted STOP to Twilio) is an opt-out like the keyword."""
    from bot.status import apply_status
    from bot.twilio_adapter.records import StatusUpdate

    conversation_id = await _conversation(runtime)
    ticket = await _request(runtime, conversation_id)
    await _request(runtime, await _conversation(runtime, "+573001112233", "whatsapp"))  # same person
    async with runtime.sessions() as session, session.begin():
        reply = await messages.add_outbound(
            session, conversation_id=conversation_id, reply_to_id=None, position=0, body="Hola"
        )
        await outbound_status.mark_at_twilio(
            session, message_id=reply.id, sid="SM" + "9" * 32, status="queued"
        )
    assert await apply_status(
        runtime.lane,
        runtime.sessions,
        StatusUpdate(message_sid="SM" + "9" * 32, status="failed", error_code=21610),
    )
    async with runtime.sessions() as session:
        tickets = (await session.scalars(select(HandoffRequest).order_by(HandoffRequest.id))).all()
    assert [(t.id == ticket.id, t.status, t.outcome) for t in tickets] == [
        (True, "closed", "opted_out"),
        (False, "closed", "opted_out"),
    ]
