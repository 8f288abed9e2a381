"""Keep an accepted file: images re-encoded as JPEG without their metadata (EXIF may carry the GPS
position and the phone's name), PDFs as they came; under MEDIA_DIR/documents/ with a random name,
the file owner-only (0600) and its folders too (0700). ID photos are sensitive data."""

from __future__ import annotations

import os
import secrets
from io import BytesIO
from pathlib import Path

from PIL import Image

from bot.documents.check import Accepted
from bot.documents.content import FileLimits
from bot.documents.images import to_jpeg

FOLDER = "documents"


def clean_bytes(accepted: Accepted, limits: FileLimits) -> tuple[bytes, str]:
    """(bytes to store, extension). CPU work: run it in a thread."""
    if accepted.kind == "pdf":
        return accepted.data, ".pdf"
    if accepted.converted:  # HEIC/WebP: check_file already made a clean JPEG
        return accepted.data, ".jpg"
    with Image.open(BytesIO(accepted.data)) as image:  # the size was checked: no bomb here
        image.load()
        return to_jpeg(image, limits.jpeg_quality), ".jpg"


def write_private(media_dir: Path, data: bytes, extension: str) -> str:
    """Write the bytes under a random name; return the storage key (relative to MEDIA_DIR)."""
    folder = media_dir / FOLDER
    for directory in (media_dir, folder):
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.chmod(0o700)
    key = f"{FOLDER}/{secrets.token_urlsafe(18)}{extension}"
    path = media_dir / key
    temporary = path.with_suffix(path.suffix + ".part")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    temporary.replace(path)
    return key


def remove(media_dir: Path, keys: list[str]) -> None:
    for key in keys:
        (media_dir / key).unlink(missing_ok=True)
