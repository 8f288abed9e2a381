"""The reminder for missing documents (issue 11): when it is due and what it says. Pure functions.

A request that is "collecting" gets a reminder ``after_hours`` (data/documents.yml ``reminders``, 48 h)
after it opened or after the person's last file, at most ``max_reminders`` times, always at a moment the
contact hours allow (``bot.contact_hours``). The gateway calls :func:`schedule_reminder` when it opens a
request and whenever a file arrives (the clock restarts); the worker's periodic job
(``bot.documents.reminder_job``) sends the due ones and schedules the next.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.contact_hours import ContactHours
from bot.db.models import DocumentRequest
from bot.documents.content import DocumentReminders
from bot.gsm7 import fold_to_gsm7
from bot.templates import ContentTemplate, WhatsAppTemplates

REMINDER_PURPOSE = "document_reminder"  # Message.purpose: proactive, so it waits for contact hours
# An SMS user who chose one of these ways (bot/db/models.py DocumentRequest.sms_route) gets no reminder.
NO_REMINDER_ROUTES = frozenset({"office", "call"})
TEMPLATE_VARIABLES = ("persona", "faltan", "documento")


def next_reminder_at(
    sent: int, after: datetime, *, hours: ContactHours, reminders: DocumentReminders
) -> datetime | None:
    """When reminder number ``sent + 1`` is due, counted from ``after``: ``after_hours`` later, moved to
    the next moment the contact hours allow. ``None`` once ``max_reminders`` went out."""
    if sent >= reminders.max_reminders:
        return None
    return hours.next_open(after + timedelta(hours=reminders.after_hours))


def schedule_reminder(
    request: DocumentRequest, now: datetime, *, hours: ContactHours, reminders: DocumentReminders
) -> datetime | None:
    """(Re)start the request's reminder clock at ``now`` (the request opened, or a file arrived).

    Sets and returns ``request.next_reminder_at``; ``None`` (no reminder) when the request is not
    collecting or already had its reminders. The caller commits.
    """
    due = None
    if request.status in (None, "collecting"):  # None: a new row before its default applies
        due = next_reminder_at(request.reminders_sent or 0, now, hours=hours, reminders=reminders)
    request.next_reminder_at = due
    return due


@dataclass(frozen=True, slots=True)
class ReminderMessage:
    """What goes out: ``body`` (free text, or the template's text as the person reads it) and, for a
    template, its ``content_sid`` and ``content_variables``."""

    body: str
    content_sid: str | None = None
    content_variables: dict[str, str] | None = None


def reminder_message(
    reminders: DocumentReminders,
    templates: WhatsAppTemplates,
    *,
    channel: str,
    window_open: bool,
    missing: int,
    next_title: str,
    profile_name: str | None,
) -> ReminderMessage:
    """The reminder for one request: SMS text (GSM-7), WhatsApp text inside the 24 h window, else the
    business-initiated template."""
    if channel == "sms":
        return ReminderMessage(fold_to_gsm7(reminders.sms.format(missing=missing, item=next_title)))
    if window_open:
        return ReminderMessage(reminders.whatsapp.format(missing=missing, item=next_title))
    template = _template(reminders, templates)
    first_name = (profile_name or "").strip().split(" ")[0] if (profile_name or "").strip() else None
    variables = template.content_variables(
        {"persona": first_name, "faltan": str(missing), "documento": next_title}
    )
    return ReminderMessage(template.text_for(variables), template.content_sid, variables)


def check_reminder_template(reminders: DocumentReminders, templates: WhatsAppTemplates) -> None:
    """At start-up: the reminder's template exists, may open a conversation and takes our variables."""
    _template(reminders, templates)


def _template(reminders: DocumentReminders, templates: WhatsAppTemplates) -> ContentTemplate:
    template = templates.by_name(reminders.template)
    if template is None or template.kind != "text" or not template.business_initiated:
        raise ValueError(
            f"documents reminder: {reminders.template!r} must be a business-initiated text template "
            "in data/whatsapp_templates.yml"
        )
    names = tuple(variable.name for variable in template.variables)
    if set(names) - set(TEMPLATE_VARIABLES) or "faltan" not in names:
        raise ValueError(f"documents reminder: template variables {names}; known: {TEMPLATE_VARIABLES}")
    return template
