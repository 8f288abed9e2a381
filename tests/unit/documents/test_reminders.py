"""The reminder for missing documents as pure functions: when it is due (48 h, moved into the contact
hours, at most twice) and what it says on SMS, on WhatsApp inside the 24 h window and outside it."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from bot.contact_hours import CONTACT_HOURS_FILE, load_contact_hours
from bot.db.models import DocumentRequest
from bot.documents.content import load_documents
from bot.documents.reminders import check_reminder_template, reminder_message, schedule_reminder
from bot.gsm7 import fold_to_gsm7, sms_size
from bot.templates import load_templates
from tests.unit.documents.test_content import _broken
from tests.unit.test_contact_hours import bogota

DATA = Path(__file__).resolve().parents[3] / "data"
HOURS = load_contact_hours(DATA / CONTACT_HOURS_FILE)
DOCUMENTS = load_documents(DATA)
REMINDERS = DOCUMENTS.reminders
TEMPLATES = load_templates(DATA / "whatsapp_templates.yml")


@pytest.mark.parametrize(
    ("label", "opened", "due"),
    [
        ("Monday morning: Wednesday morning", "2026-11-30 10:00", "2026-12-02 10:00"),
        ("Thursday 15:30: Saturday 15:30 is closed, Monday 07:00", "2026-12-03 15:30", "2026-12-07 07:00"),
        ("Friday: Sunday is never, Monday 07:00", "2026-12-04 10:00", "2026-12-07 07:00"),
        ("Thursday 18:30: Saturday 18:30 is closed", "2026-12-03 18:30", "2026-12-07 07:00"),
        ("Thursday 09:00: Saturday 09:00 is open", "2026-12-03 09:00", "2026-12-05 09:00"),
        ("Saturday before a Monday holiday: Tuesday", "2026-11-14 10:00", "2026-11-17 07:00"),
        ("Sunday 05:00: Tuesday 05:00 is too early", "2026-12-06 05:00", "2026-12-09 07:00"),
        ("30 December: 1 January is a holiday", "2026-12-30 20:00", "2027-01-02 08:00"),
    ],
)  # fmt: skip
def test_the_reminder_is_due_48_hours_later_at_a_lawful_moment(label: str, opened: str, due: str) -> None:
    request = DocumentRequest(status="collecting", reminders_sent=0)
    assert schedule_reminder(request, bogota(opened), hours=HOURS, reminders=REMINDERS) == bogota(due), label
    assert request.next_reminder_at == bogota(due)


@pytest.mark.parametrize(
    ("status", "sent", "scheduled"),
    [("collecting", 0, True), ("collecting", 1, True), ("collecting", 2, False), ("complete", 0, False),
     ("closed", 0, False), (None, None, True)],
)  # fmt: skip
def test_no_reminder_after_two_or_for_a_request_that_is_not_collecting(
    status: str | None, sent: int | None, scheduled: bool
) -> None:
    request = DocumentRequest(status=status, reminders_sent=sent, next_reminder_at=bogota("2026-12-01 10:00"))
    due = schedule_reminder(request, bogota("2026-11-30 10:00"), hours=HOURS, reminders=REMINDERS)
    assert (due is not None) is scheduled
    assert request.next_reminder_at == due


def test_a_new_file_restarts_the_clock() -> None:
    request = DocumentRequest(status="collecting", reminders_sent=1)
    schedule_reminder(request, bogota("2026-11-30 10:00"), hours=HOURS, reminders=REMINDERS)
    schedule_reminder(request, bogota("2026-12-01 16:00"), hours=HOURS, reminders=REMINDERS)
    assert request.next_reminder_at == bogota("2026-12-03 16:00")


def _message(channel: str, window_open: bool, missing: int = 3, name: str | None = "Ana María") -> Any:
    return reminder_message(
        REMINDERS, TEMPLATES, channel=channel, window_open=window_open, missing=missing,
        next_title="Recibo de servicios", profile_name=name,
    )  # fmt: skip


def test_sms_reminder_is_one_gsm7_segment_and_says_how_to_go_on() -> None:
    message = _message("sms", window_open=True)
    assert message.content_sid is None
    assert "Documentos que faltan: 3." in message.body
    assert "¿qué me falta?" in message.body  # what the dialogue answers from the checklist
    assert message.body == fold_to_gsm7(message.body)


def test_whatsapp_inside_the_window_is_free_text_naming_the_next_document() -> None:
    message = _message("whatsapp", window_open=True)
    assert message.content_sid is None
    assert "Documentos que faltan: 3. El siguiente: Recibo de servicios." in message.body


def test_whatsapp_outside_the_window_is_the_business_initiated_template() -> None:
    message = _message("whatsapp", window_open=False)
    template = TEMPLATES.by_name("recordar_documentos")
    assert template is not None and template.business_initiated
    assert message.content_sid == template.content_sid
    assert message.content_variables == {"1": "Ana", "2": "3", "3": "Recibo de servicios"}
    assert message.body == (
        "Hola Ana, su solicitud de crédito sigue abierta. Documentos que faltan: 3. "
        "El siguiente: Recibo de servicios. Envíelo por aquí cuando pueda."
    )
    assert _message("whatsapp", window_open=False, name=None).content_variables["1"] == "emprendedor(a)"


@pytest.mark.parametrize("item", DOCUMENTS.items, ids=lambda item: item.id)
def test_every_reminder_fits_one_sms_with_any_item(item: Any) -> None:
    for text in (REMINDERS.sms, REMINDERS.whatsapp):
        size = sms_size(fold_to_gsm7(text.format(missing=10, item=item.title)))
        assert (size.encoding, size.segments) == ("GSM-7", 1), (text, size)


BROKEN = [
    ("no count", lambda d: d["reminders"].update(sms="Le faltan documentos."), "missing"),
    ("an unknown placeholder", lambda d: d["reminders"].update(sms="Hola {nombre}, faltan {missing}."),
     "placeholders"),
    ("a third reminder is too many days", lambda d: d["reminders"].update(after_hours=2), "after_hours"),
    ("no reminders section", lambda d: d.pop("reminders"), "reminders"),
]  # fmt: skip


@pytest.mark.parametrize(("label", "change", "message"), BROKEN, ids=[case[0] for case in BROKEN])
def test_a_broken_reminder_stops_the_load(tmp_path: Path, label: str, change: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        load_documents(_broken(tmp_path, change))


def test_the_template_must_exist_and_open_a_conversation() -> None:
    check_reminder_template(REMINDERS, TEMPLATES)
    with pytest.raises(ValueError, match="business-initiated"):
        check_reminder_template(REMINDERS.model_copy(update={"template": "si_no"}), TEMPLATES)
    with pytest.raises(ValueError, match="business-initiated"):
        check_reminder_template(REMINDERS.model_copy(update={"template": "no_existe"}), TEMPLATES)
    with pytest.raises(ValueError, match="variables"):  # a template that takes other variables
        check_reminder_template(REMINDERS.model_copy(update={"template": "retomar_conversacion"}), TEMPLATES)


def test_datetimes_are_aware() -> None:
    request = DocumentRequest(status="collecting", reminders_sent=0)
    due = schedule_reminder(request, bogota("2026-11-30 10:00"), hours=HOURS, reminders=REMINDERS)
    assert isinstance(due, datetime) and due.tzinfo is not None
