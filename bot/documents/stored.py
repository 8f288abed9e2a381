"""A kept document file as the console serves it: found only inside MEDIA_DIR, typed from its bytes,
and a small JPEG thumbnail made on request (never stored: nothing more to erase).

Pure file work, no database: the caller decides who may see the file and records the view.
"""

from __future__ import annotations

import warnings
from io import BytesIO
from pathlib import Path

from PIL import Image, ImageOps

from bot.documents.sniff import FileKind, sniff

THUMBNAIL_SIDE_PX = 320
THUMBNAIL_QUALITY = 70
SERVED_TYPES: dict[FileKind, str] = {"jpeg": "image/jpeg", "png": "image/png", "pdf": "application/pdf"}
_PILLOW_FORMAT: dict[FileKind, str] = {"jpeg": "JPEG", "png": "PNG"}


def stored_path(media_dir: Path, storage_key: str) -> Path | None:
    """The file of ``storage_key`` if it exists inside ``media_dir`` (a key never leads outside it)."""
    root = media_dir.resolve()
    try:
        path = (root / storage_key).resolve(strict=True)
    except (OSError, RuntimeError):  # missing (erased), or a symlink loop
        return None
    return path if path.is_relative_to(root) and path.is_file() else None


def served_type(data: bytes) -> str | None:
    """The real content type of a kept file (JPEG, PNG or PDF), from its bytes; None: not served."""
    kind = sniff(data)
    return SERVED_TYPES.get(kind) if kind else None


def thumbnail_jpeg(data: bytes, *, max_pixels: int, side: int = THUMBNAIL_SIDE_PX) -> bytes | None:
    """A small upright JPEG of a kept photo, without metadata; None if the bytes are not a photo that
    opens (a PDF, a damaged file) or are larger than ``max_pixels``."""
    kind = sniff(data)
    if kind not in _PILLOW_FORMAT:
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(BytesIO(data), formats=[_PILLOW_FORMAT[kind]])
            if image.width * image.height > max_pixels:
                return None
            if kind == "jpeg":  # decode at 1/2…1/8 scale: a thumbnail needs no more
                image.draft("RGB", (side, side))
            upright = ImageOps.exif_transpose(image)
            upright.thumbnail((side, side))
            out = BytesIO()
            _on_white(upright).save(out, "JPEG", quality=THUMBNAIL_QUALITY)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombWarning, Image.DecompressionBombError):
        return None
    return out.getvalue()


def _on_white(image: Image.Image) -> Image.Image:
    """RGB for JPEG; transparent pixels of a PNG scan become white paper."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        page = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        page.alpha_composite(rgba)
        return page.convert("RGB")
    return image.convert("RGB")
