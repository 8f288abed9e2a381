"""The person's data rights (Ley 1581 de 2012): erasing what we hold (what we hold: bot/my_data/).

Erasing keeps only what the law and their own choices require: the phone number (to honour an
opt-out), the consent records (the proof of authorisation) and message metadata without content.
Document requests go whole: their files on disk and their rows (a consultant's views keep who looked
when, without the file).
Micro-lesson enrolments and their quiz results are deleted (a completion code no longer verifies).
Pre-qualification results keep their outcome, product, rules version and which rules passed; the
name, document number, answers and the values checked are erased. The copies at Twilio (every
message and media SID we stored) are queued for deletion in the same transaction
(bot/twilio_copies.py), and the caller deletes the old Rasa trackers (bot/rasa_trackers.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import documents as document_rows
from bot.db import lesson_records
from bot.db.models import (
    Contact,
    Conversation,
    HandoffRequest,
    Message,
    PrequalEvaluation,
    TicketEvent,
)
from bot.twilio_copies import Copy, media_copies, message_copies, queue_copies

ERASED = "[borrado]"


async def erase_personal_data(session: AsyncSession, *, contact_id: int, media_dir: Path) -> int:
    """Erase message contents, media files, profile, tickets' answers and summaries, consultants'
    notes, the micro-lesson enrolments and the person's data in pre-qualification results, and queue
    the deletion of their copies at Twilio; return messages erased."""
    conversations = select(Conversation.id).where(Conversation.contact_id == contact_id)
    await queue_copies(session, await remote_copies(session, contact_id=contact_id), reason="erasure")
    media_lists = await session.scalars(
        select(Message.media).where(Message.conversation_id.in_(conversations), Message.body != ERASED)
    )
    for media in media_lists:
        for item in media or []:
            key = item.get("key") if isinstance(item, dict) else None
            if key and not item.get("document"):  # a document file goes with its request, below
                (media_dir / key).unlink(missing_ok=True)  # ID photos are sensitive: gone, not hidden
    for key in await document_rows.storage_keys_of_contact(session, contact_id=contact_id):
        (media_dir / key).unlink(missing_ok=True)
    await document_rows.delete_for_contact(session, contact_id=contact_id)
    await lesson_records.delete_for_contact(session, contact_id=contact_id)  # courses and quiz results
    result = await session.execute(
        update(Message)
        .where(Message.conversation_id.in_(conversations), Message.body != ERASED)
        .values(body=ERASED, media=[], button_payload=None, content_variables=None)
    )
    await session.execute(
        update(Contact).where(Contact.id == contact_id).values(profile_name=None, whatsapp_id=None)
    )
    await session.execute(  # tickets keep reason, branch, times and outcome; not what the person said
        update(HandoffRequest)
        .where(HandoffRequest.conversation_id.in_(conversations))
        .values(answers={}, summary={})
    )
    await session.execute(  # consultants' notes are about the person
        update(TicketEvent)
        .where(TicketEvent.conversation_id.in_(conversations), TicketEvent.body.is_not(None))
        .values(body=ERASED)
    )
    evaluations = await session.scalars(
        select(PrequalEvaluation).where(PrequalEvaluation.contact_id == contact_id)
    )
    for evaluation in evaluations:
        evaluation.full_name = None
        evaluation.document_number = None
        evaluation.answers = {}
        evaluation.evaluation = erased_evaluation(evaluation.evaluation)
    await session.flush()
    return int(result.rowcount)  # type: ignore[attr-defined]


def erased_evaluation(evaluation: dict[str, Any]) -> dict[str, Any]:
    """What an erased pre-qualification keeps: the outcome, and which rules passed, without the values
    checked, the thresholds or the texts of the decision (they carry the person's data)."""
    rules = evaluation.get("rules")
    return {
        "outcome": evaluation.get("outcome"),
        "rules_version": evaluation.get("rules_version"),
        "product": evaluation.get("product"),
        "rules": [
            {"rule_id": rule.get("rule_id"), "passed": rule.get("passed")}
            for rule in (rules if isinstance(rules, list) else [])
            if isinstance(rule, dict)
        ],
    }


async def remote_copies(session: AsyncSession, *, contact_id: int) -> list[Copy]:
    """Every copy at Twilio of the person's messages not erased yet: media first, then the messages
    (inbound MessageSids and the SIDs of our replies)."""
    conversations = select(Conversation.id).where(Conversation.contact_id == contact_id)
    rows = (
        await session.execute(
            select(Message.twilio_sid, Message.media).where(
                Message.conversation_id.in_(conversations), Message.body != ERASED
            )
        )
    ).all()
    media = [copy for _, items in rows for copy in media_copies(items or [])]
    return [*media, *message_copies(sid for sid, _ in rows)]


async def rasa_sender_ids(session: AsyncSession, *, contact_id: int) -> list[str]:
    """The Rasa sender ids of the contact's conversations (their trackers hold what they wrote)."""
    found = await session.scalars(
        select(Conversation.rasa_sender_id).where(Conversation.contact_id == contact_id)
    )
    return list(found.all())
