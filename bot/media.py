"""Download inbound media from Twilio into MEDIA_DIR. ID photos are sensitive: owner-only files.

A file is named only from values checked first: the conversation id (ours), the MessageSid and the
MediaSid in Twilio's shapes (bot/twilio_adapter/sids.py) and an extension from the content type.
"""

from __future__ import annotations

import mimetypes
import os
from pathlib import Path
from typing import Any

from bot.logs import get_logger
from bot.twilio_adapter.rest import MediaRejected, TwilioRestClient
from bot.twilio_adapter.sids import InvalidSid, is_message_sid, media_sids

log = get_logger(__name__)

IMAGE_LIMIT = 5 * 1024 * 1024
DOCUMENT_LIMIT = 16 * 1024 * 1024


async def store_media(
    twilio: TwilioRestClient,
    media_dir: Path,
    *,
    conversation_id: int,
    message_sid: str,
    media: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    """Return the media list with a storage ``key`` (or an ``error``) for each item."""
    stored = []
    for index, item in enumerate(media):
        if item.get("key") or item.get("error") or item.get("held"):
            stored.append(item)
            continue
        try:
            if not is_message_sid(message_sid):
                raise InvalidSid("the message has no valid MessageSid")
            _, media_sid = media_sids(str(item.get("url") or ""))
        except InvalidSid as exc:
            log.warning("media not stored", conversation_id=conversation_id, index=index, reason=str(exc))
            stored.append({**item, "error": str(exc)})
            continue
        declared = str(item.get("content_type") or "")
        limit = IMAGE_LIMIT if declared.startswith("image/") else DOCUMENT_LIMIT
        try:
            downloaded = await twilio.download_media(str(item["url"]), limit_bytes=limit)
        except MediaRejected as exc:
            log.warning("media not stored", conversation_id=conversation_id, index=index, reason=str(exc))
            stored.append({**item, "error": str(exc)})
            continue
        extension = mimetypes.guess_extension(downloaded.content_type) or ".bin"
        key = f"{int(conversation_id)}/{message_sid}-{index}{extension}"
        _write_private(media_dir / key, downloaded.content)
        size = len(downloaded.content)
        stored.append(
            {**item, "sid": media_sid, "key": key, "content_type": downloaded.content_type, "bytes": size}
        )
    return stored


def _write_private(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_suffix(path.suffix + ".part")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)
    temporary.replace(path)
