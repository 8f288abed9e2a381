"""The learner's steps, over one enrolment: what changes and what is said. No database, no network:
bot/lessons/turn.py loads the enrolment, calls a step, stores the change and the replies in one
transaction.

A step mutates the enrolment (and the lesson's result) it is given and returns a ``Step``: the
replies and, when a lesson goes out now, that lesson (the caller sends it with
``bot.lessons.delivery.lesson_replies`` and records it with ``mark_lesson_sent``). The quiz rule:
a right answer gets ``feedback_right``; a first wrong answer gets ``words.retry`` and the options again
(never the right answer); a second wrong answer gets ``feedback_wrong`` (which tells it). Then the quiz
is settled: the first lesson's asks the rhythm, the last lesson's finishes the course, the others say
when the next lesson comes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.contact_hours import ContactHours
from bot.db.lesson_models import LessonEnrolment, LessonResult
from bot.db.lessons import Progress, record_answer
from bot.lessons.answers import HourOutside, Rhythm
from bot.lessons.content import Course, Courses, Lesson
from bot.lessons.delivery import enrol_payload, lesson_replies
from bot.lessons.moments import allowed_range, clock_text, day_text, local_minute
from bot.lessons.payloads import consent_payload, leave_payload, rhythm_payload
from bot.lessons.schedule import next_lesson_at
from bot.lessons.words import LessonWords
from bot.rasa_client import BotReply, Button


@dataclass(slots=True)
class Step:
    """What a step says, and the lesson to send after it (``None``: no lesson this turn)."""

    replies: list[BotReply] = field(default_factory=list)
    lesson: Lesson | None = None
    scheduled: bool = False  # the lesson is the scheduled one (the answer to "su lección está lista")


def courses_menu(words: LessonWords, courses: Courses, *, text: str | None = None) -> BotReply:
    """The courses as buttons (WhatsApp: ≤ 3 buttons, more a list; SMS: a numbered menu)."""
    buttons = tuple(Button(course.title, enrol_payload(course.id)) for course in courses)
    return BotReply(text=text or words.courses_intro, buttons=buttons)


def other_courses_menu(words: LessonWords, courses: Courses, current: Course) -> BotReply:
    others = [course for course in courses if course.id != current.id]
    if not others:
        return BotReply(text=words.no_other_course.format(course=current.title))
    buttons = tuple(Button(course.title, enrol_payload(course.id)) for course in others)
    return BotReply(text=words.switch_question.format(course=current.title), buttons=buttons)


def consent_question(words: LessonWords, *, organisation: str, contact: str) -> BotReply:
    text = words.consent_question.format(organisation=organisation, contact=contact)
    return BotReply(
        text=text,
        buttons=(
            Button(words.consent_accept_title, consent_payload(True)),
            Button(words.consent_decline_title, consent_payload(False)),
        ),
    )


def rhythm_question(words: LessonWords) -> BotReply:
    titles = (
        (words.rhythm_morning_title, "manana"),
        (words.rhythm_afternoon_title, "tarde"),
        (words.rhythm_evening_title, "noche"),
        (words.rhythm_on_demand_title, "cuando yo la pida"),
    )
    return BotReply(
        text=words.rhythm_question,
        buttons=tuple(Button(title, rhythm_payload(said)) for title, said in titles),
    )


def leave_question(words: LessonWords, course: Course) -> BotReply:
    return BotReply(
        text=words.leave_question.format(course=course.title),
        buttons=(
            Button(words.leave_yes_title, leave_payload(True)),
            Button(words.leave_no_title, leave_payload(False)),
        ),
    )


def quiz_again(lesson: Lesson) -> BotReply:
    """The lesson's question with its options (the last reply of ``lesson_replies``)."""
    return lesson_replies(lesson)[-1]


def next_lesson_of(enrolment: LessonEnrolment, course: Course) -> Lesson | None:
    """The lesson to send next, ``None`` after the last one."""
    return course.lessons[enrolment.next_lesson] if enrolment.next_lesson < len(course.lessons) else None


