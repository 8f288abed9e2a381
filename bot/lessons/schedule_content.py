"""The scheduler's words and policy (data/lesson_schedule.yml), validated at start, and what each of
its proactive messages says on each channel. Pure.

Every text must fit one SMS segment after GSM-7 folding with the longest course title a course file
may have (``BUTTON_TITLE_MAX``), and may use only ``{curso}``. The ready template (outside the
WhatsApp window) must be a business-initiated quick-reply in data/whatsapp_templates.yml with a body
whose variables are ``persona`` and ``curso`` and the button ``READY_PAYLOAD``: checked at start, as
the reminders check theirs.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.gsm7 import fold_to_gsm7
from bot.lessons.content import BUTTON_TITLE_MAX, Courses, load_courses
from bot.lessons.delivery import READY_PAYLOAD
from bot.lessons.sizes import over_budget
from bot.templates import ContentTemplate, WhatsAppTemplates

SCHEDULE_FILE: Final = "lesson_schedule.yml"
TEMPLATE_VARIABLES: Final = ("persona", "curso")
_PLACEHOLDERS: Final = frozenset({"curso"})


class LessonSchedule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    nudge_after_days: int = Field(ge=1, le=30)
    nudge_quiz: str = Field(min_length=1)
    nudge_ready: str = Field(min_length=1)
    ready_template: str = Field(min_length=1)

    @field_validator("nudge_quiz", "nudge_ready")
    @classmethod
    def _one_sms(cls, text: str) -> str:
        text = " ".join(text.split())
        names = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
        if names - _PLACEHOLDERS:
            raise ValueError(f"unknown placeholders {sorted(names - _PLACEHOLDERS)}; known: {{curso}}")
        lost = sorted({c for c in text if not c.isspace() and not fold_to_gsm7(c)})
        if lost:
            raise ValueError(f"characters an SMS cannot carry: {lost}")
        problem = over_budget("the text with a 20-character course title", _longest(text), 1)
        if problem:
            raise ValueError(problem)
        return text

    def nudge_text(self, *, awaiting: str, course_title: str, channel: str) -> str:
        """The nudge for an enrolment awaiting ``quiz`` or ``ready``; folded to GSM-7 on SMS."""
        words = self.nudge_ready if awaiting == "ready" else self.nudge_quiz
        text = words.format(curso=course_title)
        return fold_to_gsm7(text) if channel == "sms" else text


def _longest(text: str) -> str:
    return text.format(curso="M" * BUTTON_TITLE_MAX)


def load_lesson_schedule(data_dir: Path) -> LessonSchedule:
    data = yaml.safe_load((data_dir / SCHEDULE_FILE).read_text(encoding="utf-8")) or {}
    return LessonSchedule.model_validate(data)


@dataclass(frozen=True, slots=True)
class ReadyMessage:
    """The template row: ``body`` is what the person reads; ``content_sid`` and its variables go to
    Twilio."""

    body: str
    content_sid: str
    content_variables: dict[str, str]


def ready_template(schedule: LessonSchedule, templates: WhatsAppTemplates) -> ContentTemplate:
    """The "su lección está lista" template, or ``ValueError`` saying what is wrong with it."""
    template = templates.by_name(schedule.ready_template)
    where = f"lessons: {schedule.ready_template!r} in data/whatsapp_templates.yml"
    if template is None or template.kind != "quick-reply" or not template.business_initiated:
        raise ValueError(f"{where} must be a business-initiated quick-reply template")
    names = tuple(variable.name for variable in template.variables)
    if template.body is None or set(names) - set(TEMPLATE_VARIABLES) or "curso" not in names:
        raise ValueError(f"{where}: a body whose variables are among {TEMPLATE_VARIABLES}, with curso")
    if READY_PAYLOAD not in template.payloads:
        raise ValueError(f"{where}: a button with the payload {READY_PAYLOAD}")
    return template


def ready_message(
    schedule: LessonSchedule, templates: WhatsAppTemplates, *, course_title: str, profile_name: str | None
) -> ReadyMessage:
    """The template that asks, outside the WhatsApp window, whether to send the lesson now."""
    template = ready_template(schedule, templates)
    first_name = (profile_name or "").strip().split(" ")[0] or None
    variables = template.content_variables({"persona": first_name, "curso": course_title})
    return ReadyMessage(template.text_for(variables), template.content_sid, variables)


@dataclass(frozen=True, slots=True)
class LessonScheduling:
    """What the scheduler needs, loaded once at the worker's start: the courses and its own words."""

    courses: Courses
    schedule: LessonSchedule


def load_lesson_scheduling(
    data_dir: Path, templates: WhatsAppTemplates, courses: Courses | None = None
) -> LessonScheduling:
    """At start-up: a broken course file, schedule file or ready template stops the worker.
    ``courses``: the ones the runtime loaded (``runtime.lessons.courses``); read from ``data_dir``
    when not given (tests of the schedule alone)."""
    courses = load_courses(data_dir) if courses is None else courses
    schedule = load_lesson_schedule(data_dir)
    ready_template(schedule, templates)
    return LessonScheduling(courses, schedule)
