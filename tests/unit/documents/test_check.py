"""check_file: every kind of file a person may send, good and bad, and the one verdict each gets."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image

from bot.documents.check import Accepted, Refused, check_file
from bot.documents.content import load_documents
from tests.unit.documents import files

LIMITS = load_documents(Path(__file__).resolve().parents[3] / "data").limits


def sharp() -> bytes:
    return files.jpeg(files.with_noise(files.document(), 4))


def truncated_jpeg() -> bytes:
    whole = sharp()
    return whole[: len(whole) // 2]


def transparent_png() -> bytes:
    """A scan saved with an alpha channel: the page is transparent, the words opaque."""
    grey = files.document().convert("L")
    alpha = grey.point(lambda v: 255 if v < 128 else 0)
    black = Image.new("RGBA", grey.size, (0, 0, 0, 0))
    black.putalpha(alpha)
    return files.encode(black, "PNG")


CASES: list[tuple[str, Callable[[], bytes], str | None, str]] = [
    # label, the bytes, the content type Twilio claimed, verdict (kind when accepted, else the reason)
    ("sharp JPEG", sharp, "image/jpeg", "jpeg"),
    ("sharp small JPEG (WhatsApp size)", lambda: files.jpeg(files.document(800, 600)), "image/jpeg", "jpeg"),
    ("sharp PNG", lambda: files.encode(files.document(), "PNG"), "image/png", "png"),
    ("PNG sent as image/jpeg: the bytes win", lambda: files.encode(files.document(), "PNG"), "image/jpeg", "png"),
    ("PNG with transparency on white", transparent_png, "image/png", "png"),
    ("portrait JPEG", lambda: files.jpeg(files.document(1200, 1600)), "image/jpeg", "jpeg"),
    ("blurred JPEG", lambda: files.jpeg(files.blurred(files.with_noise(files.document(), 4), 5)), "image/jpeg",
     "blurred"),
    ("dark JPEG", lambda: files.jpeg(files.darker(files.with_noise(files.document(), 4), 0.15)), "image/jpeg",
     "too_dark"),
    ("black JPEG", lambda: files.jpeg(Image.new("RGB", (1600, 1200))), "image/jpeg", "too_dark"),
    ("white page", lambda: files.jpeg(files.with_noise(Image.new("RGB", (1600, 1200), "white"), 4)),
     "image/jpeg", "blank"),
    ("white page under uneven light",
     lambda: files.jpeg(Image.linear_gradient("L").resize((1600, 1200)).point(lambda v: 190 + v * 60 // 255)),
     "image/jpeg", "blank"),
    ("single-colour picture", lambda: files.jpeg(Image.new("RGB", (1600, 1200), (40, 90, 160))), "image/jpeg",
     "blank"),
    ("tiny JPEG", lambda: files.jpeg(files.document(320, 240), quality=95), "image/jpeg", "too_small_image"),
    ("thin strip", lambda: files.jpeg(files.document(1600, 300)), "image/jpeg", "too_small_image"),
    ("truncated JPEG", truncated_jpeg, "image/jpeg", "unreadable"),
    ("WebP", lambda: files.encode(files.document(), "WEBP", quality=80), "image/webp", "webp"),
    ("HEIC", lambda: files.encode(files.document(), "HEIF"), "image/heic", "heic"),
    ("HEIC sent as application/octet-stream", lambda: files.encode(files.document(), "HEIF"),
     "application/octet-stream", "heic"),
    ("broken WebP", lambda: files.encode(files.document(), "WEBP")[:600] + b"\0" * 2000, "image/webp",
     "not_convertible"),
    ("broken HEIC", lambda: files.encode(files.document(), "HEIF")[:400] + b"\0" * 2000, "image/heic",
     "not_convertible"),
    ("random bytes as image/jpeg", lambda: __import__("random").Random(3).randbytes(50_000), "image/jpeg",
     "unsupported_type"),
    ("GIF", lambda: files.encode(files.document(), "GIF"), "image/gif", "unsupported_type"),
    ("empty file", lambda: b"", "image/jpeg", "unsupported_type"),
    ("JPEG header only", lambda: b"\xff\xd8\xff\xe0" + b"\0" * 100, "image/jpeg", "too_small_bytes"),
    ("oversized JPEG", lambda: sharp() + b"\0" * (LIMITS.max_bytes + 1), "image/jpeg", "too_large"),
    ("oversized PDF", lambda: files.pdf() + b"%" * (LIMITS.max_bytes + 1), "application/pdf", "too_large"),
    ("decompression bomb over Pillow's alarm", lambda: files.png_header(30_000, 30_000), "image/png",
     "too_many_pixels"),
    ("picture over our pixel limit", lambda: files.png_header(8_000, 7_000), "image/png", "too_many_pixels"),
    ("PDF, 1 page", lambda: files.pdf(1), "application/pdf", "pdf"),
    ("PDF sent as image/jpeg", lambda: files.pdf(1), "image/jpeg", "pdf"),
    ("PDF at the page limit", lambda: files.pdf(LIMITS.pdf_max_pages), "application/pdf", "pdf"),
    ("PDF over the page limit", lambda: files.pdf(LIMITS.pdf_max_pages + 1), "application/pdf",
     "pdf_too_many_pages"),
    ("PDF with a password", lambda: files.pdf(1, user_password="1036123456"), "application/pdf",
     "pdf_encrypted"),
    ("PDF with only an owner password (opens in any viewer)", lambda: files.pdf(1, owner_password="banco"),
     "application/pdf", "pdf"),
    ("PDF cut short", lambda: files.pdf(3)[:300] + b" " * 600, "application/pdf", "unreadable"),
]  # fmt: skip


@pytest.mark.parametrize(("label", "make", "content_type", "verdict"), CASES, ids=[case[0] for case in CASES])
def test_verdict(label: str, make: Callable[[], bytes], content_type: str | None, verdict: str) -> None:
    data = make()
    result = check_file(data, content_type, LIMITS)
    got = result.kind if isinstance(result, Accepted) else result.reason
    assert got == verdict, f"{label}: {result!r:.300}"
    assert result.sha256 == hashlib.sha256(data).hexdigest()


def test_the_same_bytes_twice_have_the_same_sha256_and_another_file_does_not() -> None:
    first, again, other = sharp(), sharp(), files.jpeg(files.document(seed=2))
    assert first == again
    results = [check_file(data, "image/jpeg", LIMITS) for data in (first, again, other)]
    assert results[0].sha256 == results[1].sha256 != results[2].sha256


def test_a_jpeg_is_kept_as_received_with_its_measures() -> None:
    data = sharp()
    result = check_file(data, "image/jpeg", LIMITS)
    assert isinstance(result, Accepted)
    assert result.data is data and not result.converted
    assert (result.extension, result.content_type) == (".jpg", "image/jpeg")
    assert (result.width, result.height, result.pages) == (1600, 1200, None)
    assert result.measures is not None and result.measures.sharpness >= LIMITS.min_sharpness
    assert not result.type_mismatch


@pytest.mark.parametrize(("fmt", "content_type"), [("WEBP", "image/webp"), ("HEIF", "image/heic")])
def test_webp_and_heic_are_stored_as_an_upright_jpeg_of_the_same_size(fmt: str, content_type: str) -> None:
    data = files.encode(files.document(1200, 1600), fmt)
    result = check_file(data, content_type, LIMITS)
    assert isinstance(result, Accepted) and result.converted
    assert (result.extension, result.content_type) == (".jpg", "image/jpeg")
    assert result.sha256 == hashlib.sha256(data).hexdigest()  # of what was received, not of the JPEG
    stored = Image.open(BytesIO(result.data))
    assert (stored.format, stored.size, result.width, result.height) == ("JPEG", (1200, 1600), 1200, 1600)
    assert not stored.getexif()


def test_a_rotated_phone_photo_reports_the_size_the_person_sees() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90°": stored landscape, seen portrait
    data = files.encode(files.document(), "JPEG", quality=80, exif=exif.tobytes())
    result = check_file(data, "image/jpeg", LIMITS)
    assert isinstance(result, Accepted)
    assert (result.width, result.height) == (1200, 1600)


def test_a_pdf_reports_its_pages_and_a_mismatched_claim() -> None:
    result = check_file(files.pdf(3), "image/jpeg", LIMITS)
    assert isinstance(result, Accepted)
    assert (result.kind, result.pages, result.width, result.extension) == ("pdf", 3, None, ".pdf")
    assert result.type_mismatch


def test_a_refusal_carries_numbers_for_the_log_never_content() -> None:
    result = check_file(files.jpeg(Image.new("RGB", (1600, 1200))), "image/jpeg; charset=binary", LIMITS)
    assert isinstance(result, Refused)
    assert (result.reason, result.kind, result.claimed_type) == ("too_dark", "jpeg", "image/jpeg")
    assert result.detail.startswith("mean=")
