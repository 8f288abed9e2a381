"""What the gateway answers itself in a learner's turn, before Rasa (bot/turns.py): a course button, a
quiz answer, the rhythm, the "su lección está lista" answer, and the learner's commands ("siguiente",
"pausar", "¿cómo voy?"…). ``None``: not ours, the turn goes on to Rasa as before.

Each answer stores the enrolment's change, the lesson's result and the replies in ONE transaction
(bot/replies.add_replies), then remembers the turn's menu. A typed menu number belongs to the menu
remembered last: a "2" after another menu is that menu's, not the quiz's; words that match a quiz
option still answer it. Purpose "reply": these are answers to the person's own message, sent at any
hour (a scheduled lesson, bot/lessons/dispatch.py, is the proactive one).
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import consents
from bot.db import lessons as db
from bot.db.lesson_models import LessonEnrolment
from bot.db.models import Consent, Contact, Conversation, Message
from bot.lessons.answers import learner_command, quiz_choice, rhythm_choice
from bot.lessons.content import Course
from bot.lessons.delivery import (
    READY_PAYLOAD,
    lesson_replies,
    mark_lesson_sent,
    parse_answer_payload,
    parse_enrol_payload,
)
from bot.lessons.flow import (
    Step,
    answer_quiz,
    choose_rhythm,
    consent_question,
    courses_menu,
    enrolled,
    next_lesson_of,
)
from bot.lessons.learner import LIVE, Command, command_step, old_answer, send_next
from bot.lessons.payloads import parse_payload
from bot.logs import get_logger
from bot.menus import menu_number, remember_menu, remembered_menu, resolve_choice
from bot.prequal.answers import parse_yes_no
from bot.rasa_client import BotReply, Button
from bot.replies import add_replies
from bot.runtime import Runtime
from bot.text import normalise

log = get_logger(__name__)

CONSENT_KIND: Final = "lessons"
CONSENT_PURPOSES: Final = ("enviarle cursos cortos y guardar su avance",)
PENDING_COURSE_TTL_S: Final = 7 * 24 * 3600
ELSEWHERE_TTL_S: Final = 30 * 24 * 3600
LATER: Final = frozenset({"despues", "mas tarde", "luego", "manana", "ahora no", "no puedo"})


def _pending_key(conversation_id: int) -> str:
    return f"famibot:lesson-course-asked:{conversation_id}"


def _elsewhere_key(conversation_id: int) -> str:
    """When a message last went elsewhere (Rasa): a question without buttons asked since the quiz
    (a loan question: "¿cuántos años tiene?") takes the typed answers, not the quiz."""
    return f"famibot:lesson-elsewhere:{conversation_id}"


async def forget_conversations(runtime: Runtime, conversation_ids: list[int]) -> None:
    """After "borrar mis datos": the lessons' own Redis keys of these conversations go too."""
    keys = [key(cid) for cid in conversation_ids for key in (_pending_key, _elsewhere_key)]
    if keys:
        await runtime.redis.delete(*keys)


Answered = tuple[list[Message], tuple[Button, ...]]  # the reply rows stored, the turn's menu


class _Elsewhere:
    """A learner waiting on a question (a quiz, the rhythm) wrote something the lessons do not answer:
    the message goes to Rasa, and what Rasa asks now takes the typed answers that follow."""


ELSEWHERE: Final = _Elsewhere()


async def lessons_turn(
    runtime: Runtime, conversation: Conversation, contact: Contact, message: Message, *, learner: bool = True
) -> list[Message] | None:
    """``learner=False`` (the contact never enrolled): only a course button can be ours."""
    answered = await _turn(runtime, conversation, contact, message, learner)
    if answered is ELSEWHERE:  # only then a Redis write: nobody else's turn pays for the lessons
        moment = runtime.clock().isoformat()
        await runtime.redis.set(_elsewhere_key(conversation.id), moment, ex=ELSEWHERE_TTL_S)
        return None
    if not isinstance(answered, tuple):
        return None
    stored, menu = answered
    await remember_menu(runtime.redis, conversation.id, menu)  # after the commit, as every turn does
    if any(parse_answer_payload(button.payload) for button in menu):  # the quiz is the question now
        await runtime.redis.delete(_elsewhere_key(conversation.id))
    return stored


