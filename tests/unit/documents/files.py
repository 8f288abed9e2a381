"""Files made in the tests with Pillow and pypdf: a synthetic document photo and its bad variants."""

from __future__ import annotations

import random
import struct
import zlib
from io import BytesIO

import pillow_heif
from PIL import Image, ImageChops, ImageDraw, ImageFilter
from pypdf import PdfWriter

_TILE = 257  # odd, so the tiles do not line up with the words


def document(width: int = 1600, height: int = 1200, *, seed: int = 1) -> Image.Image:
    """Dark "words" in lines on a light page: the high-contrast pattern of text."""
    rnd = random.Random(seed)
    page = Image.new("L", (width, height), 230)
    draw = ImageDraw.Draw(page)
    line = max(6, height // 40)
    for y in range(height // 12, height - height // 12, int(line * 1.9)):
        x = width // 14
        while x < width - width // 14:
            word = rnd.randint(line // 2, line * 3)
            draw.rectangle([x, y, x + word, y + line], fill=35)
            x += word + rnd.randint(line // 3, line)
    return page.convert("RGB")


def with_noise(image: Image.Image, sigma: float) -> Image.Image:
    """Camera-like grey noise of standard deviation ``sigma``."""
    if not sigma:
        return image
    rnd = random.Random(7)  # the same noise every run: a tile of Gaussian grey values, repeated
    tile = Image.new("L", (_TILE, _TILE))
    tile.putdata([min(255, max(0, round(rnd.gauss(128, sigma)))) for _ in range(_TILE * _TILE)])
    noise = Image.new("L", image.size)
    for x in range(0, image.width, _TILE):
        for y in range(0, image.height, _TILE):
            noise.paste(tile, (x, y))
    return ImageChops.add(image, noise.convert(image.mode), scale=1, offset=-128)


def blurred(image: Image.Image, radius: float) -> Image.Image:
    return image.filter(ImageFilter.GaussianBlur(radius)) if radius else image


def darker(image: Image.Image, factor: float) -> Image.Image:
    return image.point(lambda value: int(value * factor))


def encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    out = BytesIO()
    if fmt == "HEIF":
        pillow_heif.from_pillow(image).save(out, quality=80)
    else:
        image.save(out, fmt, **options)
    return out.getvalue()


def jpeg(image: Image.Image, quality: int = 80) -> bytes:
    return encode(image.convert("RGB"), "JPEG", quality=quality)


def pdf(pages: int = 1, *, user_password: str | None = None, owner_password: str | None = None) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    if user_password is not None or owner_password is not None:
        writer.encrypt(user_password or "", owner_password, algorithm="AES-256")
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def png_header(width: int, height: int) -> bytes:
    """A valid PNG whose header claims ``width``×``height`` over a tiny body: a decompression bomb."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(random.Random(0).randbytes(2048)))
        + chunk(b"IEND", b"")
    )
