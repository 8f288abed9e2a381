"""The one send policy: opt-out and the WhatsApp 24 h window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.db.models import Contact
from bot.send_policy import may_send
from bot.worker import backoff_s

NOW = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)


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
    decision = may_send(contact, channel=channel, now=NOW, is_template=template)
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
        assert may_send(contact, channel="sms", now=NOW, purpose=purpose).allowed is allowed, purpose


def test_63016_closes_the_window_until_the_contact_writes_again() -> None:
    contact = Contact(
        phone_e164="+573001234567",
        last_whatsapp_inbound_at=NOW - timedelta(hours=2),
        whatsapp_window_closed_at=NOW - timedelta(hours=1),
    )
    assert not may_send(contact, channel="whatsapp", now=NOW).allowed
    assert may_send(contact, channel="whatsapp", now=NOW, is_template=True).allowed
    contact.last_whatsapp_inbound_at = NOW - timedelta(minutes=5)
    assert may_send(contact, channel="whatsapp", now=NOW).allowed
