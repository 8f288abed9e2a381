"""The lessons' gateway commands (``{"famibot_command": NAME}`` from actions/lessons.py), one table:

- ``lessons_menu`` ("quiero aprender"): the courses as buttons (bot/lessons/turn.py answers the
  chosen one); for someone in a course (active or paused), their progress and what they can write.

Showing the list needs no consent (nothing about the person is kept); enrolling does, and the
gateway asks for it then (bot/lessons/turn.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from bot.command_payloads import without_commands
from bot.db import lessons as db
from bot.db.models import Contact, Conversation, Message
from bot.lessons.flow import courses_menu, next_hint, progress_replies
from bot.logs import get_logger
from bot.menus import remember_menu
from bot.rasa_client import BotReply
from bot.replies import add_replies
from bot.runtime import Runtime

log = get_logger(__name__)

Handler = Callable[
    [Runtime, Conversation, Contact, Message, list[BotReply], dict[str, Any]], Awaitable[list[Message]]
]


async def lessons_menu(
    runtime: Runtime,
    conversation: Conversation,
    contact: Contact,
    message: Message,
    replies: list[BotReply],
    payload: dict[str, Any],
) -> list[Message]:
    words, now = runtime.lessons.words, runtime.clock()
    async with runtime.sessions() as session, session.begin():
        enrolment = await db.latest_enrolment(session, contact_id=contact.id)
        told = without_commands(replies)
        known = {course.id for course in runtime.lessons.courses}
        if (
            enrolment is not None
            and enrolment.status in ("active", "paused")
            and enrolment.course_id in known
        ):
            course = runtime.lessons.courses.course(enrolment.course_id)
            done = await db.progress(session, enrolment_id=enrolment.id)
            told += progress_replies(words, enrolment, course, done, now=now, hours=runtime.contact_hours)
            owed = next_hint(words, enrolment, course)
            told += [*owed] if owed else [BotReply(text=words.learner_help)]
        else:
            told.append(courses_menu(words, runtime.lessons.courses))
        stored, menu = await add_replies(runtime, session, conversation, message, told, purpose="reply")
    await remember_menu(runtime.redis, conversation.id, menu)
    log.info("lessons menu", conversation_id=conversation.id, learner=enrolment is not None)
    return stored


LESSON_COMMANDS: dict[str, Handler] = {"lessons_menu": lessons_menu}
