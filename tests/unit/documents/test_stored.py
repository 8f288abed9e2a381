"""A kept file as the console serves it: only inside MEDIA_DIR, typed from its bytes, and a small
upright JPEG thumbnail without metadata made from a real Pillow photo."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

from PIL import Image

from bot.documents.stored import served_type, stored_path, thumbnail_jpeg
from tests.unit.documents.files import document, encode, jpeg, pdf

MAX_PIXELS = 50_000_000


def test_a_key_never_leads_outside_media_dir(tmp_path: Path) -> None:
    media = tmp_path / "media"
    (media / "documents").mkdir(parents=True)
    (media / "documents" / "a.jpg").write_bytes(b"x")
    (tmp_path / "secret.txt").write_text("no")
    (media / "documents" / "link.jpg").symlink_to(tmp_path / "secret.txt")
    assert stored_path(media, "documents/a.jpg") == (media / "documents" / "a.jpg").resolve()
    for key in ("../secret.txt", str(tmp_path / "secret.txt"), "documents/link.jpg", "documents/gone.jpg",
                "documents", ""):  # fmt: skip
        assert stored_path(media, key) is None, key


def test_the_type_comes_from_the_bytes() -> None:
    photo = jpeg(document(800, 600))
    assert served_type(photo) == "image/jpeg"
    assert served_type(encode(document(800, 600), "PNG")) == "image/png"
    assert served_type(pdf(1)) == "application/pdf"
    assert served_type(b"<html><script>") is None
    assert served_type(encode(document(800, 600), "WEBP")) is None  # never kept as such: not served


def test_a_thumbnail_is_a_small_upright_jpeg_without_metadata() -> None:
    picture = document(1600, 1200)
    exif = Image.Exif()
    exif[0x0112] = 6  # taken sideways: the viewer must rotate it
    exif[0x010F] = "Camara"
    out = BytesIO()
    picture.save(out, "JPEG", exif=exif)
    thumbnail = thumbnail_jpeg(out.getvalue(), max_pixels=MAX_PIXELS)
    assert thumbnail is not None
    image = Image.open(BytesIO(thumbnail))
    assert image.format == "JPEG" and image.size == (240, 320)  # rotated: portrait
    assert not image.getexif()


def test_a_transparent_png_scan_gets_a_white_page() -> None:
    page = Image.new("RGBA", (1000, 800), (0, 0, 0, 0))
    thumbnail = thumbnail_jpeg(encode(page, "PNG"), max_pixels=MAX_PIXELS)
    assert thumbnail is not None
    assert Image.open(BytesIO(thumbnail)).convert("L").getextrema()[0] > 240


def test_no_thumbnail_for_a_pdf_a_broken_photo_or_too_many_pixels() -> None:
    photo = jpeg(document(1600, 1200))
    assert thumbnail_jpeg(pdf(1), max_pixels=MAX_PIXELS) is None
    assert thumbnail_jpeg(photo[:200], max_pixels=MAX_PIXELS) is None
    assert thumbnail_jpeg(photo, max_pixels=1600 * 1200 - 1) is None
