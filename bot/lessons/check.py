"""``python -m bot.lessons.check [data_dir]``: validate data/lessons/ and print each course, its lessons
and the SMS segments of each message, of the quiz and of its feedback. Exit 1, with the reasons, when a
file is broken."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path

from bot.lessons.content import CourseFileError, Courses, Lesson, load_courses
from bot.lessons.sizes import sms_text_size


def lesson_segments(lesson: Lesson) -> tuple[tuple[int, ...], int, int, int]:
    """(segments of each message, of the quiz, of feedback_right, of feedback_wrong) on SMS."""
    messages = tuple(sms_text_size(text).segments for text in lesson.messages)
    quiz = lesson.quiz
    return (
        messages,
        sms_text_size(quiz.sms_text).segments,
        sms_text_size(quiz.feedback_right).segments,
        sms_text_size(quiz.feedback_wrong).segments,
    )


def report_lines(courses: Courses) -> Iterator[str]:
    lessons = sum(len(course.lessons) for course in courses)
    yield f"{len(courses)} courses, {lessons} lessons"
    for course in courses:
        yield f"\n{course.order}. {course.title} ({course.id}): {len(course.lessons)} lessons"
        for number, lesson in enumerate(course.lessons, 1):
            messages, quiz, right, wrong = lesson_segments(lesson)
            sent = sum(messages) + quiz + right
            yield (
                f"  {number}. {lesson.title} ({lesson.id}): messages {'+'.join(map(str, messages))}, "
                f"quiz {quiz}, feedback {right}/{wrong}; {sent} SMS segments for a right answer"
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.lessons.check", description=__doc__)
    parser.add_argument("data_dir", nargs="?", type=Path, default=Path("data"))
    args = parser.parse_args(argv)
    try:
        courses = load_courses(args.data_dir)
    except CourseFileError as error:
        sys.stderr.write(f"{error}\n")
        return 1
    sys.stdout.write("\n".join(report_lines(courses)) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
