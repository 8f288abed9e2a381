"""X-Twilio-Signature: verify inbound requests, sign requests we simulate."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlparse

from twilio.request_validator import RequestValidator, add_port, compare, remove_port


def is_valid_signature(auth_token: str, url: str, params: Mapping[str, str], signature: str | None) -> bool:
    """Fail closed: no signature, an empty token or a mismatch are all invalid.

    Twilio signs the URL it called with or without its port, so both are accepted, as
    ``RequestValidator.validate`` does. That computes both HMACs for every request; this tries the
    URL as configured first and stops at the first match. Form posts only: the JSON
    ``bodySHA256`` variant is not a webhook we serve.
    """
    if not signature or not auth_token:
        return False
    validator = RequestValidator(auth_token)
    parsed = urlparse(url)
    candidates = dict.fromkeys((url, remove_port(parsed), add_port(parsed)))  # as configured first
    return any(compare(validator.compute_signature(candidate, params), signature) for candidate in candidates)


def sign(auth_token: str, url: str, params: Mapping[str, str]) -> str:
    return str(RequestValidator(auth_token).compute_signature(url, dict(params)))
