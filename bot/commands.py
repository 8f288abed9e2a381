"""What the gateway does itself, before or instead of the bot's words: keywords (opt-out, opt-in,
help) and commands Rasa returns as a custom payload ``{"famibot_command": …}``: opt_out, request_human,
ask_consent, record_consent (``"accepted": true | false``), delete_my_data, my_data and record_prequal
(``"answers"`` and ``"evaluation"``, see bot/db/prequal.py); the document flow's commands are in
bot/documents/commands.py, the payments' in bot/payments/commands.py and the lessons' in
bot/lessons/commands.py (one table each)."""

from __future__ import annotations

from typing import Any

from bot.command_payloads import commands_in, without_commands
from bot.consent_steps import ask_consent, record_consent
from bot.db import conversations, messages, prequal
from bot.db.models import Contact, Conversation, Message, utcnow
from bot.dialogue.prequal_texts import advisor_was_offered
from bot.documents.commands import DOCUMENT_COMMANDS, open_after_prequal
from bot.handoff.hours import handoff_reply
from bot.handoff.tickets import close_on_opt_out, request_handoff, wait_for
from bot.keywords import KeywordKind
from bot.lessons.commands import LESSON_COMMANDS
from bot.lessons.offering import offer_after_prequal
from bot.lessons.turn import forget_conversations as forget_lesson_keys
from bot.logs import get_logger
from bot.menus import remember_menu
from bot.my_data.answer import my_data_reply
from bot.payments.commands import PAYMENT_COMMANDS
from bot.privacy import erase_personal_data, rasa_sender_ids, remote_copies
from bot.rasa_client import BotReply, RasaClient, filled_answers
from bot.rasa_trackers import delete_trackers
from bot.replies import add_replies, store_replies
from bot.runtime import Runtime
from bot.twilio_copies import delete_copies, retry_due_deletions

log = get_logger(__name__)


async def apply_commands(
    runtime: Runtime,
    rasa: RasaClient,
    conversation: Conversation,
    contact: Contact,
    message: Message,
    replies: list[BotReply],
) -> list[Message] | None:
    """Carry out a command Rasa returned; ``None`` when there is none (the replies go out as they are)."""
    commands = commands_in(replies)
    if "opt_out" in commands:
        # "ya no me manden más mensajes", confirmed in the dialogue: same effect as the keyword.
        return await answer_keyword(runtime, conversation, contact, message, "opt_out", reason="dialogue")
    if "request_human" in commands:
        return await request_human(runtime, rasa, conversation, message, replies)
    if "ask_consent" in commands:
        return await ask_consent(runtime, conversation, message, replies)
    if "delete_my_data" in commands:
        return await delete_my_data(runtime, conversation, contact, message)
    if "my_data" in commands:  # what we hold (Ley 1581 art. 8): bot/my_data/
        listing = await my_data_reply(runtime, rasa, conversation, contact)
        return await store_replies(
            runtime, conversation, message, [*without_commands(replies), BotReply(text=listing)]
        )
    if "record_consent" in commands:
        accepted = commands["record_consent"].get("accepted") is True
        return await record_consent(runtime, conversation, contact, message, replies, accepted=accepted)
    if "record_prequal" in commands:
        return await record_prequal(
            runtime, conversation, contact, message, replies, commands["record_prequal"]
        )
    for name, handler in DOCUMENT_COMMANDS.items():  # bot/documents/commands.py
        if name in commands:
            return await handler(runtime, conversation, contact, message, replies, commands[name])
    for name, handler in PAYMENT_COMMANDS.items():  # bot/payments/commands.py
        if name in commands:
            return await handler(runtime, conversation, contact, message, replies, commands[name])
    for name, handler in LESSON_COMMANDS.items():  # bot/lessons/commands.py
        if name in commands:
            return await handler(runtime, conversation, contact, message, replies, commands[name])
    return None


async def record_prequal(
    runtime: Runtime,
    conversation: Conversation,
    contact: Contact,
    message: Message,
    replies: list[BotReply],
    payload: dict[str, Any],
) -> list[Message]:
    """Store the evaluation (audit trail) with the replies that tell the result, atomically; when the
    person pre-qualified, also a hand-off ticket, reason "prequalified" (the reply says a consultant
    will write), and the document request: its checklist and first ask follow the result. After a
    "not yet", the course the deciding rule suggests (data/lesson_offers.yml) follows the result.

    A malformed payload stores nothing but the replies. A turn recovered from Rasa's tracker brings
    the command again: the evaluation and its hand-off are stored once per inbound message.
    """
    now = utcnow()
    try:
        async with runtime.sessions() as session, session.begin():
            evaluation, created = await prequal.record_evaluation(
                session,
                conversation_id=conversation.id,
                contact_id=contact.id,
                message_id=message.id,
                payload=payload,
                at=now,
            )
            handoff_id, documents = None, []
            if created and evaluation.outcome == "prequalified":
                request = await request_handoff(
                    session,
                    conversation_id=conversation.id,
                    message_id=message.id,
                    reason="prequalified",
                    answers=dict(payload["answers"]),  # checked: a dict
                    at=now,
                    rules=runtime.handoff,
                )
                handoff_id = request.id
                documents = await open_after_prequal(
                    runtime, session, conversation, evaluation, before=without_commands(replies)
                )
            course = await offer_after_prequal(  # "not yet": a course that helps, after the result
                runtime, session, contact_id=contact.id, evaluation=evaluation.evaluation
            )
            told = [*without_commands(replies), *documents, *course]
            stored, menu = await add_replies(runtime, session, conversation, message, told, purpose="reply")
    except prequal.MalformedPrequalPayload as exc:  # the reason names fields, never values
        log.error("pre-qualification not stored", conversation_id=conversation.id, reason=str(exc))
        return await store_replies(runtime, conversation, message, without_commands(replies))
    await remember_menu(runtime.redis, conversation.id, menu)
    log.info(
        "pre-qualification recorded" if created else "pre-qualification already recorded",
        conversation_id=conversation.id,
        evaluation_id=evaluation.id,
        outcome=evaluation.outcome,
        handoff_id=handoff_id,
    )
    return stored


