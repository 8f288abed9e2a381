"""A document request seeded straight into the database and MEDIA_DIR, with real files (a Pillow photo
of a synthetic document, a pypdf PDF), as the gateway's intake would leave it. Used by the console's
route tests and the Chromium test; it does not depend on the gateway's code."""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import DocumentFile, DocumentItem, DocumentRequest, utcnow
from tests.unit.documents.files import document, jpeg, pdf


@dataclass(frozen=True, slots=True)
class SeededItem:
    row_id: int
    file_id: int | None
    path: Path | None


def _keep(media_dir: Path, data: bytes, extension: str) -> tuple[str, Path]:
    key = f"documents/{secrets.token_urlsafe(18)}{extension}"
    path = media_dir / key
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    return key, path


async def seed_documents(
    db: AsyncSession,
    *,
    conversation_id: int,
    contact_id: int,
    media_dir: Path,
    items: list[tuple[str, str, str | None]],
    status: str = "complete",
    product_id: str = "credito_digital_rapido",
    seed: int = 1,
) -> dict[str, SeededItem]:
    """``items``: (item id, status, file kind "image" | "pdf" | None), in the order they are asked."""
    request = DocumentRequest(conversation_id=conversation_id, contact_id=contact_id, product_id=product_id,
                              formal=False, status=status)  # fmt: skip
    db.add(request)
    await db.flush()
    seeded = {}
    for position, (item_id, item_status, kind) in enumerate(items):
        file, path = None, None
        if kind is not None:
            picture = document(1200, 900, seed=seed + position)
            data = jpeg(picture) if kind == "image" else pdf(1)
            key, path = _keep(media_dir, data, ".jpg" if kind == "image" else ".pdf")
            file = DocumentFile(request_id=request.id, storage_key=key, sha256=hashlib.sha256(data).hexdigest(),
                                kind=kind, content_type="image/jpeg" if kind == "image" else "application/pdf",
                                bytes=len(data), width=1200 if kind == "image" else None,
                                height=900 if kind == "image" else None, pages=1 if kind == "pdf" else None)  # fmt: skip
            db.add(file)
            await db.flush()
        item = DocumentItem(request_id=request.id, item_id=item_id, position=position, status=item_status,
                            file_id=file.id if file else None, updated_at=utcnow())  # fmt: skip
        db.add(item)
        await db.flush()
        seeded[item_id] = SeededItem(item.id, file.id if file else None, path)
    return seeded
