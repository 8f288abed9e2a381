"""Twilio's signature check: same verdicts as twilio's own ``RequestValidator.validate``."""

from __future__ import annotations

import pytest
from twilio.request_validator import RequestValidator

from bot.twilio_adapter.signature import is_valid_signature, sign

TOKEN = "12345abcdef"
URL = "https://famibot.example.org/twilio/messages"
FORM = {"From": "+573011234567", "Body": "hola", "MessageSid": "SM" + "a" * 32, "NumMedia": "0"}


@pytest.mark.parametrize(
    ("signed_url", "form", "token", "valid"),
    [
        (URL, FORM, TOKEN, True),
        ("https://famibot.example.org:443/twilio/messages", FORM, TOKEN, True),  # Twilio kept the port
        (URL, {**FORM, "Body": "hola!"}, TOKEN, False),  # a field changed after signing
        (URL, FORM, "another-token", False),
        ("https://evil.example.org/twilio/messages", FORM, TOKEN, False),
    ],
)
def test_same_verdict_as_twilios_validator(
    signed_url: str, form: dict[str, str], token: str, valid: bool
) -> None:
    signature = sign(token, signed_url, form)
    received = {**FORM}
    assert is_valid_signature(TOKEN, URL, received, signature) is valid
    assert RequestValidator(TOKEN).validate(URL, received, signature) is valid


def test_missing_signature_or_token_fails_closed() -> None:
    signature = sign(TOKEN, URL, FORM)
    assert is_valid_signature(TOKEN, URL, FORM, None) is False
    assert is_valid_signature(TOKEN, URL, FORM, "") is False
    assert is_valid_signature("", URL, FORM, signature) is False


def test_a_configured_port_is_accepted_with_or_without_it() -> None:
    local = "http://127.0.0.1:8000/twilio/messages"
    assert is_valid_signature(TOKEN, local, FORM, sign(TOKEN, local, FORM))
    assert is_valid_signature(TOKEN, local, FORM, sign(TOKEN, "http://127.0.0.1/twilio/messages", FORM))
    assert not is_valid_signature(
        TOKEN, local, FORM, sign(TOKEN, "http://127.0.0.1:9000/twilio/messages", FORM)
    )
