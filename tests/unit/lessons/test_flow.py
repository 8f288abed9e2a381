"""The learner's steps (bot/lessons/flow.py, learner.py) on hand-built enrolments: pure, time given."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.contact_hours import CONTACT_HOURS_FILE, load_contact_hours
from bot.db.lesson_models import LessonEnrolment, LessonResult
from bot.db.lessons import CODE_ALPHABET, Progress, random_code
from bot.lessons.answers import HourOutside, Rhythm
from bot.lessons.flow import (
    answer_quiz,
    choose_rhythm,
    enrolled,
    progress_replies,
    resume,
)
from bot.lessons.moments import allowed_range, clock_text, day_text
from bot.lessons.payloads import consent_payload, leave_payload, parse_payload, rhythm_payload
from bot.lessons.words import load_lessons
from tests.conftest import ROOT
from tests.lessons_answers import other_wrong_index, right_index, right_title, wrong_index

LESSONS = load_lessons(ROOT / "data")
WORDS = LESSONS.words
COURSE = LESSONS.courses.course("cuentas_claras")
HOURS = load_contact_hours(ROOT / "data" / CONTACT_HOURS_FILE)
TUESDAY_10 = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)  # 10:00 in Bogotá
SATURDAY_10 = datetime(2026, 12, 5, 15, 0, tzinfo=UTC)


def sent(position: int, *, rhythm: str | None = None, minute: int | None = None) -> LessonEnrolment:
    """An enrolment whose lesson ``position`` (0-based) was just sent, its quiz open."""
    return LessonEnrolment(
        id=1, contact_id=1, conversation_id=1, course_id=COURSE.id, status="active", rhythm=rhythm,
        send_minute=minute, next_lesson=position + 1, current_lesson=COURSE.lessons[position].id,
        awaiting="quiz", quiz_tries=0,
    )  # fmt: skip


def result(position: int) -> LessonResult:
    return LessonResult(enrolment_id=1, lesson_id=COURSE.lessons[position].id, tries=0)


def right(position: int) -> int:
    """The right option (0-based) of lesson ``position``'s quiz, as data/lessons/ has it."""
    return right_index(COURSE.lessons[position].id)


def wrong(position: int) -> int:
    return wrong_index(COURSE.lessons[position].id)


@pytest.mark.parametrize(
    ("minute", "text"),
    [(0, "12:00 a. m."), (450, "7:30 a. m."), (540, "9:00 a. m."), (720, "12:00 m."), (750, "12:30 p. m."),
     (840, "2:00 p. m."), (1080, "6:00 p. m."), (1139, "6:59 p. m.")],
)  # fmt: skip
def test_clock_text(minute: int, text: str) -> None:
    assert clock_text(minute) == text


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (datetime(2026, 12, 1, 23, 0, tzinfo=UTC), "hoy"),  # 18:00 Tuesday in Bogotá
        (datetime(2026, 12, 2, 4, 0, tzinfo=UTC), "hoy"),  # Wednesday in UTC, still Tuesday 23:00 in Bogotá
        (datetime(2026, 12, 2, 19, 0, tzinfo=UTC), "mañana"),
        (datetime(2026, 12, 7, 23, 0, tzinfo=UTC), "el lunes 7 de diciembre"),
    ],
)
def test_day_text_in_local_dates(moment: datetime, text: str) -> None:
    assert day_text(moment, now=TUESDAY_10, hours=HOURS) == text


def test_a_right_answer_to_the_first_lesson_asks_the_rhythm_once() -> None:
    enrolment, row = sent(0), result(0)
    step = answer_quiz(
        WORDS, enrolment, COURSE, COURSE.lessons[0], row, right(0), now=TUESDAY_10, hours=HOURS, code=None
    )
    assert [reply.text for reply in step.replies] == [
        COURSE.lessons[0].quiz.feedback_right,
        WORDS.rhythm_question,
    ]
    assert (enrolment.awaiting, row.tries, row.first_choice, row.right_on_try) == ("rhythm", 1, right(0), 1)
    assert step.lesson is None and len(step.replies[-1].buttons) == 4


