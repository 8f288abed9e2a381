"""Shapes of Twilio SIDs, checked before a SID names anything (a file, a URL path, a row to delete).

A MessageSid is ``SM`` (SMS, WhatsApp text) or ``MM`` (with media) and 32 lowercase hex digits; a
media item's SID is ``ME`` and 32 hex digits. Twilio's media URLs end in
``/Messages/{MessageSid}/Media/{MediaSid}`` (sometimes with ``.json`` or an extension).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

MESSAGE_SID = re.compile(r"^(SM|MM)[0-9a-f]{32}$")
MEDIA_SID = re.compile(r"^ME[0-9a-f]{32}$")
_MEDIA_PATH = re.compile(r"/Messages/(?P<message>[^/]+)/Media/(?P<media>[^/.]+)(\.[a-z0-9]+)?$")


class InvalidSid(ValueError):
    """A value that is not a Twilio SID of the expected kind; the text says which."""


def is_message_sid(value: str) -> bool:
    return MESSAGE_SID.fullmatch(value) is not None


def is_media_sid(value: str) -> bool:
    return MEDIA_SID.fullmatch(value) is not None


def media_sids(url: str) -> tuple[str, str]:
    """(MessageSid, MediaSid) named by a Twilio media URL; InvalidSid unless both have their shape."""
    found = _MEDIA_PATH.search(urlsplit(url).path)
    if found is None:
        raise InvalidSid("media URL does not end in /Messages/{sid}/Media/{sid}")
    message_sid, media_sid = found["message"], found["media"]
    if not is_message_sid(message_sid):
        raise InvalidSid("media URL names no valid MessageSid")
    if not is_media_sid(media_sid):
        raise InvalidSid("media URL names no valid MediaSid")
    return message_sid, media_sid
