"""Parse Twilio webhook forms (SMS and WhatsApp share one format) into typed records."""

from __future__ import annotations

from collections.abc import Mapping

import phonenumbers

from bot.twilio_adapter.records import Channel, InboundMessage, MediaItem, StatusUpdate
from bot.twilio_adapter.sids import is_message_sid
from bot.twilio_adapter.statuses import MAX_STATUS_CHARS

WHATSAPP_PREFIX = "whatsapp:"
DEFAULT_REGION = "CO"
MAX_MEDIA = 10


class InvalidForm(ValueError):
    """The form cannot be a Twilio message; the text says why (it goes back in the 400)."""


def normalise_phone(raw: str) -> str:
    """E.164 for a Twilio address; Colombian numbers may come without +57."""
    number = raw.removeprefix(WHATSAPP_PREFIX).strip()
    try:
        parsed = phonenumbers.parse(number, DEFAULT_REGION)
    except phonenumbers.NumberParseException as exc:
        raise InvalidForm(f"'From' is not a phone number: {exc}") from exc
    if not phonenumbers.is_possible_number(parsed):
        raise InvalidForm("'From' is not a possible phone number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def channel_of(address: str) -> Channel:
    return "whatsapp" if address.startswith(WHATSAPP_PREFIX) else "sms"


def parse_message_form(form: Mapping[str, str]) -> InboundMessage:
    sid = (form.get("MessageSid") or "").strip()
    sender = (form.get("From") or "").strip()
    missing = [name for name, value in (("MessageSid", sid), ("From", sender)) if not value]
    if missing:
        raise InvalidForm("missing required field(s): " + ", ".join(missing))
    if not is_message_sid(sid):  # it names files and Twilio resources: only Twilio's own shape
        raise InvalidForm("MessageSid is not SM/MM followed by 32 hex digits")
    return InboundMessage(
        message_sid=sid,
        channel=channel_of(sender),
        from_e164=normalise_phone(sender),
        to=(form.get("To") or "").strip(),
        body=form.get("Body") or "",
        media=_media(form),
        button_payload=form.get("ButtonPayload") or None,
        button_text=form.get("ButtonText") or None,
        profile_name=form.get("ProfileName") or None,
        whatsapp_id=form.get("WaId") or None,
    )


def _media(form: Mapping[str, str]) -> tuple[MediaItem, ...]:
    raw = form.get("NumMedia") or "0"
    try:
        count = int(raw)
    except ValueError as exc:
        raise InvalidForm(f"NumMedia is not a number: {raw!r}") from exc
    if not 0 <= count <= MAX_MEDIA:
        raise InvalidForm(f"NumMedia out of range: {count}")
    items = []
    for index in range(count):
        url = form.get(f"MediaUrl{index}")
        if not url:
            raise InvalidForm(f"NumMedia is {count} but MediaUrl{index} is missing")
        items.append(MediaItem(url=url, content_type=form.get(f"MediaContentType{index}") or ""))
    return tuple(items)


def parse_status_form(form: Mapping[str, str], outbound_id: str | None) -> StatusUpdate:
    sid = (form.get("MessageSid") or form.get("SmsSid") or "").strip()
    status = (form.get("MessageStatus") or form.get("SmsStatus") or "").strip().lower()
    if not sid or not status:
        raise InvalidForm("missing required field(s): MessageSid and MessageStatus")
    # A status we do not know is not an error: Twilio adds statuses; it is recorded and acknowledged.
    status = status[:MAX_STATUS_CHARS]
    error_raw = (form.get("ErrorCode") or "").strip()
    try:
        error_code = int(error_raw) if error_raw else None
        ours = int(outbound_id) if outbound_id else None
    except ValueError as exc:
        raise InvalidForm(f"not a number: {exc}") from exc
    return StatusUpdate(message_sid=sid, status=status, error_code=error_code, outbound_id=ours)
