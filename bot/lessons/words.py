"""What famibot says around the lessons (data/lesson_words.yml), validated at start: an unknown or
missing placeholder, a character an SMS cannot carry or a button title WhatsApp would cut stops the
process. The lessons' own texts are the course files (bot/lessons/content.py).

``Lessons`` bundles the courses and these words: ``runtime.lessons`` (bot/runtime.py).
"""

from __future__ import annotations

import hashlib
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Final

import yaml
from pydantic import BaseModel, ConfigDict, StringConstraints, model_validator

from bot.gsm7 import fold_to_gsm7
from bot.lessons.content import Courses, load_courses

WORDS_FILE: Final = "lesson_words.yml"

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=10)]

# The placeholders each text must use, exactly (a text without its {code} would be a lie by omission).
PLACEHOLDERS: Final[dict[str, frozenset[str]]] = {
    "consent_question": frozenset({"organisation", "contact"}),
    "enrolled": frozenset({"course", "lessons"}),
    "re_enrolled": frozenset({"course", "number", "lessons"}),
    "rhythm_daily": frozenset({"time", "day"}),
    "hour_outside": frozenset({"asked", "start", "end"}),
    "next_daily": frozenset({"day", "time"}),
    "finished": frozenset({"course", "code"}),
    "progress": frozenset({"number", "lessons", "course", "right", "answered"}),
    "progress_quiz": frozenset({"number"}),
    "progress_finished": frozenset({"course", "code"}),
    "paused": frozenset({"course"}),
    "resumed": frozenset({"course"}),
    "not_paused": frozenset({"course"}),
    "switch_question": frozenset({"course"}),
    "no_other_course": frozenset({"course"}),
    "leave_question": frozenset({"course"}),
    "left": frozenset({"course"}),
    "kept": frozenset({"course"}),
    "ready_later": frozenset({"day", "time"}),
    "already_finished": frozenset({"course", "code"}),
}


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


class LessonWords(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    courses_intro: Text
    consent_question: Text
    consent_accept_title: Title
    consent_decline_title: Title
    consent_declined: Text
    enrolled: Text
    re_enrolled: Text
    retry: Text
    old_question: Text
    already_answered: Text
    rhythm_question: Text
    rhythm_morning_title: Title
    rhythm_afternoon_title: Title
    rhythm_evening_title: Title
    rhythm_on_demand_title: Title
    rhythm_daily: Text
    rhythm_on_demand: Text
    hour_outside: Text
    next_daily: Text
    next_on_demand: Text
    finished: Text
    progress: Text
    progress_quiz: Text
    progress_paused: Text
    progress_finished: Text
    paused: Text
    resumed: Text
    not_paused: Text
    switch_question: Text
    no_other_course: Text
    leave_question: Text
    leave_yes_title: Title
    leave_no_title: Title
    left: Text
    kept: Text
    not_enrolled: Text
    last_lesson: Text
    ready_later: Text
    already_finished: Text

    @model_validator(mode="after")
    def _checked(self) -> LessonWords:
        problems = []
        for name in type(self).model_fields:
            text: str = getattr(self, name)
            lost = sorted({c for c in text if not c.isspace() and not fold_to_gsm7(c)})
            if lost:
                problems.append(f"{name}: characters an SMS cannot carry: {lost}")
            found, wanted = placeholders(text), PLACEHOLDERS.get(name, frozenset())
            if found != wanted:
                problems.append(f"{name}: placeholders {sorted(found)}; it must use exactly {sorted(wanted)}")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def consent_version(self, organisation: str, contact: str) -> str:
        """What the proof records: the SHA-256 of the question exactly as shown, with its answers."""
        shown = "\n".join(
            [
                self.consent_question.format(organisation=organisation, contact=contact),
                self.consent_accept_title,
                self.consent_decline_title,
            ]
        )
        return hashlib.sha256(shown.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Lessons:
    """The courses (data/lessons/*.yml) and the words around them (data/lesson_words.yml)."""

    courses: Courses
    words: LessonWords


def load_lesson_words(path: Path) -> LessonWords:
    return LessonWords.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def load_lessons(data_dir: Path) -> Lessons:
    """Both, validated: a broken course file or words file raises (the process does not start)."""
    return Lessons(courses=load_courses(data_dir), words=load_lesson_words(data_dir / WORDS_FILE))
