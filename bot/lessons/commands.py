"""The lessons' gateway commands (``{"famibot_command": NAME}`` from actions/lessons.py), one table:

- ``lessons_menu`` ("quiero aprender", "enséñeme a llevar cuentas"): the courses as buttons
  (bot/lessons/turn.py answers the chosen one); someone in a course (active or paused) first reads
  their progress and what they owe. A learner's own "cursos" / "quiero aprender" is answered the same
  by the gateway before Rasa (bot/lessons/learner.py ``courses_step``).

Showing the list needs no consent (nothing about the person is kept); enrolling does, and the
gateway asks for it then (bot/lessons/turn.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from bot.command_payloads import without_commands
from bot.db import lessons as db
from bot.db.models import Contact, Conversation, Message
from bot.lessons.learner import courses_step
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
    async with runtime.sessions() as session, session.begin():
        enrolment = await db.latest_enrolment(session, contact_id=contact.id)
        known = {course.id for course in runtime.lessons.courses}
        step = await courses_step(
            runtime, session, enrolment if enrolment and enrolment.course_id in known else None
        )
        told = [*without_commands(replies), *step.replies]
        stored, menu = await add_replies(runtime, session, conversation, message, told, purpose="reply")
    await remember_menu(runtime.redis, conversation.id, menu)
    log.info("lessons menu", conversation_id=conversation.id, learner=enrolment is not None)
    return stored


LESSON_COMMANDS: dict[str, Handler] = {"lessons_menu": lessons_menu}
