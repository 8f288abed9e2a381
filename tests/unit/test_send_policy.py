"""The one send policy: opt-out, the WhatsApp 24 h window and the contact hours (Ley 2300 de 2023)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.contact_hours import CONTACT_HOURS_FILE, load_contact_hours
from bot.db.models import Contact
from bot.send_policy import OUTSIDE_CONTACT_HOURS, SendDecision, may_send
from bot.worker import backoff_s
from tests.unit.test_contact_hours import DATA, bogota

HOURS = load_contact_hours(DATA / CONTACT_HOURS_FILE)
NOW = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)  # a Sunday: replies only


def may_send_now(contact: Contact, **kwargs: object) -> SendDecision:
    return may_send(contact, hours=HOURS, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("channel", "last_whatsapp", "opted_out", "template", "allowed"),
    [
        ("sms", None, False, False, True),
        ("sms", None, True, False, False),
        ("whatsapp", NOW - timedelta(hours=1), False, False, True),
        ("whatsapp", NOW - timedelta(hours=23, minutes=59), False, False, True),
        ("whatsapp", NOW - timedelta(hours=24, minutes=1), False, False, False),
        ("whatsapp", None, False, False, False),
        ("whatsapp", None, False, True, True),
        ("whatsapp", NOW - timedelta(hours=1), True, True, False),
    ],
)
def test_may_send(
    channel: str, last_whatsapp: datetime | None, opted_out: bool, template: bool, allowed: bool
) -> None:
    contact = Contact(
        phone_e164="+573001234567",
        last_whatsapp_inbound_at=last_whatsapp,
        opted_out_at=NOW if opted_out else None,
    )
    decision = may_send_now(contact, channel=channel, now=NOW, is_template=template)
    assert decision.allowed is allowed
    assert (decision.reason is None) is allowed


def test_backoff_grows_and_is_capped() -> None:
    delays = [backoff_s(n) for n in range(1, 12)]
    assert delays[:4] == [0.5, 1.0, 2.0, 4.0]
    assert max(delays) == 30.0 and delays == sorted(delays)


def test_keyword_answers_reach_an_opted_out_contact_and_nothing_else() -> None:
    contact = Contact(phone_e164="+573001234567", opted_out_at=NOW)
    for purpose, allowed in [
        ("opt_out_confirmation", True),
        ("help", True),
        ("reply", False),
        ("opt_in_confirmation", False),
    ]:
        assert may_send_now(contact, channel="sms", now=NOW, purpose=purpose).allowed is allowed, purpose


def test_63016_closes_the_window_until_the_contact_writes_again() -> None:
    contact = Contact(
        phone_e164="+573001234567",
        last_whatsapp_inbound_at=NOW - timedelta(hours=2),
        whatsapp_window_closed_at=NOW - timedelta(hours=1),
    )
    assert not may_send_now(contact, channel="whatsapp", now=NOW).allowed
    assert may_send_now(contact, channel="whatsapp", now=NOW, is_template=True).allowed
    contact.last_whatsapp_inbound_at = NOW - timedelta(minutes=5)
    assert may_send_now(contact, channel="whatsapp", now=NOW).allowed


SUNDAY_NIGHT = bogota("2026-12-06 21:00")
MONDAY_SEVEN = bogota("2026-12-07 07:00")


@pytest.mark.parametrize(
    ("purpose", "last_inbound", "deferred"),
    [
        ("reply", None, False),
        ("opt_in_confirmation", None, False),
        ("help", None, False),
        ("failure_apology", None, False),
        ("consultant_reply", timedelta(hours=2), False),  # the person is waiting for a consultant
        ("consultant_reply", timedelta(hours=25), True),  # they went quiet: a proactive message
        ("consultant_reply", None, True),
        ("reopen_template", timedelta(hours=30), True),
        ("document_reminder", timedelta(days=2), True),
        ("a_purpose_nobody_declared", timedelta(minutes=1), True),  # fail closed
    ],
)
def test_proactive_purposes_wait_for_contact_hours_and_replies_do_not(
    purpose: str, last_inbound: timedelta | None, deferred: bool
) -> None:
    contact = Contact(
        phone_e164="+573001234567",
        last_inbound_at=None if last_inbound is None else SUNDAY_NIGHT - last_inbound,
    )
    decision = may_send_now(contact, channel="sms", now=SUNDAY_NIGHT, purpose=purpose)
    assert decision.allowed is not deferred
    assert decision.deferred is deferred
    if deferred:
        assert (decision.defer_until, decision.reason) == (MONDAY_SEVEN, OUTSIDE_CONTACT_HOURS)
    # Within the hours every one of them may go.
    open_decision = may_send_now(
        contact, channel="sms", now=MONDAY_SEVEN + timedelta(hours=3), purpose=purpose
    )
    assert open_decision.allowed


def test_an_opt_out_or_a_closed_window_refuses_rather_than_defers() -> None:
    opted_out = Contact(phone_e164="+573001234567", opted_out_at=SUNDAY_NIGHT)
    refused = may_send_now(opted_out, channel="sms", now=SUNDAY_NIGHT, purpose="document_reminder")
    assert (refused.allowed, refused.deferred, refused.reason) == (False, False, "contact opted out")
    quiet = Contact(phone_e164="+573001234567", last_whatsapp_inbound_at=SUNDAY_NIGHT - timedelta(days=2))
    free_text = may_send_now(quiet, channel="whatsapp", now=SUNDAY_NIGHT, purpose="document_reminder")
    assert (free_text.allowed, free_text.deferred) == (False, False)
    template = may_send_now(
        quiet, channel="whatsapp", now=SUNDAY_NIGHT, purpose="document_reminder", is_template=True
    )
    assert (template.allowed, template.defer_until) == (False, MONDAY_SEVEN)


@pytest.mark.parametrize(
    ("at", "purpose", "valid_for_s"),
    [
        ("2026-12-07 10:00", "document_reminder", 9 * 3600),  # until 19:00
        ("2026-12-07 18:59:30", "document_reminder", 30),
        ("2026-12-07 18:59:59.900", "document_reminder", 1),  # Twilio's least
        ("2026-12-07 07:00", "document_reminder", 36_000),  # 12 h left: Twilio's ceiling
        ("2026-12-05 08:00", "reopen_template", 7 * 3600),  # Saturday until 15:00
        ("2026-12-07 10:00", "reply", None),  # a reply may arrive whenever Twilio gets it through
    ],
)
def test_a_proactive_message_must_not_arrive_after_the_hours_close(
    at: str, purpose: str, valid_for_s: int | None
) -> None:
    contact = Contact(phone_e164="+573001234567", last_inbound_at=bogota(at) - timedelta(days=3))
    decision = may_send_now(contact, channel="sms", now=bogota(at), purpose=purpose)
    assert decision.allowed and decision.valid_for_s == valid_for_s
