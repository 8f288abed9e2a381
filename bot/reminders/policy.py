"""The repayment reminder policy (data/repayment_reminders.yml), validated once at start.

Which steps go (days from the due date), at what local time, what each says on SMS and WhatsApp, the
template for outside the WhatsApp window, the consent purpose a person must have accepted and how long
a "ya pagué" pauses an instalment's reminders. :func:`check_policy` checks it against the other data
files (the template, the consent purposes) and that every SMS fits one GSM-7 segment with the longest
amount and date.
"""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bot.consent import ConsentText
from bot.gsm7 import fold_to_gsm7, sms_size
from bot.reminders.words import format_amount, format_due_date
from bot.templates import ContentTemplate, WhatsAppTemplates

POLICY_FILE = "repayment_reminders.yml"
TEMPLATE_VARIABLES = ("persona", "monto", "fecha")
# The longest realistic amount and the longest Spanish date: every SMS must fit one segment with them.
LONGEST_AMOUNT = 9_999_000
LONGEST_DATE = date(2026, 9, 30)  # "miércoles 30 de septiembre"
_PLACEHOLDERS = ("{monto}", "{fecha}")


class Step(BaseModel):
    """One reminder of an instalment: ``days`` from its due date (negative: before)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9_]+$", max_length=24)
    days: int = Field(ge=-30, le=60)
    sms: str = Field(min_length=10)
    whatsapp: str = Field(min_length=10, max_length=1024)
    opens_ticket: bool = False

    @field_validator("sms", "whatsapp")
    @classmethod
    def _placeholders(cls, text: str) -> str:
        missing = [name for name in _PLACEHOLDERS if name not in text]
        if missing:
            raise ValueError(f"the text must say {missing}")
        try:
            text.format(monto="x", fecha="y")
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError(f"only {{monto}} and {{fecha}} may be filled in: {exc}") from exc
        return text

    def sms_text(self, *, amount: int, due_on: date) -> str:
        """The SMS as sent: filled in and folded to GSM-7."""
        return fold_to_gsm7(self.sms.format(monto=format_amount(amount), fecha=format_due_date(due_on)))

    def whatsapp_text(self, *, amount: int, due_on: date) -> str:
        return self.whatsapp.format(monto=format_amount(amount), fecha=format_due_date(due_on))


class ReminderPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    steps: tuple[Step, ...] = Field(min_length=1, max_length=8)
    last_step_days: int = Field(ge=1, le=60)
    send_time: time
    template: str = Field(min_length=1)
    consent_purpose: str = Field(min_length=1)
    pause_days_after_claim: int = Field(ge=0, le=30)

    @model_validator(mode="after")
    def _ordered(self) -> ReminderPolicy:
        ids = [step.id for step in self.steps]
        if len(set(ids)) != len(ids):
            raise ValueError("step ids must be unique")
        days = [step.days for step in self.steps]
        if days != sorted(set(days)):
            raise ValueError("steps go in order of their days, one step a day")
        for step in self.steps:
            size = sms_size(step.sms_text(amount=LONGEST_AMOUNT, due_on=LONGEST_DATE))
            if size.encoding != "GSM-7" or size.segments != 1:
                raise ValueError(
                    f"{step.id}: the SMS must fit one GSM-7 segment with the longest amount and date "
                    f"({size.units} characters, {size.encoding})"
                )
        return self

    def step(self, step_id: str) -> Step | None:
        return next((step for step in self.steps if step.id == step_id), None)

    def following(self, step_id: str) -> Step | None:
        """The step after ``step_id`` (``None`` for the last one)."""
        ids = [step.id for step in self.steps]
        index = ids.index(step_id)
        return self.steps[index + 1] if index + 1 < len(self.steps) else None


def load_policy(path: Path) -> ReminderPolicy:
    return ReminderPolicy.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")) or {})


def check_policy(policy: ReminderPolicy, *, templates: WhatsAppTemplates, consent: ConsentText) -> None:
    """At start-up: the template may open a conversation and takes our variables; the consent text
    names the purpose (else no one could ever have accepted it)."""
    reminder_template(policy, templates)
    if policy.consent_purpose not in consent.purposes:
        raise ValueError(
            f"repayment reminders: consent purpose {policy.consent_purpose!r} is not in data/consent.yml"
        )


def reminder_template(policy: ReminderPolicy, templates: WhatsAppTemplates) -> ContentTemplate:
    template = templates.by_name(policy.template)
    if template is None or template.kind != "text" or not template.business_initiated:
        raise ValueError(
            f"repayment reminders: {policy.template!r} must be a business-initiated text template "
            "in data/whatsapp_templates.yml"
        )
    names = tuple(variable.name for variable in template.variables)
    if set(names) - set(TEMPLATE_VARIABLES) or not {"monto", "fecha"} <= set(names):
        raise ValueError(f"repayment reminders: template variables {names}; known: {TEMPLATE_VARIABLES}")
    return template
