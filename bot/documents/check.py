"""Check one received file: what it really is, whether it can serve as a document, what to store.

``check_file`` is pure: bytes (and the content type Twilio claimed) in, a typed verdict out. The bytes
decide the type; the claimed type is only compared, for the log. The SHA-256 of the original bytes is
in every verdict: the caller recognises the same file sent twice with it (refusal ``duplicate``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace

from bot.documents.content import FileLimits, Refusal
from bot.documents.images import ImageMeasures, ImageRefused, judge, measure, open_image, to_jpeg
from bot.documents.pdfs import check_pdf
from bot.documents.sniff import CONVERTED_KINDS, FileKind, sniff

_EXTENSION: dict[FileKind, str] = {
    "jpeg": ".jpg", "png": ".png", "pdf": ".pdf", "heic": ".jpg", "webp": ".jpg",
}  # fmt: skip
_CONTENT_TYPE = {".jpg": "image/jpeg", ".png": "image/png", ".pdf": "application/pdf"}
_CLAIMS: dict[FileKind, frozenset[str]] = {
    "jpeg": frozenset({"image/jpeg", "image/jpg", "image/pjpeg"}),
    "png": frozenset({"image/png"}),
    "pdf": frozenset({"application/pdf", "application/x-pdf"}),
    "heic": frozenset({"image/heic", "image/heif", "image/heic-sequence", "image/heif-sequence"}),
    "webp": frozenset({"image/webp"}),
}


@dataclass(frozen=True, slots=True)
class Accepted:
    kind: FileKind  # what the bytes are
    sha256: str  # of the bytes received
    data: bytes  # what to store: the bytes received, or the JPEG made from a HEIC/WebP
    extension: str  # of what to store
    converted: bool
    claimed_type: str | None
    width: int | None = None
    height: int | None = None
    pages: int | None = None
    measures: ImageMeasures | None = None

    @property
    def content_type(self) -> str:
        return _CONTENT_TYPE[self.extension]

    @property
    def type_mismatch(self) -> bool:
        return _mismatch(self.kind, self.claimed_type)


@dataclass(frozen=True, slots=True)
class Refused:
    reason: Refusal
    sha256: str
    kind: FileKind | None
    claimed_type: str | None
    detail: str = ""  # numbers for the log; never the content


def check_file(data: bytes, content_type: str | None, limits: FileLimits) -> Accepted | Refused:
    digest = hashlib.sha256(data).hexdigest()
    claimed = content_type.split(";")[0].strip().lower() if content_type else None
    kind = sniff(data)

    def refused(reason: Refusal, detail: str = "") -> Refused:
        return Refused(reason, digest, kind, claimed, detail)

    if kind is None:
        return refused("unsupported_type", f"claimed={claimed}")
    if len(data) > limits.max_bytes:
        return refused("too_large", f"bytes={len(data)}")
    if len(data) < limits.min_bytes:
        return refused("too_small_bytes", f"bytes={len(data)}")
    accepted = Accepted(kind, digest, data, _EXTENSION[kind], kind in CONVERTED_KINDS, claimed)
    if kind == "pdf":
        problem, pages, detail = check_pdf(data, limits)
        return refused(problem, detail) if problem else replace(accepted, pages=pages)
    try:
        image, size = open_image(data, kind, limits)
        measures = measure(image, size, limits)
        problem_detail = judge(measures, limits)
        if problem_detail:
            return refused(*problem_detail)
        stored = to_jpeg(image, limits.jpeg_quality) if accepted.converted else data
    except ImageRefused as refusal:
        return refused(refusal.reason, refusal.detail)
    return replace(accepted, data=stored, width=measures.width, height=measures.height, measures=measures)


def _mismatch(kind: FileKind, claimed: str | None) -> bool:
    return claimed is not None and claimed not in _CLAIMS[kind]
