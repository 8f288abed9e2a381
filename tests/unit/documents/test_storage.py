"""Keeping an accepted file: images re-encoded without metadata (EXIF, GPS, PNG text), PDFs as they
came, under a random owner-only name."""

from __future__ import annotations

import stat
from io import BytesIO
from pathlib import Path

from PIL import Image, PngImagePlugin

from bot.documents.check import Accepted, check_file
from bot.documents.content import load_documents
from bot.documents.storage import clean_bytes, remove, write_private
from tests.unit.documents.files import document, encode, pdf, with_noise

LIMITS = load_documents(Path(__file__).resolve().parents[3] / "data").limits


def _accepted(data: bytes, content_type: str) -> Accepted:
    verdict = check_file(data, content_type, LIMITS)
    assert isinstance(verdict, Accepted), verdict
    return verdict


def test_a_png_with_text_and_exif_is_kept_as_a_jpeg_without_them() -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "Calle 10 # 20-30, Medellín")
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (6.0, 15.0, 7.0)}
    image = with_noise(document(1200, 900, seed=4), 4)
    data = encode(image, "PNG", pnginfo=info, exif=exif.tobytes())
    assert b"Medell" in data  # the original carries it
    stored, extension = clean_bytes(_accepted(data, "image/png"), LIMITS)
    assert extension == ".jpg" and b"Medell" not in stored
    with Image.open(BytesIO(stored)) as kept:
        assert kept.format == "JPEG" and kept.size == (1200, 900)
        assert dict(kept.getexif()) == {} and "comment" not in kept.info and "exif" not in kept.info


def test_a_rotated_photo_is_kept_upright() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # the phone was held sideways
    data = encode(with_noise(document(1600, 1200, seed=8), 4), "JPEG", quality=85, exif=exif.tobytes())
    stored, _ = clean_bytes(_accepted(data, "image/jpeg"), LIMITS)
    with Image.open(BytesIO(stored)) as kept:
        assert kept.size == (1200, 1600) and kept.getexif().get(0x0112) is None


def test_a_pdf_is_kept_as_it_came() -> None:
    data = pdf(2)
    assert clean_bytes(_accepted(data, "application/pdf"), LIMITS) == (data, ".pdf")


def test_files_get_random_owner_only_names(tmp_path: Path) -> None:
    media_dir = tmp_path / "media"
    keys = [write_private(media_dir, b"%PDF-1.4 x", ".pdf") for _ in range(3)]
    assert len(set(keys)) == 3 and all(key.startswith("documents/") and key.endswith(".pdf") for key in keys)
    for key in keys:
        path = media_dir / key
        assert path.read_bytes() == b"%PDF-1.4 x" and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE((media_dir / "documents").stat().st_mode) == 0o700
    assert not list((media_dir / "documents").glob("*.part"))
    remove(media_dir, keys)
    assert list((media_dir / "documents").iterdir()) == []