async def _turn(
    runtime: Runtime, conversation: Conversation, contact: Contact, message: Message, learner: bool
) -> Answered | _Elsewhere | None:
    body = (message.body or "").strip()
    if not body and not message.button_payload:
        return None
    payload = message.button_payload or await resolve_choice(runtime.redis, conversation.id, body)
    if payload:
        return await _payload_turn(runtime, conversation, contact, message, payload)
    if not learner:
        return None  # no enrolment: no word of theirs answers a lesson
    # Deferred transaction: the SELECT and the Redis reads take no write lock; _answer writes last.
    async with runtime.sessions() as session, session.begin():
        enrolment = await db.latest_enrolment(session, contact_id=contact.id)
        if enrolment is None or not _known(runtime, enrolment):
            return None  # not a learner: no Redis read or write on their account
        menu = await remembered_menu(runtime.redis, conversation.id)
        other_menu = menu_number(body) is not None and bool(menu)
        raw = None if menu else await runtime.redis.get(_elsewhere_key(conversation.id))
        elsewhere = datetime.fromisoformat(raw.decode() if isinstance(raw, bytes) else raw) if raw else None
        asked_since = (
            elsewhere is not None
            and enrolment.last_sent_at is not None
            and (elsewhere >= enrolment.last_sent_at)
        )
        step = await _text_step(runtime, session, enrolment, body, other_menu=other_menu or asked_since)
        if step is None:
            waiting = enrolment.awaiting in ("quiz", "rhythm")
            return ELSEWHERE if waiting and enrolment.status in ("active", "paused") else None
        return await _answer(runtime, session, conversation, message, step, enrolment)


async def _payload_turn(
    runtime: Runtime, conversation: Conversation, contact: Contact, message: Message, payload: str
) -> Answered | None:
    course_id = parse_enrol_payload(payload)
    answer = parse_answer_payload(payload)
    own = parse_payload(payload)
    if course_id is None and answer is None and own is None and payload != READY_PAYLOAD:
        return None  # another menu's option: Rasa's (or another capability's)
    if own is not None and own[0] == "lesson_consent":
        return await _consent_answer(runtime, conversation, contact, message, accepted=own[1] == "si")
    if course_id is not None:
        if course_id not in {course.id for course in runtime.lessons.courses}:
            course_id = None  # an old button of a course removed since: the list again
        return await _enrol(runtime, conversation, contact, message, course_id)
    async with runtime.sessions() as session, session.begin():
        enrolment = await db.latest_enrolment(session, contact_id=contact.id)
        if enrolment is None or not _known(runtime, enrolment):
            step = Step([BotReply(text=runtime.lessons.words.not_enrolled)])
            step.replies.append(courses_menu(runtime.lessons.words, runtime.lessons.courses))
            return await _answer(runtime, session, conversation, message, step, None)
        course = runtime.lessons.courses.course(enrolment.course_id)
        if answer is not None:
            step = await _quiz_answer(runtime, session, enrolment, course, answer[0], answer[1] - 1)
        elif payload == READY_PAYLOAD:
            step = _ready(runtime, enrolment, course, yes=True) or await command_step(
                runtime, session, enrolment, course, "next"
            )
        elif own is not None and own[0] == "lesson_rhythm":
            step = _rhythm(runtime, enrolment, own[1]) or Step()
        else:
            leave: Command = "leave_yes" if own is not None and own[1] == "si" else "leave_no"
            step = await command_step(runtime, session, enrolment, course, leave)
        return await _answer(runtime, session, conversation, message, step, enrolment)


def _known(runtime: Runtime, enrolment: LessonEnrolment) -> bool:
    """The enrolment's course (and its current lesson) still exist: a course file removed since
    leaves the person free to pick another, never a crashed turn."""
    course = next((c for c in runtime.lessons.courses if c.id == enrolment.course_id), None)
    current = enrolment.current_lesson
    return course is not None and (current is None or any(lesson.id == current for lesson in course.lessons))


async def _text_step(
    runtime: Runtime, session: AsyncSession, enrolment: LessonEnrolment, body: str, *, other_menu: bool
) -> Step | None:
    """A typed message: the open quiz's answer, the rhythm, the ready answer, or a learner command.
    ``other_menu``: another question was asked after the quiz (a menu whose number this is, or a
    question without buttons): the text is not taken as the quiz's answer."""
    course = runtime.lessons.courses.course(enrolment.course_id)
    live = enrolment.status == "active" or (enrolment.status, enrolment.pause_reason) == LIVE
    if live and enrolment.awaiting == "quiz" and enrolment.current_lesson and not other_menu:
        lesson = course.lesson(enrolment.current_lesson)
        choice = quiz_choice(body, [option.title for option in lesson.quiz.options])
        if choice is not None:
            return await _quiz_answer(runtime, session, enrolment, course, lesson.id, choice)
    rhythm = enrolment.status == "active" and enrolment.awaiting == "rhythm" and not other_menu
    if rhythm and (step := _rhythm(runtime, enrolment, body)) is not None:
        return step
    if enrolment.status == "active" and enrolment.awaiting == "ready":
        said = normalise(body)
        yes = True if learner_command(body) == "next" else parse_yes_no(body)
        if said in LATER or yes is False:
            return await command_step(runtime, session, enrolment, course, "later")
        if (step := _ready(runtime, enrolment, course, yes=yes)) is not None:
            return step
    command = learner_command(body)
    return None if command is None else await command_step(runtime, session, enrolment, course, command)


