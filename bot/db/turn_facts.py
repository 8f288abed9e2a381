"""What a turn must know about its conversation, read in one SELECT inside the claim's transaction.

Before, each of these was a statement of its own, and two of them a transaction of their own, on every
turn: the contact, who owns the conversation (a consultant may have claimed or handed it back since
the last turn), whether Rasa still has to be told what a consultant said (``bot.handoff.rasa_context``)
and whether the contact ever enrolled in a course (only a learner's words can be a lesson's answer).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.consultant import untold_ticket_filter
from bot.db.lesson_models import LessonEnrolment
from bot.db.models import Contact, Conversation


@dataclass(frozen=True, slots=True)
class TurnFacts:
    contact: Contact
    owner: str
    untold_tickets: bool  # closed tickets whose consultant lines Rasa has not been given yet
    learner: bool  # the contact has a lesson enrolment, whatever its status


async def turn_facts(session: AsyncSession, *, conversation_id: int) -> TurnFacts | None:
    """The facts of the conversation's next turn; ``None`` when the conversation is gone."""
    untold_tickets = exists().where(*untold_ticket_filter(Conversation.id))
    enrolled = exists().where(LessonEnrolment.contact_id == Contact.id)
    row = (
        await session.execute(
            select(Contact, Conversation.owner, untold_tickets, enrolled)
            .join(Conversation, Conversation.contact_id == Contact.id)
            .where(Conversation.id == conversation_id)
        )
    ).first()
    if row is None:
        return None
    contact, owner, untold, learner = row
    return TurnFacts(contact=contact, owner=owner, untold_tickets=bool(untold), learner=bool(learner))