def enrolled(words: LessonWords, enrolment: LessonEnrolment, course: Course, *, created: bool) -> Step:
    """A new or re-activated enrolment: a welcome and the first lesson not yet done, now; a lesson
    whose quiz is still open: that quiz again (the course button tapped twice skips nothing)."""
    lesson = next_lesson_of(enrolment, course)
    owed = enrolment.current_lesson if enrolment.awaiting == "quiz" else None
    if lesson is None:  # every lesson sent, the last quiz open: it again
        lesson = course.lesson(owed or course.lessons[-1].id)
        return Step([BotReply(text=words.last_lesson), quiz_again(lesson)])
    if owed is not None and not created:
        text = words.re_enrolled.format(
            course=course.title, number=enrolment.next_lesson, lessons=len(course.lessons)
        )
        return Step([BotReply(text=text), quiz_again(course.lesson(owed))])
    if created or enrolment.next_lesson == 0:
        intro = words.enrolled.format(course=course.title, lessons=len(course.lessons))
    else:
        intro = words.re_enrolled.format(
            course=course.title, number=enrolment.next_lesson + 1, lessons=len(course.lessons)
        )
    return Step([BotReply(text=intro)], lesson=lesson)


def answer_quiz(
    words: LessonWords,
    enrolment: LessonEnrolment,
    course: Course,
    lesson: Lesson,
    result: LessonResult,
    choice: int,
    *,
    now: datetime,
    hours: ContactHours,
    code: str | None,
) -> Step:
    """One answer (0-based ``choice``) to the current lesson's quiz. ``code``: the completion code to
    give when this settles the last lesson's quiz (the caller draws a free one)."""
    right = choice == lesson.quiz.right_index
    record_answer(result, choice=choice, right=right, at=now)
    enrolment.last_answer_at = now
    if enrolment.status == "paused" and enrolment.pause_reason == "no_answer":
        enrolment.status, enrolment.pause_reason = "active", None  # answering resumes the course
    if not right and enrolment.quiz_tries == 0:
        enrolment.quiz_tries = 1
        return Step([BotReply(text=words.retry), quiz_again(lesson)])
    feedback = lesson.quiz.feedback_right if right else lesson.quiz.feedback_wrong
    enrolment.awaiting, enrolment.quiz_tries = "none", 0
    return Step(
        [BotReply(text=feedback), *after_settled(words, enrolment, course, now=now, hours=hours, code=code)]
    )


def after_settled(
    words: LessonWords,
    enrolment: LessonEnrolment,
    course: Course,
    *,
    now: datetime,
    hours: ContactHours,
    code: str | None,
) -> list[BotReply]:
    """After a quiz is settled: the end of the course, the rhythm question (once), or the next step."""
    if next_lesson_of(enrolment, course) is None:
        assert code is not None, "the caller draws a completion code for the last lesson"
        return [finish(words, enrolment, course, code=code, now=now)]
    if enrolment.rhythm is None:
        enrolment.awaiting = "rhythm"
        return [rhythm_question(words)]
    return [plan_next(words, enrolment, now=now, hours=hours)]


def plan_next(
    words: LessonWords, enrolment: LessonEnrolment, *, now: datetime, hours: ContactHours
) -> BotReply:
    """Daily: the next lesson's moment (``next_due_at``) and when it comes; on demand: "SIGUIENTE"."""
    if enrolment.rhythm == "daily" and enrolment.send_minute is not None:
        due = next_lesson_at(enrolment.send_minute, after=now, hours=hours)
        enrolment.next_due_at = due
        return BotReply(
            text=words.next_daily.format(
                day=day_text(due, now=now, hours=hours), time=clock_text(local_minute(due, hours))
            )
        )
    enrolment.next_due_at = None
    return BotReply(text=words.next_on_demand)


def finish(
    words: LessonWords, enrolment: LessonEnrolment, course: Course, *, code: str, now: datetime
) -> BotReply:
    enrolment.status, enrolment.pause_reason, enrolment.awaiting = "finished", None, "none"
    enrolment.finished_at, enrolment.next_due_at = now, None
    enrolment.completion_code = enrolment.completion_code or code
    return BotReply(text=words.finished.format(course=course.title, code=enrolment.completion_code))


