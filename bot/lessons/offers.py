"""When a course is offered, and with which words (data/lesson_offers.yml), validated at start.

Two moments (issue 13): after a "not yet" pre-qualification, the rule that decided it maps to the
course that helps (``after_prequal``; a rule no course helps with is not listed); after "no puedo
pagar" from a borrower reminded of an instalment in the last ``reminded_within_days`` days
(``after_cannot_pay``). The offer is one sentence and one button whose payload enrols the person
(``bot.lessons.delivery.enrol_payload``); on SMS the renderer makes it "1. Ver el curso".

``load_lesson_offers`` checks the file against the courses of data/lessons/ and the rules of
data/prequal_rules.yml: an unknown id, a course offered without its sentence, or a sentence that does
not fit one SMS segment with its button stops the start. Pure: no database, nothing at import.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Annotated, Any, Final

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator

from bot.lessons.content import BUTTON_TITLE_MAX, Courses
from bot.lessons.delivery import enrol_payload
from bot.lessons.sizes import over_budget
from bot.menus import numbered_menu
from bot.rasa_client import BotReply, Button

OFFERS_FILE: Final = "lesson_offers.yml"
OFFER_SEGMENTS: Final = 1  # the sentence with its numbered button, on SMS

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=10)]


class AfterCannotPay(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    course: str
    reminded_within_days: int = Field(ge=1, le=90)


class LessonOffers(BaseModel):
    """The offers; ``course_after_prequal`` and ``replies`` are what the gateway asks."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    button: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=2, max_length=BUTTON_TITLE_MAX)
    ]
    after_prequal: dict[str, str]  # rule id -> course id
    after_cannot_pay: AfterCannotPay | None = None
    offers: dict[str, Text]  # course id -> the sentence that offers it

    @model_validator(mode="after")
    def _every_offer_said_and_short(self) -> LessonOffers:
        offered = set(self.after_prequal.values())
        if self.after_cannot_pay is not None:
            offered.add(self.after_cannot_pay.course)
        if missing := sorted(offered - set(self.offers)):
            raise ValueError(f"offers: no sentence for {', '.join(missing)}")
        for course_id, text in self.offers.items():
            if "{" in text or "}" in text:
                raise ValueError(f"offers.{course_id}: no placeholders here; write the course's name")
            sms = f"{text}\n{numbered_menu([Button(title=self.button, payload='')])}"
            if problem := over_budget(f"offers.{course_id} with its button", sms, OFFER_SEGMENTS):
                raise ValueError(problem)
        return self

    def course_after_prequal(self, rule_id: str | None) -> str | None:
        """The course a "not yet" decided by ``rule_id`` suggests, or ``None``."""
        return self.after_prequal.get(rule_id) if rule_id else None

    def replies(self, course_id: str) -> list[BotReply]:
        """The offer: its sentence with the button that enrols in the course."""
        button = Button(title=self.button, payload=enrol_payload(course_id))
        return [BotReply(text=self.offers[course_id], buttons=(button,))]


class LessonOffersError(ValueError):
    """data/lesson_offers.yml cannot be used; the message says where and why."""


def check_ids(offers: LessonOffers, *, course_ids: Iterable[str], rule_ids: Iterable[str]) -> list[str]:
    """Every id the file names that is not a course of data/lessons/ or a pre-qualification rule."""
    courses, rules = set(course_ids), set(rule_ids)
    named: list[tuple[str, str]] = [
        (f"after_prequal.{rule}", course) for rule, course in offers.after_prequal.items()
    ]
    if offers.after_cannot_pay is not None:
        named.append(("after_cannot_pay.course", offers.after_cannot_pay.course))
    named += [(f"offers.{course}", course) for course in offers.offers]
    return [
        *(
            f"after_prequal: {rule!r} is not a rule of prequal_rules.yml"
            for rule in offers.after_prequal
            if rule not in rules
        ),
        *(
            f"{where}: {course!r} is not a course of data/lessons/"
            for where, course in named
            if course not in courses
        ),
    ]


def load_lesson_offers(data_dir: Path, *, courses: Courses, rule_ids: Iterable[str]) -> LessonOffers:
    path = data_dir / OFFERS_FILE
    try:
        raw: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
        offers = LessonOffers.model_validate(raw if isinstance(raw, Mapping) else {})
    except yaml.YAMLError as error:
        raise LessonOffersError(f"{path}: not valid YAML: {error}") from None
    except ValidationError as error:
        reasons = (
            f"{'.'.join(map(str, problem['loc'])) or 'file'}: "
            + str(problem["msg"]).removeprefix("Value error, ")
            for problem in error.errors(include_url=False)
        )
        raise LessonOffersError("\n".join(f"{path}: {reason}" for reason in reasons)) from None
    if problems := check_ids(offers, course_ids=[course.id for course in courses], rule_ids=rule_ids):
        raise LessonOffersError("\n".join(f"{path}: {problem}" for problem in problems))
    return offers


def deciding_rule(evaluation: Mapping[str, Any]) -> str | None:
    """The rule that decided a stored "not yet" evaluation (``Evaluation.to_dict()``): its decision,
    else the first rule that failed; ``None`` for a pre-qualified one."""
    if evaluation.get("outcome") != "not_yet":
        return None
    decision = evaluation.get("decision")
    if isinstance(decision, Mapping) and isinstance(decision.get("rule_id"), str):
        return str(decision["rule_id"])
    rules = evaluation.get("rules")
    failed = (
        rule.get("rule_id")
        for rule in (rules if isinstance(rules, list) else [])
        if isinstance(rule, Mapping) and rule.get("passed") is False
    )
    first = next(failed, None)
    return first if isinstance(first, str) else None
