"""Open, measure and convert one photo with Pillow (and pillow-heif for iPhone HEIC photos).

The pixel count is read from the header and refused above the limit before anything is decoded, and
Pillow's own decompression-bomb alarm is a refusal too, never a log line. Measures are taken on a
greyscale copy shrunk to ``analysis_long_side_px`` and cleaned of camera noise by a 3×3 median filter:
brightness (mean grey), detail (how far each pixel stands from its neighbourhood's average: a blank
page under uneven light has almost none) and sharpness (variance of the Laplacian).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from io import BytesIO

import pillow_heif
from PIL import Image, ImageChops, ImageFilter, ImageOps, ImageStat

from bot.documents.content import FileLimits, Refusal
from bot.documents.sniff import CONVERTED_KINDS, FileKind

_PILLOW_FORMAT: dict[FileKind, str] = {"jpeg": "JPEG", "png": "PNG", "webp": "WEBP"}
_LAPLACIAN = (0, 1, 0, 1, -4, 1, 0, 1, 0)
_ROTATED = frozenset({5, 6, 7, 8})  # EXIF orientations that swap width and height
_EXIF_ORIENTATION = 0x0112


class ImageRefused(Exception):
    def __init__(self, reason: Refusal, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason: Refusal = reason
        self.detail = detail


@dataclass(frozen=True, slots=True)
class ImageMeasures:
    width: int  # as the person sees it (EXIF orientation applied)
    height: int
    mean: float  # 0 black … 255 white
    detail: float  # RMS of grey minus its local average (box blur): 0 for a plain page
    sharpness: float  # variance of the Laplacian on the analysis copy


def open_image(data: bytes, kind: FileKind, limits: FileLimits) -> tuple[Image.Image, tuple[int, int]]:
    """Decode the picture, refusing bombs, tiny pictures and broken files (``ImageRefused``).

    Returns the image and its size as stored (a JPEG is decoded smaller, straight to grey)."""
    if kind == "heic":
        return _open_heic(data, limits)
    broken: Refusal = "not_convertible" if kind in CONVERTED_KINDS else "unreadable"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(BytesIO(data), formats=[_PILLOW_FORMAT[kind]])
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as error:
        raise ImageRefused("too_many_pixels", "pillow bomb alarm") from error
    except (OSError, SyntaxError, ValueError) as error:  # UnidentifiedImageError is an OSError
        raise ImageRefused(broken, type(error).__name__) from error
    size = image.size
    _check_size(*size, limits)
    if kind == "jpeg":  # decode at 1/2…1/8 scale straight to grey: the analysis needs no more
        image.draft("L", (limits.analysis_long_side_px, limits.analysis_long_side_px))
    try:
        image.load()
    except (OSError, SyntaxError, ValueError) as error:  # truncated or corrupt data
        raise ImageRefused(broken, type(error).__name__) from error
    return image, size


def _open_heic(data: bytes, limits: FileLimits) -> tuple[Image.Image, tuple[int, int]]:
    try:
        heif = pillow_heif.open_heif(BytesIO(data))
        width, height = heif.size
    except (OSError, ValueError, RuntimeError) as error:
        raise ImageRefused("not_convertible", type(error).__name__) from error
    _check_size(width, height, limits)
    try:
        image: Image.Image = heif.to_pillow()  # libheif applies the rotation while decoding
    except (OSError, ValueError, RuntimeError) as error:
        raise ImageRefused("not_convertible", type(error).__name__) from error
    return image, (width, height)


def _check_size(width: int, height: int, limits: FileLimits) -> None:
    if width * height > limits.max_pixels:
        raise ImageRefused("too_many_pixels", f"{width}x{height}")
    if min(width, height) < limits.min_short_side_px or max(width, height) < limits.min_long_side_px:
        raise ImageRefused("too_small_image", f"{width}x{height}")


def measure(image: Image.Image, original_size: tuple[int, int], limits: FileLimits) -> ImageMeasures:
    width, height = original_size
    if image.getexif().get(_EXIF_ORIENTATION) in _ROTATED:
        width, height = height, width
    grey = _flatten(image).convert("L")
    grey.thumbnail((limits.analysis_long_side_px, limits.analysis_long_side_px))
    grey = grey.filter(ImageFilter.MedianFilter(3))
    local_average = grey.filter(ImageFilter.BoxBlur(max(1, limits.analysis_long_side_px // 80)))
    detail = ImageStat.Stat(ImageChops.difference(grey, local_average)).rms[0]
    return ImageMeasures(width, height, ImageStat.Stat(grey).mean[0], detail, laplacian_variance(grey))


def laplacian_variance(grey: Image.Image) -> float:
    """Variance of the 4-neighbour Laplacian of an "L" image, border excluded.

    Pillow clips a filter's output to 0…255, so the positive and negative halves are taken with two
    kernels (L = P − N, P·N = 0): var = E[P²] + E[N²] − (E[P] − E[N])². Only very sharp edges clip
    (|L| > 255), far above any blur threshold.
    """
    box = (1, 1, grey.width - 1, grey.height - 1)
    if box[2] <= box[0] or box[3] <= box[1]:
        return 0.0
    halves = []
    for sign in (1, -1):
        kernel = ImageFilter.Kernel((3, 3), [sign * k for k in _LAPLACIAN], scale=1, offset=0)
        halves.append(ImageStat.Stat(grey.filter(kernel).crop(box)))
    positive, negative = halves
    count = positive.count[0]
    mean = (positive.sum[0] - negative.sum[0]) / count
    return float((positive.sum2[0] + negative.sum2[0]) / count - mean * mean)


def judge(measures: ImageMeasures, limits: FileLimits) -> tuple[Refusal, str] | None:
    """The first problem that makes the photo useless, with its numbers for the log; ``None`` if fine."""
    if measures.mean < limits.dark_max_mean:
        return "too_dark", f"mean={measures.mean:.1f}"
    if measures.detail < limits.blank_max_detail:
        return "blank", f"detail={measures.detail:.1f}"
    if measures.sharpness < limits.min_sharpness:
        return "blurred", f"sharpness={measures.sharpness:.0f}"
    return None


def to_jpeg(image: Image.Image, quality: int) -> bytes:
    """A JPEG of the picture, upright, without its metadata (EXIF may carry the GPS position)."""
    upright = ImageOps.exif_transpose(_flatten(image)).convert("RGB")
    out = BytesIO()
    upright.save(out, "JPEG", quality=quality, optimize=True)
    return out.getvalue()


def _flatten(image: Image.Image) -> Image.Image:
    """Transparent pixels become white paper, not black (a PNG scan with an alpha channel)."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        page = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        page.alpha_composite(rgba)
        return page.convert("RGB")
    return image