async def answer_keyword(
    runtime: Runtime,
    conversation: Conversation,
    contact: Contact,
    message: Message,
    keyword: KeywordKind,
    *,
    reason: str,
) -> list[Message]:
    """Apply the keyword to the contact and store its one confirmation, in one transaction."""
    reply = [BotReply(text=runtime.keywords.rule(keyword).reply)]
    now = utcnow()
    async with runtime.sessions() as session, session.begin():
        if keyword == "opt_out":
            await conversations.mark_opted_out(session, contact_id=contact.id, at=now, reason=reason)
            canceled = await messages.cancel_unsent_to_contact(session, contact_id=contact.id)
            contact.opted_out_at = contact.opted_out_at or now
            closed = await close_on_opt_out(session, contact_id=contact.id, at=now)
            conversation.owner = "bot"
            log.info(
                "contact opted out",
                conversation_id=conversation.id,
                canceled=canceled,
                tickets_closed=[ticket.id for ticket in closed],
            )
        elif keyword == "opt_in":
            await conversations.mark_opted_in(session, contact_id=contact.id)
            contact.opted_out_at = None
        stored, menu = await add_replies(
            runtime, session, conversation, message, reply, purpose=_KEYWORD_PURPOSE[keyword]
        )
    await remember_menu(runtime.redis, conversation.id, menu)
    return stored


_KEYWORD_PURPOSE: dict[KeywordKind, str] = {
    "opt_out": "opt_out_confirmation",
    "opt_in": "opt_in_confirmation",
    "help": "help",
}


async def request_human(
    runtime: Runtime, rasa: RasaClient, conversation: Conversation, message: Message, replies: list[BotReply]
) -> list[Message]:
    """Open (or update) the conversation's ticket with the answers so far, and say honestly when
    someone writes: the expected wait from the queue, or when the office opens.

    The command may name its reason (one of data/handoff.yml); else the person accepted the consultant
    a re-ask offered after two wrong answers (``offered_after_retries``), or simply asked
    (``user_asked``).
    """
    slots = await rasa.slots(sender_id=conversation.rasa_sender_id)
    answers = filled_answers(slots)
    offered = "offered_after_retries" if advisor_was_offered(slots) else "user_asked"
    reason = str(commands_in(replies)["request_human"].get("reason") or offered)
    if reason not in runtime.handoff.data.reasons:
        log.error(
            "unknown hand-off reason; taken as user_asked", conversation_id=conversation.id, reason=reason
        )
        reason = "user_asked"
    now = utcnow()
    async with runtime.sessions() as session, session.begin():
        request = await request_handoff(
            session,
            conversation_id=conversation.id,
            message_id=message.id,
            reason=reason,
            answers=answers,
            at=now,
            rules=runtime.handoff,
        )
        wait = await wait_for(
            session, ticket=request, rules=runtime.handoff, hours=runtime.office_hours, now=now
        )
        told = [reply for reply in replies if not reply.custom] + [
            BotReply(text=handoff_reply(runtime.office_hours, now, wait=wait.when))
        ]
        stored, menu = await add_replies(runtime, session, conversation, message, told, purpose="reply")
    log.info("hand-off requested", conversation_id=conversation.id, handoff_id=request.id, wait=wait.minutes)
    await remember_menu(runtime.redis, conversation.id, menu)
    return stored


async def delete_my_data(
    runtime: Runtime, conversation: Conversation, contact: Contact, message: Message
) -> list[Message]:
    """Erase the person's data (confirmed in the dialogue), keep what the law needs, say so.

    In one transaction: erase, queue the copies at Twilio for deletion, give the conversations new
    Rasa sender ids, store the confirmation. Then delete the old Rasa trackers and try the Twilio
    deletions; what fails there is retried later (bot/twilio_copies.py), the local erasure stands.
    """
    confirmation = BotReply(text=runtime.consent.erased)
    async with runtime.sessions() as session, session.begin():
        old_senders = await rasa_sender_ids(session, contact_id=contact.id)
        copies = await remote_copies(session, contact_id=contact.id)  # queued by the erasure
        erased = await erase_personal_data(
            session, contact_id=contact.id, media_dir=runtime.settings.media_dir
        )
        fresh = await conversations.new_rasa_sender_ids(session, contact_id=contact.id)
        conversation.rasa_sender_id = fresh[conversation.id]  # the rest of this job uses the new one
        stored, menu = await add_replies(
            runtime, session, conversation, message, [confirmation], purpose="reply"
        )
    await forget_lesson_keys(runtime, list(fresh))
    log.info("personal data erased", conversation_id=conversation.id, messages=erased)
    await remember_menu(runtime.redis, conversation.id, menu)
    try:
        trackers = await delete_trackers(runtime, old_senders)
    except Exception as exc:  # the erasure stands; the old tracker still expires (record_exp)
        log.error("old Rasa trackers not deleted", conversation_id=conversation.id, error=repr(exc))
    else:
        log.info("old Rasa trackers deleted", conversation_id=conversation.id, trackers=trackers)
    if await delete_copies(runtime, copies):  # at most 5 s; the rest is retried later
        await retry_due_deletions(runtime)
    return stored
