"""The courses as data: one file per course in data/lessons/, validated when loaded.

A course has lessons; a lesson has 2–5 short messages and one quiz (2–4 options, exactly one right,
a feedback for a right and for a wrong answer). On SMS every message must fit one GSM-7 segment after
folding, the quiz with its numbered options two, each feedback one (``bot.lessons.sizes``). Course ids
are the file names, lesson ids are unique across all files, and no two courses share an ``order``.

``load_courses`` reads every ``*.yml`` of the folder: adding a course is adding a file. A broken file
raises ``CourseFileError`` whose message names the file, the lesson and the reason, so the process
stops at start, never mid-lesson.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Final

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from bot.lessons.sizes import FEEDBACK_SEGMENTS, MESSAGE_SEGMENTS, QUIZ_SEGMENTS, over_budget, quiz_sms_text
from bot.text import normalise

LESSONS_DIR: Final = "lessons"
BUTTON_TITLE_MAX: Final = 20  # WhatsApp cuts reply-button titles at 20 characters
LIST_DESCRIPTION_MAX: Final = 72  # a WhatsApp list-picker item's description
LESSON_TITLE_MAX: Final = 40
MIN_MESSAGES, MAX_MESSAGES = 2, 5
MIN_OPTIONS, MAX_OPTIONS = 2, 4

Id = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class Option(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    title: Annotated[Text, StringConstraints(max_length=BUTTON_TITLE_MAX)]
    right: bool = False


class Quiz(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    question: Text
    options: tuple[Option, ...]
    feedback_right: Text
    feedback_wrong: Text  # says which answer is right and why, kindly

    @field_validator("options")
    @classmethod
    def _options(cls, options: tuple[Option, ...]) -> tuple[Option, ...]:
        if not MIN_OPTIONS <= len(options) <= MAX_OPTIONS:
            raise ValueError(
                f"a quiz has {MIN_OPTIONS} to {MAX_OPTIONS} options; this one has {len(options)}"
            )
        right = sum(option.right for option in options)
        if right != 1:
            raise ValueError(f"exactly one option must have `right: true`; {right} have it")
        titles = [normalise(option.title) for option in options]
        if len(set(titles)) != len(titles):
            raise ValueError("two options have the same title: an answer in words could not tell them apart")
        return options

    @model_validator(mode="after")
    def _fits_sms(self) -> Quiz:
        problems = [
            over_budget("the question with its numbered options", self.sms_text, QUIZ_SEGMENTS),
            over_budget("feedback_right", self.feedback_right, FEEDBACK_SEGMENTS),
            over_budget("feedback_wrong", self.feedback_wrong, FEEDBACK_SEGMENTS),
        ]
        if found := [problem for problem in problems if problem]:
            raise ValueError("; ".join(found))
        return self

    @property
    def right_index(self) -> int:
        """0-based position of the right option."""
        return next(index for index, option in enumerate(self.options) if option.right)

    @property
    def sms_text(self) -> str:
        return quiz_sms_text(self.question, [option.title for option in self.options])


class Lesson(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Id
    title: Annotated[Text, StringConstraints(max_length=LESSON_TITLE_MAX)]
    messages: tuple[Text, ...]
    quiz: Quiz

    @field_validator("messages")
    @classmethod
    def _messages(cls, messages: tuple[str, ...]) -> tuple[str, ...]:
        if not MIN_MESSAGES <= len(messages) <= MAX_MESSAGES:
            raise ValueError(
                f"a lesson has {MIN_MESSAGES} to {MAX_MESSAGES} messages; this one has {len(messages)}"
            )
        problems = (over_budget(f"message {n}", text, MESSAGE_SEGMENTS) for n, text in enumerate(messages, 1))
        if found := [problem for problem in problems if problem]:
            raise ValueError("; ".join(found))
        return messages


class Course(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Id  # the file's name without .yml
    title: Annotated[Text, StringConstraints(max_length=BUTTON_TITLE_MAX)]
    description: Annotated[Text, StringConstraints(max_length=LIST_DESCRIPTION_MAX)]
    order: int = Field(ge=1)  # place in the list of courses
    lessons: tuple[Lesson, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_lessons(self) -> Course:
        seen: set[str] = set()
        for lesson in self.lessons:
            if lesson.id in seen:
                raise ValueError(f"lesson {lesson.id}: its id appears twice in this course")
            seen.add(lesson.id)
        return self

    def lesson(self, lesson_id: str) -> Lesson:
        return next(lesson for lesson in self.lessons if lesson.id == lesson_id)

    def next_lesson(self, lesson_id: str) -> Lesson | None:
        """The lesson after ``lesson_id``, or ``None`` after the last one."""
        ids = [lesson.id for lesson in self.lessons]
        position = ids.index(lesson_id) + 1
        return self.lessons[position] if position < len(self.lessons) else None


@dataclass(frozen=True, slots=True)
class Courses:
    """Every course, in their ``order``."""

    courses: tuple[Course, ...]

    def __iter__(self) -> Iterator[Course]:
        return iter(self.courses)

    def __len__(self) -> int:
        return len(self.courses)

    def course(self, course_id: str) -> Course:
        return next(course for course in self.courses if course.id == course_id)

    def course_of(self, lesson_id: str) -> Course:
        return next(
            course for course in self.courses if any(lesson.id == lesson_id for lesson in course.lessons)
        )


class CourseFileError(ValueError):
    """A course file that cannot be used; the message names the file, the lesson and each reason."""

    def __init__(self, path: Path, problems: Sequence[str]) -> None:
        self.path, self.problems = path, tuple(problems)
        super().__init__("\n".join(f"{path}: {problem}" for problem in problems))


def load_courses(data_dir: Path) -> Courses:
    """Every course file of data_dir/lessons/, checked one by one and then against each other."""
    folder = data_dir / LESSONS_DIR
    if misnamed := sorted(folder.glob("*.yaml")):
        raise CourseFileError(misnamed[0], ["course files end in .yml: rename it so it is loaded"])
    paths = sorted(folder.glob("*.yml"))
    if not paths:
        raise CourseFileError(folder, ["no course file (*.yml) in this folder"])
    courses = [load_course_file(path) for path in paths]
    _check_across_files(list(zip(paths, courses, strict=True)))
    return Courses(courses=tuple(sorted(courses, key=lambda course: course.order)))


def load_course_file(path: Path) -> Course:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise CourseFileError(path, [f"not valid YAML: {error}"]) from None
    if not isinstance(data, dict):
        raise CourseFileError(
            path, ["a course file is a mapping with id, title, description, order, lessons"]
        )
    try:
        course = Course.model_validate(data)
    except ValidationError as error:
        raise CourseFileError(path, [_reason(problem, data) for problem in error.errors()]) from None
    if course.id != path.stem:
        raise CourseFileError(
            path, [f"the course id is {course.id!r}: it must be the file name, {path.stem!r}"]
        )
    return course


def _check_across_files(loaded: list[tuple[Path, Course]]) -> None:
    lesson_files: dict[str, Path] = {}
    order_files: dict[int, Path] = {}
    for path, course in loaded:
        if course.order in order_files:
            raise CourseFileError(
                path, [f"order {course.order} is also the order of {order_files[course.order]}"]
            )
        order_files[course.order] = path
        for lesson in course.lessons:
            if lesson.id in lesson_files:
                raise CourseFileError(
                    path, [f"lesson {lesson.id}: the same lesson id is in {lesson_files[lesson.id]}"]
                )
            lesson_files[lesson.id] = path


def _reason(problem: Any, data: dict[str, Any]) -> str:
    """ "lesson precio_materiales: quiz.options: exactly one option …" from one pydantic error."""
    location: tuple[Any, ...] = tuple(problem["loc"])
    message = str(problem["msg"]).removeprefix("Value error, ")
    where = ""
    if len(location) >= 2 and location[0] == "lessons" and isinstance(location[1], int):
        where = f"lesson {_lesson_name(data, location[1])}: "
        location = location[2:]
    path = ".".join(str(part + 1) if isinstance(part, int) else str(part) for part in location)
    return f"{where}{path}: {message}" if path else f"{where}{message}"


def _lesson_name(data: dict[str, Any], index: int) -> str:
    lessons = data.get("lessons")
    lesson = lessons[index] if isinstance(lessons, list) and index < len(lessons) else None
    lesson_id = lesson.get("id") if isinstance(lesson, dict) else None
    return lesson_id if isinstance(lesson_id, str) and lesson_id else f"number {index + 1}"
