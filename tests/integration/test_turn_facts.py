"""What a turn reads with its claim, in one SELECT (bot/db/turn_facts.py), on SQLite and PostgreSQL:
the contact, the conversation's owner, whether Rasa still has to be told a consultant's lines, and
whether the contact ever enrolled in a course. A turn skips the lessons' and the consultant lines'
reads when these say there is nothing (bot/turns.take_turn)."""

from __future__ import annotations

from sqlalchemy import update

from bot.db import conversations
from bot.db import lessons as lesson_queries
from bot.db.consultant import RASA_TOLD, add_event
from bot.db.lesson_models import LessonEnrolment
from bot.db.models import Conversation, HandoffRequest, utcnow
from bot.db.turn_facts import TurnFacts, turn_facts
from bot.runtime import Runtime
from tests.integration.consultant_setup import claimed_conversation

PHONE = "+573001112299"


async def _facts(runtime: Runtime, conversation_id: int) -> TurnFacts | None:
    async with runtime.sessions() as session:
        return await turn_facts(session, conversation_id=conversation_id)


async def _new_conversation(runtime: Runtime) -> tuple[int, int]:
    async with runtime.sessions() as session, session.begin():
        contact_id = await conversations.upsert_contact(
            session, phone_e164=PHONE, seen_at=utcnow(), channel="sms"
        )
        conversation_id = await conversations.upsert_conversation(
            session, contact_id=contact_id, channel="sms", seen_at=utcnow()
        )
    return contact_id, conversation_id


async def test_a_new_contact_has_the_bot_no_untold_lines_and_no_course(runtime: Runtime) -> None:
    contact_id, conversation_id = await _new_conversation(runtime)
    facts = await _facts(runtime, conversation_id)
    assert facts is not None
    assert (facts.contact.id, facts.contact.phone_e164) == (contact_id, PHONE)
    assert (facts.owner, facts.untold_tickets, facts.learner) == ("bot", False, False)


async def test_a_contact_who_enrolled_is_a_learner_whatever_the_status(runtime: Runtime) -> None:
    contact_id, conversation_id = await _new_conversation(runtime)
    course_id = next(iter(runtime.lessons.courses)).id
    async with runtime.sessions() as session, session.begin():
        await lesson_queries.enrol(
            session, contact_id=contact_id, conversation_id=conversation_id, course_id=course_id, at=utcnow()
        )
    assert (await _facts(runtime, conversation_id)).learner  # type: ignore[union-attr]
    async with runtime.sessions() as session, session.begin():
        await session.execute(update(LessonEnrolment).values(status="left"))
    assert (await _facts(runtime, conversation_id)).learner  # type: ignore[union-attr]


async def test_a_handed_back_ticket_is_untold_until_rasa_is_told(runtime: Runtime) -> None:
    claimed = await claimed_conversation(runtime, phone=PHONE)
    held = await _facts(runtime, claimed.conversation_id)
    assert held is not None and (held.owner, held.untold_tickets) == ("consultant", False)  # not closed yet
    async with runtime.sessions() as session, session.begin():
        await session.execute(update(HandoffRequest).values(status="closed", closed_at=utcnow()))
        await session.execute(update(Conversation).values(owner="bot"))
    back = await _facts(runtime, claimed.conversation_id)
    assert back is not None and (back.owner, back.untold_tickets) == ("bot", True)
    async with runtime.sessions() as session, session.begin():  # as bot/handoff/rasa_context.py records it
        ticket = await session.get(HandoffRequest, claimed.ticket_id)
        assert ticket is not None
        await add_event(
            session, ticket=ticket, kind=RASA_TOLD, actor_id=None, at=utcnow(), detail={"lines": 1}
        )
    told = await _facts(runtime, claimed.conversation_id)
    assert told is not None and not told.untold_tickets


async def test_a_conversation_that_is_gone_has_no_facts(runtime: Runtime) -> None:
    assert await _facts(runtime, 987_654) is None
