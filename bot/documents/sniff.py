"""What a file really is, from its first bytes (magic numbers), whatever name or content type it came with.

Only the kinds a loan application may carry are recognised: JPEG, PNG, PDF, HEIC/HEIF and WebP.
Anything else (AVIF, video, audio, office files, random bytes) is ``None``: refused by the caller.
"""

from __future__ import annotations

from typing import Literal

FileKind = Literal["jpeg", "png", "pdf", "heic", "webp"]
IMAGE_KINDS: frozenset[FileKind] = frozenset({"jpeg", "png", "heic", "webp"})
CONVERTED_KINDS: frozenset[FileKind] = frozenset({"heic", "webp"})  # stored as JPEG

_PNG = b"\x89PNG\r\n\x1a\n"
_JPEG = b"\xff\xd8\xff"
_PDF = b"%PDF-"
_PDF_HEADER_WINDOW = 1024  # readers accept a PDF header anywhere in the first KiB
# ISO-BMFF brands of HEIF images coded with HEVC (iPhone photos). AVIF shares the container, not the codec.
_HEIC_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx"})


def sniff(data: bytes) -> FileKind | None:
    if data.startswith(_JPEG):
        return "jpeg"
    if data.startswith(_PNG):
        return "png"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if _heic_brands(data) & _HEIC_BRANDS:
        return "heic"
    if _PDF in data[:_PDF_HEADER_WINDOW]:
        return "pdf"
    return None


def _heic_brands(data: bytes) -> set[bytes]:
    """The major and compatible brands of a leading ``ftyp`` box (empty when there is none)."""
    if len(data) < 16 or data[4:8] != b"ftyp":
        return set()
    size = int.from_bytes(data[:4], "big")
    if not 16 <= size <= min(len(data), 4096):
        return set()
    return {data[8:12]} | {data[offset : offset + 4] for offset in range(16, size - 3, 4)}
