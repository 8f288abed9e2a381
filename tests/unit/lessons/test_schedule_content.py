"""The scheduler's words (data/lesson_schedule.yml) and the "su lección está lista" template
(data/whatsapp_templates.yml): validated at start, one SMS each, the template's shape checked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from bot.gsm7 import fold_to_gsm7, sms_size
from bot.lessons.content import load_courses
from bot.lessons.delivery import READY_PAYLOAD
from bot.lessons.schedule_content import (
    SCHEDULE_FILE,
    LessonSchedule,
    load_lesson_schedule,
    load_lesson_scheduling,
    ready_message,
    ready_template,
)
from bot.rasa_client import BotReply, Button
from bot.rendering import render_turn
from bot.templates import WhatsAppTemplates, load_templates

DATA = Path(__file__).resolve().parents[3] / "data"
TEMPLATES = load_templates(DATA / "whatsapp_templates.yml")
SCHEDULE = load_lesson_schedule(DATA)
COURSES = load_courses(DATA)


def test_the_shipped_file_loads_with_a_three_day_nudge() -> None:
    scheduling = load_lesson_scheduling(DATA, TEMPLATES)
    assert scheduling.schedule.nudge_after_days == 3
    assert len(scheduling.courses) >= 3


@pytest.mark.parametrize("awaiting", ["quiz", "ready"])
def test_every_nudge_is_one_gsm7_segment_for_every_course(awaiting: str) -> None:
    for course in COURSES:
        text = SCHEDULE.nudge_text(awaiting=awaiting, course_title=course.title, channel="sms")
        assert text == fold_to_gsm7(text)
        size = sms_size(text)
        assert (size.encoding, size.segments) == ("GSM-7", 1), text
        assert course.title in SCHEDULE.nudge_text(
            awaiting=awaiting, course_title=course.title, channel="whatsapp"
        )


def test_the_quiz_nudge_says_it_paused_and_how_to_go_on() -> None:
    text = SCHEDULE.nudge_text(awaiting="quiz", course_title="Cuentas claras", channel="whatsapp")
    assert "Cuentas claras" in text and "Pausamos" in text and "SEGUIR" in text


def _schedule(**changes: Any) -> dict[str, Any]:
    data = yaml.safe_load((DATA / SCHEDULE_FILE).read_text(encoding="utf-8"))
    return {**data, **changes}


@pytest.mark.parametrize(
    ("label", "changes", "reason"),
    [
        ("two SMS with a 20-character title", {"nudge_quiz": "Hola " * 30 + "{curso}"}, "SMS segments"),
        ("an unknown placeholder", {"nudge_ready": "Hola {nombre}, su lección de {curso}."}, "placeholders"),
        ("an emoji", {"nudge_quiz": "Hola 😀 su lección de {curso}."}, "cannot carry"),
        ("no days", {"nudge_after_days": 0}, "greater than or equal"),
        ("a misspelt key", {"nudge_aftr_days": 3}, "Extra inputs"),
    ],
)
def test_a_broken_schedule_file_is_refused(label: str, changes: dict[str, Any], reason: str) -> None:
    with pytest.raises(ValidationError, match=reason):
        LessonSchedule.model_validate(_schedule(**changes))


def test_the_ready_template_is_a_business_initiated_quick_reply_with_the_ready_button() -> None:
    template = ready_template(SCHEDULE, TEMPLATES)
    assert template.kind == "quick-reply" and template.business_initiated
    assert template.payloads == (READY_PAYLOAD,)
    assert all(len(button.title) <= 20 for button in template.buttons)  # WhatsApp cuts at 20


def test_the_ready_message_names_the_person_and_the_course() -> None:
    message = ready_message(SCHEDULE, TEMPLATES, course_title="Cuentas claras", profile_name="Ana María")
    assert message.body == "Hola Ana, su lección de Cuentas claras está lista. ¿Se la enviamos?"
    assert message.content_variables == {"1": "Ana", "2": "Cuentas claras"}
    assert message.content_sid.startswith("HX")
    nameless = ready_message(SCHEDULE, TEMPLATES, course_title="Vender más", profile_name=None)
    assert nameless.content_variables == {"1": "emprendedor(a)", "2": "Vender más"}


def _templates_without(name: str, **replace: Any) -> WhatsAppTemplates:
    data = yaml.safe_load((DATA / "whatsapp_templates.yml").read_text(encoding="utf-8"))
    templates = [t for t in data["templates"] if t["name"] != name]
    if replace:
        [original] = [t for t in data["templates"] if t["name"] == name]
        templates.append({**original, **replace})
    return WhatsAppTemplates.model_validate({"templates": templates})


@pytest.mark.parametrize(
    ("label", "templates", "reason"),
    [
        ("missing", _templates_without("leccion_lista"), "business-initiated quick-reply"),
        ("not business-initiated", _templates_without("leccion_lista", business_initiated=False),
         "business-initiated quick-reply"),
        ("another button", _templates_without("leccion_lista", buttons=[{"title": "Sí", "payload": "/affirm2"}]),
         "/lesson_ready"),
        ("an unknown variable", _templates_without(
            "leccion_lista", body="Hola {{1}}, {{2}}", variables=[{"name": "persona"}, {"name": "monto"}]),
         "variables"),
    ],
)  # fmt: skip
def test_a_wrong_ready_template_stops_the_start(
    label: str, templates: WhatsAppTemplates, reason: str
) -> None:
    with pytest.raises(ValueError, match=reason):
        load_lesson_scheduling(DATA, templates)


def test_a_template_with_its_own_body_is_never_used_for_a_bot_turn() -> None:
    """A turn ending with the ready button renders as text: the template's {{2}} is not the turn's."""
    replies = [BotReply(text="¿Seguimos?", buttons=(Button("Sí, envíela", READY_PAYLOAD),))]
    [part] = render_turn(replies, "whatsapp", sms_segment_budget=2, templates=TEMPLATES).parts
    assert part.content_sid is None


@pytest.mark.parametrize(
    "template",
    [
        {"name": "x", "kind": "quick-reply", "content_sid": "HX" + "b" * 32, "body": "Hola {{1}}",
         "buttons": [{"title": "a", "payload": "/i"}]},  # a variable the body uses but does not name
        {"name": "x", "kind": "quick-reply", "content_sid": "HX" + "b" * 32, "variables": [{"name": "a"}],
         "buttons": [{"title": "a", "payload": "/i"}]},  # variables without a body
        {"name": "x", "kind": "list-picker", "content_sid": "HX" + "b" * 32, "body": "Hola",
         "buttons": [{"title": "a", "payload": "/i"}]},  # a list picker has no body
    ],
)  # fmt: skip
def test_template_bodies_are_checked(template: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        WhatsAppTemplates.model_validate({"templates": [template]})
