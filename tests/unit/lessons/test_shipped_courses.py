"""The shipped courses of data/lessons/: they load, and every text fits its SMS budget after folding."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.gsm7 import fold_to_gsm7, is_gsm7, sms_size
from bot.lessons.content import Course, Lesson, load_courses
from bot.text import normalise

DATA = Path(__file__).resolve().parents[3] / "data"
COURSES = load_courses(DATA)
LESSONS = [lesson for course in COURSES for lesson in course.lessons]
MESSAGES = [(lesson.id, number, text) for lesson in LESSONS for number, text in enumerate(lesson.messages, 1)]


def segments(text: str) -> int:
    folded = fold_to_gsm7(text)
    assert is_gsm7(folded), text
    return sms_size(folded).segments


def test_three_courses_of_five_lessons_in_their_order() -> None:
    assert [(course.id, course.title, len(course.lessons)) for course in COURSES] == [
        ("costos_y_precios", "Costos y precios", 5),
        ("cuentas_claras", "Cuentas claras", 5),
        ("vender_mas", "Vender más", 5),
    ]
    assert [course.order for course in COURSES] == sorted(course.order for course in COURSES)


@pytest.mark.parametrize(("lesson_id", "number", "text"), MESSAGES, ids=[f"{m[0]}-{m[1]}" for m in MESSAGES])
def test_every_message_is_one_gsm7_segment_after_folding(lesson_id: str, number: int, text: str) -> None:
    assert segments(text) == 1, (lesson_id, number, len(fold_to_gsm7(text)))


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.id)
def test_quiz_fits_two_segments_with_its_numbered_options_and_each_feedback_one(lesson: Lesson) -> None:
    quiz = lesson.quiz
    numbered = "\n".join(f"{n}. {option.title}" for n, option in enumerate(quiz.options, 1))
    assert numbered in quiz.sms_text and quiz.sms_text.startswith(quiz.question)
    assert segments(quiz.sms_text) <= 2
    assert segments(quiz.feedback_right) == 1
    assert segments(quiz.feedback_wrong) == 1


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.id)
def test_quiz_has_two_to_four_short_options_and_one_right(lesson: Lesson) -> None:
    options = lesson.quiz.options
    assert 2 <= len(options) <= 4
    assert [option.right for option in options].count(True) == 1
    assert options[lesson.quiz.right_index].right
    assert all(len(option.title) <= 20 for option in options)  # a WhatsApp reply button


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.id)
def test_the_wrong_feedback_names_the_right_answer_when_it_is_an_amount(lesson: Lesson) -> None:
    right = lesson.quiz.options[lesson.quiz.right_index].title
    if right.startswith("$"):
        assert right in lesson.quiz.feedback_wrong


def test_amounts_are_written_the_colombian_way() -> None:
    texts = [text for lesson in LESSONS for text in (*lesson.messages, lesson.quiz.question)]
    amounts = [amount for text in texts for amount in re.findall(r"\$[\d.,]+\d", text)]
    assert amounts, "the lessons teach with numbers"
    badly_written = [a for a in amounts if not re.fullmatch(r"\$\d{1,3}(\.\d{3})*", a)]
    assert not badly_written
    assert not [a for a in amounts if len(a) > 4 and "." not in a]  # $3000 → $3.000


def test_every_course_speaks_of_usted_never_tu() -> None:
    words = {word for lesson in LESSONS for text in lesson.messages for word in normalise(text).split()}
    assert "usted" in words
    assert not words & {"tu", "tus", "ti", "contigo", "puedes", "tienes", "quieres"}


def test_margen_is_explained_in_plain_words_where_it_first_appears() -> None:
    first = next(text for lesson in LESSONS for text in lesson.messages if "margen" in text.lower())
    assert "ganancia" in first.lower() and "le queda" in first.lower()


def test_a_course_knows_its_lessons_in_order_and_the_one_after() -> None:
    course = COURSES.course("cuentas_claras")
    ids = [lesson.id for lesson in course.lessons]
    assert course.next_lesson(ids[0]) == course.lesson(ids[1])
    assert course.next_lesson(ids[-1]) is None
    assert COURSES.course_of(ids[2]) is course


@pytest.mark.parametrize("course", COURSES.courses, ids=lambda course: course.id)
def test_the_right_answer_is_not_always_in_the_same_place(course: Course) -> None:
    """A learner who always answers "1" (or always "b") must not pass a course by guessing."""
    places = [[option.right for option in lesson.quiz.options].index(True) for lesson in course.lessons]
    assert len(set(places)) >= 2, f"{course.id}: the right answer is always option {places[0] + 1}"
    assert max(places.count(place) for place in set(places)) <= 3, f"{course.id}: {places}"
