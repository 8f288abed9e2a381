"""The right and a wrong answer of each shipped quiz, read from data/lessons/: never written in a test.

Content people reorder and rewrite options (commit 1d62b9d moved the right answer away from option 1),
so a test that answers a quiz takes its option from here and keeps asserting the same behaviour (a
wrong answer then the right one, by number, letter or words) whatever the order in the files.

The right option is read from the files' ``right: true`` flags, not from ``Quiz.right_index``: the
tests check the code against the content, not against itself. ``wrong_*`` is the first option that is
not the right one; ``other_wrong_index`` the last (the same one when the quiz has two options).
Numbers are 1-based (as the learner reads them and as ``answer_payload`` takes them), indices 0-based
(as ``answer_quiz`` and ``LessonResult.first_choice`` store them).
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from bot.lessons.content import Course, Courses, Quiz, load_courses

COURSES: Final[Courses] = load_courses(Path(__file__).resolve().parents[1] / "data")
LETTERS: Final = "abcd"


def course_of(lesson_id: str) -> Course:
    return COURSES.course_of(lesson_id)


def quiz_of(lesson_id: str) -> Quiz:
    return course_of(lesson_id).lesson(lesson_id).quiz


def right_index(lesson_id: str) -> int:
    [index] = [index for index, option in enumerate(quiz_of(lesson_id).options) if option.right]
    return index


def wrong_indices(lesson_id: str) -> list[int]:
    wrong = [index for index, option in enumerate(quiz_of(lesson_id).options) if not option.right]
    assert wrong, f"{lesson_id}: a quiz without a wrong option tests nothing"
    return wrong


def wrong_index(lesson_id: str) -> int:
    return wrong_indices(lesson_id)[0]


def other_wrong_index(lesson_id: str) -> int:
    return wrong_indices(lesson_id)[-1]


def right_number(lesson_id: str) -> int:
    return right_index(lesson_id) + 1


def wrong_number(lesson_id: str) -> int:
    return wrong_index(lesson_id) + 1


def right_letter(lesson_id: str) -> str:
    return LETTERS[right_index(lesson_id)]


def wrong_letter(lesson_id: str) -> str:
    return LETTERS[wrong_index(lesson_id)]


def right_title(lesson_id: str) -> str:
    return quiz_of(lesson_id).options[right_index(lesson_id)].title


def wrong_title(lesson_id: str) -> str:
    return quiz_of(lesson_id).options[wrong_index(lesson_id)].title