def choose_rhythm(
    words: LessonWords,
    enrolment: LessonEnrolment,
    picked: Rhythm | HourOutside,
    *,
    now: datetime,
    hours: ContactHours,
) -> Step:
    """The answer to the rhythm question: the rhythm set (and the next moment planned), or, for an hour
    no opening of the contact hours allows, the allowed range and the question again."""
    if isinstance(picked, HourOutside):
        start, end = allowed_range(hours)
        text = words.hour_outside.format(
            asked=clock_text(picked.asked_minute), start=clock_text(start), end=clock_text(end)
        )
        return Step([BotReply(text=text), rhythm_question(words)])
    enrolment.rhythm, enrolment.send_minute, enrolment.awaiting = picked.kind, picked.send_minute, "none"
    if picked.kind == "on_demand" or picked.send_minute is None:
        enrolment.next_due_at = None
        return Step([BotReply(text=words.rhythm_on_demand)])
    due = next_lesson_at(picked.send_minute, after=now, hours=hours)
    enrolment.next_due_at = due
    text = words.rhythm_daily.format(
        time=clock_text(picked.send_minute), day=day_text(due, now=now, hours=hours)
    )
    return Step([BotReply(text=text)])


def progress_replies(
    words: LessonWords,
    enrolment: LessonEnrolment,
    course: Course,
    done: Progress,
    *,
    now: datetime,
    hours: ContactHours,
) -> list[BotReply]:
    """ "¿Cómo voy?": where the learner is, their results, and what they can do now."""
    if enrolment.status == "finished" and enrolment.completion_code:
        return [
            BotReply(text=words.progress_finished.format(course=course.title, code=enrolment.completion_code))
        ]
    number = max(enrolment.next_lesson, 1)
    lines = [
        words.progress.format(
            number=number,
            lessons=len(course.lessons),
            course=course.title,
            right=done.right,
            answered=done.answered,
        )
    ]
    if enrolment.status == "paused":
        lines.append(words.progress_paused)
    elif enrolment.awaiting == "quiz":
        lines.append(words.progress_quiz.format(number=number))
    elif enrolment.rhythm == "daily" and enrolment.next_due_at is not None:
        due = enrolment.next_due_at
        lines.append(
            words.next_daily.format(
                day=day_text(due, now=now, hours=hours), time=clock_text(local_minute(due, hours))
            )
        )
    else:
        lines.append(words.next_on_demand)
    return [BotReply(text=" ".join(lines))]


def pause(words: LessonWords, enrolment: LessonEnrolment, course: Course, *, now: datetime) -> Step:
    enrolment.status, enrolment.pause_reason, enrolment.next_due_at = "paused", "asked", None
    enrolment.updated_at = now
    return Step([BotReply(text=words.paused.format(course=course.title))])


def resume(
    words: LessonWords, enrolment: LessonEnrolment, course: Course, *, now: datetime, hours: ContactHours
) -> Step:
    """A paused course active again; what comes next: its open quiz, the rhythm question, or the plan."""
    if enrolment.status != "paused":
        return Step(
            [
                BotReply(text=words.not_paused.format(course=course.title)),
                *next_hint(words, enrolment, course),
            ]
        )
    enrolment.status, enrolment.pause_reason, enrolment.updated_at = "active", None, now
    said = [BotReply(text=words.resumed.format(course=course.title))]
    if enrolment.awaiting == "quiz" and enrolment.current_lesson:
        return Step([*said, quiz_again(course.lesson(enrolment.current_lesson))])
    if enrolment.awaiting == "rhythm":
        return Step([*said, rhythm_question(words)])
    if enrolment.next_lesson == 0:  # paused before the first lesson went: it now
        return Step(said, lesson=course.lessons[0])
    return Step([*said, plan_next(words, enrolment, now=now, hours=hours)])


def next_hint(words: LessonWords, enrolment: LessonEnrolment, course: Course) -> Sequence[BotReply]:
    """The question the learner still owes, or nothing."""
    if enrolment.awaiting == "quiz" and enrolment.current_lesson:
        return [quiz_again(course.lesson(enrolment.current_lesson))]
    if enrolment.awaiting == "rhythm":
        return [rhythm_question(words)]
    return []