def test_a_first_wrong_answer_retries_without_the_answer_and_a_second_tells_it() -> None:
    enrolment, row, lesson = sent(2, rhythm="on_demand"), result(2), COURSE.lessons[2]
    first, second = wrong_index(lesson.id), other_wrong_index(lesson.id)
    step = answer_quiz(WORDS, enrolment, COURSE, lesson, row, first, now=TUESDAY_10, hours=HOURS, code=None)
    texts = [reply.text for reply in step.replies]
    assert texts == [WORDS.retry, lesson.quiz.question] and (enrolment.awaiting, enrolment.quiz_tries) == (
        "quiz",
        1,
    )
    assert all(right_title(lesson.id) not in text for text in texts)
    step = answer_quiz(WORDS, enrolment, COURSE, lesson, row, second, now=TUESDAY_10, hours=HOURS, code=None)
    assert [reply.text for reply in step.replies] == [lesson.quiz.feedback_wrong, WORDS.next_on_demand]
    assert (row.tries, row.first_choice, row.right_on_try, enrolment.awaiting) == (2, first, None, "none")


def test_a_wrong_then_right_answer_counts_the_second_try() -> None:
    enrolment, row, lesson = sent(1, rhythm="daily", minute=840), result(1), COURSE.lessons[1]
    answer_quiz(WORDS, enrolment, COURSE, lesson, row, wrong(1), now=TUESDAY_10, hours=HOURS, code=None)
    step = answer_quiz(
        WORDS, enrolment, COURSE, lesson, row, right(1), now=TUESDAY_10, hours=HOURS, code=None
    )
    assert (row.tries, row.first_choice, row.right_on_try) == (2, wrong(1), 2)
    assert enrolment.next_due_at == datetime(2026, 12, 2, 19, 0, tzinfo=UTC)  # Wednesday 14:00 Bogotá
    assert step.replies[-1].text == WORDS.next_daily.format(day="mañana", time="2:00 p. m.")


def test_the_daily_lesson_after_a_saturday_answer_keeps_its_moment_on_monday() -> None:
    # Sunday is closed: bot/lessons/schedule.py keeps the chosen 18:00, on Monday.
    enrolment, row = sent(1, rhythm="daily", minute=1080), result(1)
    step = answer_quiz(
        WORDS, enrolment, COURSE, COURSE.lessons[1], row, right(1), now=SATURDAY_10, hours=HOURS, code=None
    )
    assert enrolment.next_due_at == datetime(2026, 12, 7, 23, 0, tzinfo=UTC)
    assert "el lunes 7 de diciembre hacia las 6:00 p. m." in (step.replies[-1].text)


def test_the_last_quiz_settled_finishes_the_course_with_the_code() -> None:
    enrolment, row, lesson = sent(4, rhythm="daily", minute=540), result(4), COURSE.lessons[4]
    step = answer_quiz(
        WORDS, enrolment, COURSE, lesson, row, right(4), now=TUESDAY_10, hours=HOURS, code="CL-7K3M9P"
    )
    assert step.replies[-1].text == WORDS.finished.format(course=COURSE.title, code="CL-7K3M9P")
    assert (enrolment.status, enrolment.completion_code, enrolment.finished_at) == (
        "finished",
        "CL-7K3M9P",
        TUESDAY_10,
    )
    assert enrolment.next_due_at is None


def test_an_answer_while_paused_for_no_answer_resumes_the_course() -> None:
    enrolment, row = sent(1, rhythm="on_demand"), result(1)
    enrolment.status, enrolment.pause_reason = "paused", "no_answer"
    answer_quiz(
        WORDS, enrolment, COURSE, COURSE.lessons[1], row, right(1), now=TUESDAY_10, hours=HOURS, code=None
    )
    assert (enrolment.status, enrolment.pause_reason) == ("active", None)


