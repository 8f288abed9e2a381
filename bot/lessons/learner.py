"""The learner's commands over their latest enrolment ("siguiente", "pausar", "seguir", "¿cómo voy?",
"cambiar de curso", "dejar el curso", "cursos") and the answers to the gateway's own questions (leave:
yes/no; "su lección está lista": later). Each returns a ``Step`` (bot/lessons/flow.py) and changes the
enrolment; bot/lessons/turn.py stores both in one transaction.

Every answer says what the person can do next: a course left or finished offers the courses.
"""

from __future__ import annotations

from typing import Final, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import lessons as db
from bot.db.lesson_models import LessonEnrolment
from bot.lessons.answers import LearnerCommand
from bot.lessons.content import Course
from bot.lessons.flow import (
    Step,
    courses_menu,
    leave_question,
    next_hint,
    next_lesson_of,
    other_courses_menu,
    pause,
    progress_replies,
    quiz_again,
    resume,
)
from bot.lessons.moments import clock_text, day_text, local_minute
from bot.lessons.schedule import next_lesson_at
from bot.lessons.words import LessonWords
from bot.rasa_client import BotReply
from bot.runtime import Runtime

# A course paused because a scheduled lesson got no answer: an answer to its quiz resumes it.
LIVE: Final = ("paused", "no_answer")
Command = LearnerCommand | Literal["leave_yes", "leave_no", "later"]


def send_next(runtime: Runtime, enrolment: LessonEnrolment, course: Course) -> Step:
    """ "Siguiente": the next lesson now (a paused course resumes); at the last lesson with its quiz
    open, the quiz again (answering it finishes the course)."""
    words = runtime.lessons.words
    if enrolment.status == "paused":
        enrolment.status, enrolment.pause_reason = "active", None
    lesson = next_lesson_of(enrolment, course)
    if lesson is not None:
        return Step(lesson=lesson)
    if enrolment.current_lesson is not None and enrolment.awaiting == "quiz":
        return Step([BotReply(text=words.last_lesson), quiz_again(course.lesson(enrolment.current_lesson))])
    return _finished_or_menu(runtime, enrolment, course)


def old_answer(words: LessonWords, enrolment: LessonEnrolment, course: Course, *, asked: str) -> Step:
    """A quiz button of another lesson (or of a quiz already settled): said honestly, and the question
    the learner owes now, if any."""
    owed = next_hint(words, enrolment, course) if enrolment.status in ("active", "paused") else []
    if enrolment.awaiting == "quiz" and owed and asked != enrolment.current_lesson:
        return Step([BotReply(text=words.old_question), *owed])
    if owed:
        return Step([BotReply(text=words.already_answered), *owed])
    return Step([BotReply(text=words.already_answered), BotReply(text=words.next_on_demand)])


def _finished_or_menu(runtime: Runtime, enrolment: LessonEnrolment, course: Course) -> Step:
    words = runtime.lessons.words
    if enrolment.status == "finished" and enrolment.completion_code:
        text = words.already_finished.format(course=course.title, code=enrolment.completion_code)
        return Step([BotReply(text=text)])
    return Step([courses_menu(words, runtime.lessons.courses, text=words.not_enrolled)])


async def courses_step(runtime: Runtime, session: AsyncSession, enrolment: LessonEnrolment | None) -> Step:
    """ "Quiero aprender", "cursos": the courses; someone in a course (active or paused) first reads
    where they are and what they owe (the course's button takes them back to it)."""
    words, courses = runtime.lessons.words, runtime.lessons.courses
    menu = courses_menu(words, courses)
    if enrolment is None or enrolment.status not in ("active", "paused"):
        return Step([menu])
    done = await db.progress(session, enrolment_id=enrolment.id)
    course = courses.course(enrolment.course_id)
    now, hours = runtime.clock(), runtime.contact_hours
    return Step([*progress_replies(words, enrolment, course, done, now=now, hours=hours), menu])


async def command_step(
    runtime: Runtime, session: AsyncSession, enrolment: LessonEnrolment, course: Course, command: Command
) -> Step:
    words, now, hours = runtime.lessons.words, runtime.clock(), runtime.contact_hours
    if command == "courses":
        return await courses_step(runtime, session, enrolment)
    if command == "switch":
        return Step([other_courses_menu(words, runtime.lessons.courses, course)])
    if enrolment.status in ("left", "finished"):
        if command == "progress" and enrolment.status == "finished":
            done = await db.progress(session, enrolment_id=enrolment.id)
            return Step(progress_replies(words, enrolment, course, done, now=now, hours=hours))
        return _finished_or_menu(runtime, enrolment, course)
    match command:
        case "next":
            return send_next(runtime, enrolment, course)
        case "progress":
            done = await db.progress(session, enrolment_id=enrolment.id)
            return Step(
                [
                    *progress_replies(words, enrolment, course, done, now=now, hours=hours),
                    *next_hint(words, enrolment, course),
                ]
            )
        case "pause":
            if enrolment.status == "paused":
                return Step([BotReply(text=words.progress_paused)])
            return pause(words, enrolment, course, now=now)
        case "resume":
            return resume(words, enrolment, course, now=now, hours=hours)
        case "leave":
            return Step([leave_question(words, course)])
        case "leave_yes":
            enrolment.status, enrolment.pause_reason, enrolment.awaiting = "left", None, "none"
            enrolment.next_due_at, enrolment.updated_at = None, now
            return Step([BotReply(text=words.left.format(course=course.title))])
        case "leave_no":
            return Step(
                [BotReply(text=words.kept.format(course=course.title)), *next_hint(words, enrolment, course)]
            )
        case "later":  # "su lección está lista" answered "después": tomorrow at the chosen moment
            minute = enrolment.send_minute if enrolment.send_minute is not None else local_minute(now, hours)
            due = next_lesson_at(minute, after=now, hours=hours)
            enrolment.awaiting, enrolment.next_due_at = "none", due
            text = words.ready_later.format(
                day=day_text(due, now=now, hours=hours), time=clock_text(local_minute(due, hours))
            )
            return Step([BotReply(text=text)])
    raise AssertionError(f"unknown learner command {command!r}")
