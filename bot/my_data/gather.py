"""What we hold about a person: their contact row, message and file counts, the latest consent answer,
and the pre-qualification answers — from the Rasa trackers of their conversations (answers in
progress; the caller reads them) and from the stored results (bot/db/prequal.py)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.lesson_records import enrolments_of_contact
from bot.db.models import Consent, Contact, Conversation, Message, PrequalEvaluation
from bot.dialogue.prequal_form import DOCUMENT_TYPE, FORM_SLOTS
from bot.lessons.content import Courses
from bot.my_data.listing import Held, HeldCourse
from bot.privacy import ERASED

BOGOTA = ZoneInfo("America/Bogota")
ANSWER_SLOTS = frozenset({*FORM_SLOTS, DOCUMENT_TYPE})


async def held_data(
    session: AsyncSession,
    *,
    contact_id: int,
    rasa_answers: Iterable[Mapping[str, Any]],
    courses: Courses | None = None,
) -> Held | None:
    """What we hold; ``rasa_answers``: the slots of each conversation, the current one first (its
    values win), then the stored results fill what the trackers no longer have, newest first.
    ``courses`` names the micro-lessons the person enrolled in (without it: their ids)."""
    contact = await session.get(Contact, contact_id)
    if contact is None:
        return None
    conversations = select(Conversation.id).where(Conversation.contact_id == contact_id)
    messages = await session.scalar(
        select(func.count())
        .select_from(Message)
        .where(Message.conversation_id.in_(conversations), Message.body != ERASED)
    )
    media = await session.scalars(
        select(Message.media).where(Message.conversation_id.in_(conversations), Message.direction == "in")
    )
    files = sum(1 for items in media for item in items or [] if isinstance(item, dict) and item.get("key"))
    consent = await session.scalar(
        select(Consent)
        .where(Consent.contact_id == contact_id, Consent.kind == "general")
        .order_by(Consent.answered_at.desc())
        .limit(1)
    )
    results = (
        await session.scalars(
            select(PrequalEvaluation)
            .where(PrequalEvaluation.contact_id == contact_id)
            .order_by(PrequalEvaluation.created_at.desc())
        )
    ).all()
    answers: dict[str, Any] = {}
    stored = [
        {
            **(result.answers or {}),
            "nombre": result.full_name,
            "tipo_documento": result.document_type,
            "numero_documento": result.document_number,
        }
        for result in results
    ]
    for source in [*rasa_answers, *stored]:
        for slot, value in source.items():
            if slot in ANSWER_SLOTS and value not in (None, "") and slot not in answers:
                answers[slot] = value
    return Held(
        phone_e164=contact.phone_e164,
        profile_name=contact.profile_name,
        messages=messages or 0,
        files=files,
        results=len(results),
        consent=None
        if consent is None
        else (consent.accepted, consent.answered_at.astimezone(BOGOTA).date()),
        answers=answers,
        courses=tuple(await _courses(session, contact_id=contact_id, courses=courses)),
    )


async def _courses(session: AsyncSession, *, contact_id: int, courses: Courses | None) -> list[HeldCourse]:
    known = {course.id: course for course in courses or ()}
    held = []
    for record in await enrolments_of_contact(session, contact_id=contact_id):
        course = known.get(record.enrolment.course_id)
        held.append(
            HeldCourse(
                title=course.title if course else record.enrolment.course_id,
                status=record.enrolment.status,
                done=record.settled,
                total=len(course.lessons) if course else len(record.results),
            )
        )
    return held