@pytest.mark.parametrize(
    ("picked", "rhythm", "minute", "due", "starts"),
    [
        (Rhythm("daily", 540), "daily", 540, datetime(2026, 12, 2, 14, 0, tzinfo=UTC), "Listo: una lección al día hacia las 9:00 a. m."),
        (Rhythm("daily", 1080), "daily", 1080, datetime(2026, 12, 2, 23, 0, tzinfo=UTC), "Listo: una lección al día hacia las 6:00 p. m."),
        (Rhythm("on_demand", None), "on_demand", None, None, WORDS.rhythm_on_demand),
    ],
)  # fmt: skip
def test_the_rhythm_chosen(
    picked: Rhythm, rhythm: str, minute: int | None, due: datetime | None, starts: str
) -> None:
    enrolment = sent(0)
    enrolment.awaiting = "rhythm"
    step = choose_rhythm(WORDS, enrolment, picked, now=TUESDAY_10, hours=HOURS)
    assert (enrolment.rhythm, enrolment.send_minute, enrolment.next_due_at, enrolment.awaiting) == (
        rhythm,
        minute,
        due,
        "none",
    )
    assert step.replies[0].text.startswith(starts)


def test_an_hour_outside_says_the_allowed_range_and_asks_again() -> None:
    enrolment = sent(0)
    enrolment.awaiting = "rhythm"
    step = choose_rhythm(WORDS, enrolment, HourOutside(21 * 60), now=TUESDAY_10, hours=HOURS)
    assert allowed_range(HOURS) == (7 * 60, 19 * 60)
    assert step.replies[0].text.startswith(
        "A las 9:00 p. m. no enviamos mensajes. Escoja una hora entre las 7:00 a. m. y las 7:00 p. m."
    )
    assert step.replies[1].text == WORDS.rhythm_question and enrolment.awaiting == "rhythm"


def test_enrolling_again_starts_at_the_first_lesson_not_done() -> None:
    enrolment = sent(2)
    enrolment.awaiting = "none"
    step = enrolled(WORDS, enrolment, COURSE, created=False)
    assert step.lesson == COURSE.lessons[3]
    assert step.replies[0].text == WORDS.re_enrolled.format(course=COURSE.title, number=4, lessons=5)


def test_progress_names_the_lesson_the_results_and_what_to_do() -> None:
    enrolment = sent(2, rhythm="on_demand")
    [reply] = progress_replies(
        WORDS, enrolment, COURSE, Progress(sent=3, answered=2, right=2), now=TUESDAY_10, hours=HOURS
    )
    assert reply.text == (
        "Va en la lección 3 de 5 de Cuentas claras. Acertó 2 de 2 preguntas. "
        "Le falta responder la pregunta de la lección 3."
    )


def test_resuming_a_daily_course_plans_the_next_lesson_again() -> None:
    enrolment = sent(1, rhythm="daily", minute=540)
    enrolment.status, enrolment.pause_reason, enrolment.awaiting = "paused", "asked", "none"
    step = resume(WORDS, enrolment, COURSE, now=TUESDAY_10, hours=HOURS)
    assert enrolment.status == "active" and enrolment.next_due_at == datetime(2026, 12, 2, 14, 0, tzinfo=UTC)
    assert step.replies[0].text == WORDS.resumed.format(course=COURSE.title)


def test_completion_codes_are_short_and_unambiguous() -> None:
    codes = {random_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert code.startswith("CL-") and len(code) == 9 and set(code[3:]) <= set(CODE_ALPHABET)
    assert not set("0O1IL5S2Z8B") & set(CODE_ALPHABET)


@pytest.mark.parametrize(
    ("payload", "parsed"),
    [
        (consent_payload(True), ("lesson_consent", "si")),
        (leave_payload(False), ("lesson_leave", "no")),
        (rhythm_payload("tarde"), ("lesson_rhythm", "tarde")),
        ('/lesson_leave{"leave":"si","x":"y"}', None),
        ("/lesson_leave{nope}", None),
        ("/request_lesson", None),
        ("hola", None),
    ],
)
def test_own_payloads(payload: str, parsed: tuple[str, str] | None) -> None:
    assert parse_payload(payload) == parsed


def test_the_course_button_tapped_again_while_a_quiz_is_open_skips_nothing() -> None:
    enrolment = sent(1)
    step = enrolled(WORDS, enrolment, COURSE, created=False)
    assert step.lesson is None
    assert [reply.text for reply in step.replies] == [
        WORDS.re_enrolled.format(course=COURSE.title, number=2, lessons=5),
        COURSE.lessons[1].quiz.question,
    ]
