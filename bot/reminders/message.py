"""What one repayment reminder says on each channel. Pure.

SMS: the step's text folded to GSM-7 (one segment: checked at start). WhatsApp inside the 24 h window:
the step's free text. WhatsApp outside it: the business-initiated template (ContentSid + variables),
whose text is stored as the row's body (what the person reads).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.reminders.policy import ReminderPolicy, Step, reminder_template
from bot.reminders.words import format_amount, format_due_date
from bot.templates import WhatsAppTemplates


@dataclass(frozen=True, slots=True)
class ReminderMessage:
    body: str
    content_sid: str | None = None
    content_variables: dict[str, str] | None = None


def reminder_message(
    policy: ReminderPolicy,
    templates: WhatsAppTemplates,
    step: Step,
    *,
    channel: str,
    window_open: bool,
    amount: int,
    due_on: date,
    profile_name: str | None,
) -> ReminderMessage:
    if channel == "sms":
        return ReminderMessage(step.sms_text(amount=amount, due_on=due_on))
    if window_open:
        return ReminderMessage(step.whatsapp_text(amount=amount, due_on=due_on))
    template = reminder_template(policy, templates)
    first_name = (profile_name or "").strip().split(" ")[0] or None
    variables = template.content_variables(
        {"persona": first_name, "monto": format_amount(amount), "fecha": format_due_date(due_on)}
    )
    return ReminderMessage(template.text_for(variables), template.content_sid, variables)