async def _quiz_answer(
    runtime: Runtime,
    session: AsyncSession,
    enrolment: LessonEnrolment,
    course: Course,
    lesson_id: str,
    choice: int,
) -> Step:
    words = runtime.lessons.words
    live = enrolment.status == "active" or (enrolment.status, enrolment.pause_reason) == LIVE
    if not live or enrolment.awaiting != "quiz" or lesson_id != enrolment.current_lesson:
        return old_answer(words, enrolment, course, asked=lesson_id)
    lesson = course.lesson(lesson_id)
    if not 0 <= choice < len(lesson.quiz.options):
        return Step([BotReply(text=words.retry), lesson_replies(lesson)[-1]])
    result = await db.result_for(session, enrolment_id=enrolment.id, lesson_id=lesson_id)
    assert result is not None, "mark_lesson_sent stored the lesson's result"
    code = await db.new_completion_code(session) if next_lesson_of(enrolment, course) is None else None
    now = runtime.clock()
    return answer_quiz(
        words, enrolment, course, lesson, result, choice, now=now, hours=runtime.contact_hours, code=code
    )


def _rhythm(runtime: Runtime, enrolment: LessonEnrolment, said: str) -> Step | None:
    picked = rhythm_choice(said, runtime.contact_hours)
    if picked is None:
        return None
    return choose_rhythm(
        runtime.lessons.words, enrolment, picked, now=runtime.clock(), hours=runtime.contact_hours
    )


def _ready(runtime: Runtime, enrolment: LessonEnrolment, course: Course, *, yes: bool | None) -> Step | None:
    """A yes to the WhatsApp "su lección está lista" template: the scheduled lesson, now."""
    if enrolment.status != "active" or enrolment.awaiting != "ready" or not yes:
        return None
    step = send_next(runtime, enrolment, course)
    step.scheduled = True
    return step


async def _enrol(
    runtime: Runtime, conversation: Conversation, contact: Contact, message: Message, course_id: str | None
) -> Answered:
    words, now = runtime.lessons.words, runtime.clock()
    async with runtime.sessions() as session, session.begin():
        if course_id is None:
            step = Step([courses_menu(words, runtime.lessons.courses)])
            return await _answer(runtime, session, conversation, message, step, None)
        if not await consents.has_accepted_consent(session, contact_id=contact.id, kind=CONSENT_KIND):
            await runtime.redis.set(_pending_key(conversation.id), course_id, ex=PENDING_COURSE_TTL_S)
            consent = runtime.consent
            step = Step([consent_question(words, organisation=consent.organisation, contact=consent.contact)])
            return await _answer(runtime, session, conversation, message, step, None)
        enrolment, created = await db.enrol(
            session, contact_id=contact.id, conversation_id=conversation.id, course_id=course_id, at=now
        )
        course = runtime.lessons.courses.course(course_id)
        if enrolment.status == "finished":
            step = await command_step(runtime, session, enrolment, course, "progress")
        else:
            step = enrolled(words, enrolment, course, created=created)
        log.info("lesson enrolment", conversation_id=conversation.id, course=course_id, created=created)
        return await _answer(runtime, session, conversation, message, step, enrolment)


async def _consent_answer(
    runtime: Runtime, conversation: Conversation, contact: Contact, message: Message, *, accepted: bool
) -> Answered:
    """Store the proof (Ley 1581) of the answer to the lessons' question; yes: the course chosen."""
    words, consent = runtime.lessons.words, runtime.consent
    async with runtime.sessions() as session, session.begin():
        session.add(
            Consent(
                contact_id=contact.id,
                conversation_id=conversation.id,
                accepted=accepted,
                channel=conversation.channel,
                message_sid=message.twilio_sid,
                text_version=words.consent_version(consent.organisation, consent.contact),
                purposes=list(CONSENT_PURPOSES),
                kind=CONSENT_KIND,
                answered_at=runtime.clock(),
            )
        )
        log.info("lessons consent recorded", conversation_id=conversation.id, accepted=accepted)
        if not accepted:
            return await _answer(
                runtime, session, conversation, message, Step([BotReply(text=words.consent_declined)]), None
            )
    raw = await runtime.redis.get(_pending_key(conversation.id))
    course_id = raw.decode() if isinstance(raw, bytes) else raw
    await runtime.redis.delete(_pending_key(conversation.id))
    known = course_id in {course.id for course in runtime.lessons.courses}
    return await _enrol(runtime, conversation, contact, message, course_id if known else None)


async def _answer(
    runtime: Runtime,
    session: AsyncSession,
    conversation: Conversation,
    message: Message,
    step: Step,
    enrolment: LessonEnrolment | None,
) -> Answered:
    """Within the transaction: the lesson recorded as sent (when one goes), the replies stored."""
    replies = list(step.replies)
    if step.lesson is not None and enrolment is not None:
        course = runtime.lessons.courses.course(enrolment.course_id)
        replies += lesson_replies(step.lesson)
        mark_lesson_sent(
            session, enrolment, course, step.lesson, at=runtime.clock(), scheduled=step.scheduled
        )
    if enrolment is not None:
        enrolment.conversation_id = conversation.id  # the lessons go where the person writes
    return await add_replies(runtime, session, conversation, message, replies, purpose="reply")
