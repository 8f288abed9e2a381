"""What a lesson is on the wire, and what sending one changes: shared by the learner's own turns
(bot/lessons/turn.py: enrolment, "siguiente") and the scheduler (bot/lessons/dispatch.py).

A lesson is its messages and then its quiz: the question with one button per option, whose payload
names the lesson and the option (1-based), so a WhatsApp button, "2", "b" or the option's words all
come back to the same answer (bot/lessons/answers.py).
"""

from __future__ import annotations

import json
import re
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.lesson_models import LessonEnrolment, LessonResult
from bot.lessons.content import Course, Lesson
from bot.rasa_client import BotReply, Button

ANSWER_INTENT = "lesson_answer"
_ANSWER_PAYLOAD = re.compile(r"/lesson_answer(?P<entities>\{.*\})", re.DOTALL)
_ENROL_PAYLOAD = re.compile(r"/lesson_enrol(?P<entities>\{.*\})", re.DOTALL)
# The button of the WhatsApp "su lección está lista" template (outside the 24 h window): the lesson
# follows the answer (a typed "sí" does the same).
READY_PAYLOAD = "/lesson_ready"


def enrol_payload(course_id: str) -> str:
    """The payload of a course's button (the list of courses, an offer): ``/lesson_enrol{"course": …}``."""
    return "/lesson_enrol" + json.dumps({"course": course_id}, separators=(",", ":"))


def parse_enrol_payload(payload: str) -> str | None:
    """The course id of a course button's payload; ``None`` for any other text."""
    match = _ENROL_PAYLOAD.fullmatch(payload.strip())
    if match is None:
        return None
    try:
        course = json.loads(match["entities"]).get("course")
    except (ValueError, AttributeError):
        return None
    return course if isinstance(course, str) else None


def answer_payload(lesson_id: str, option: int) -> str:
    """The payload of a quiz button: ``/lesson_answer{"lesson": …, "option": n}`` (``n`` from 1)."""
    return f"/{ANSWER_INTENT}" + json.dumps({"lesson": lesson_id, "option": option}, separators=(",", ":"))


def parse_answer_payload(payload: str) -> tuple[str, int] | None:
    """(lesson id, 1-based option) of a quiz button's payload; ``None`` for any other text."""
    match = _ANSWER_PAYLOAD.fullmatch(payload.strip())
    if match is None:
        return None
    try:
        entities = json.loads(match["entities"])
    except ValueError:
        return None
    lesson, option = entities.get("lesson"), entities.get("option")
    if not isinstance(lesson, str) or not isinstance(option, int) or isinstance(option, bool):
        return None
    return lesson, option


def lesson_replies(lesson: Lesson) -> list[BotReply]:
    """The lesson's messages, then the quiz question with its options as buttons (rendered per
    channel by bot/rendering.py: a numbered menu on SMS, buttons or a list on WhatsApp)."""
    buttons = tuple(
        Button(title=option.title, payload=answer_payload(lesson.id, number))
        for number, option in enumerate(lesson.quiz.options, start=1)
    )
    return [
        *(BotReply(text=text) for text in lesson.messages),
        BotReply(text=lesson.quiz.question, buttons=buttons),
    ]


def mark_lesson_sent(
    session: AsyncSession,
    enrolment: LessonEnrolment,
    course: Course,
    lesson: Lesson,
    *,
    at: datetime,
    scheduled: bool,
) -> LessonResult:
    """Within the caller's transaction (the one that stores the lesson's outbox rows): the enrolment
    now waits for this lesson's quiz answer, and a result row records the lesson as sent.

    ``next_lesson`` moves past this lesson; ``next_due_at`` is cleared (the next scheduled lesson is
    planned when this quiz is answered, or skipped with "siguiente").
    """
    position = [item.id for item in course.lessons].index(lesson.id)
    enrolment.current_lesson = lesson.id
    enrolment.awaiting = "quiz"
    enrolment.quiz_tries = 0
    enrolment.next_lesson = position + 1
    enrolment.next_due_at = None
    enrolment.last_sent_at = at
    enrolment.nudged_at = None
    result = LessonResult(enrolment_id=enrolment.id, lesson_id=lesson.id, scheduled=scheduled, sent_at=at)
    session.add(result)
    return result
