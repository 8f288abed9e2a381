"""Twilio SID shapes: what may name a file, a URL path or a resource to delete."""

from __future__ import annotations

import pytest

from bot.twilio_adapter.inbound import InvalidForm, parse_message_form
from bot.twilio_adapter.sids import InvalidSid, is_media_sid, is_message_sid, media_sids

HEX = "0123456789abcdef" * 2
API = "https://api.twilio.com/2010-04-01/Accounts/AC" + "1" * 32


@pytest.mark.parametrize(
    ("value", "message", "media"),
    [
        ("SM" + HEX, True, False),
        ("MM" + HEX, True, False),
        ("ME" + HEX, False, True),
        ("SM" + HEX.upper(), False, False),  # Twilio's are lowercase
        ("SM" + HEX[:-1], False, False),  # 31 digits
        ("SM" + HEX + "0", False, False),  # 33 digits
        ("SM" + HEX[:-1] + "g", False, False),
        ("XX" + HEX, False, False),
        ("sm" + HEX, False, False),
        ("SM" + HEX + "\n", False, False),
        ("../../" + HEX, False, False),
        ("SMOUTBOUND", False, False),
        ("", False, False),
    ],
)
def test_sid_shapes(value: str, message: bool, media: bool) -> None:
    assert is_message_sid(value) is message
    assert is_media_sid(value) is media


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (f"{API}/Messages/MM{HEX}/Media/ME{HEX}", (f"MM{HEX}", f"ME{HEX}")),
        (f"{API}/Messages/SM{HEX}/Media/ME{HEX}.json", (f"SM{HEX}", f"ME{HEX}")),
        (f"http://127.0.0.1:8000/fake-twilio/2010-04-01/Accounts/AC1/Messages/MM{HEX}/Media/ME{HEX}",
         (f"MM{HEX}", f"ME{HEX}")),
        (f"{API}/Messages/MM{HEX}/Media/ME{HEX}?x=1", (f"MM{HEX}", f"ME{HEX}")),
        (f"{API}/Messages/MM{HEX}/Media/..%2F..%2Fetc", None),
        (f"{API}/Messages/..%2F..%2Fx/Media/ME{HEX}", None),
        (f"{API}/Messages/MM{HEX}/Media/ME{HEX}/extra", None),
        (f"{API}/Messages/MM{HEX}", None),
        ("https://evil.example/cedula.jpg", None),
        ("", None),
    ],
)  # fmt: skip
def test_media_url_names_both_sids_or_is_refused(url: str, expected: tuple[str, str] | None) -> None:
    if expected is None:
        with pytest.raises(InvalidSid):
            media_sids(url)
    else:
        assert media_sids(url) == expected


@pytest.mark.parametrize(
    ("sid", "accepted"),
    [("SM" + HEX, True), ("MM" + HEX, True), ("ME" + HEX, False), ("SM1", False), ("../x", False)],
)
def test_an_inbound_form_needs_a_message_sid_of_twilios_shape(sid: str, accepted: bool) -> None:
    form = {"MessageSid": sid, "From": "+573001234567", "To": "+15005550006", "Body": "hola"}
    if accepted:
        assert parse_message_form(form).message_sid == sid
    else:
        with pytest.raises(InvalidForm, match="MessageSid is not"):
            parse_message_form(form)
