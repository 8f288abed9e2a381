"""The thresholds of data/documents.yml hold with margins on generated photos (see the file's comments).

A synthetic document at WhatsApp's size and at a camera's, with noise from none to heavy, saved as JPEG;
blur radii are given at the analysis scale (``analysis_long_side_px``), so they mean the same at any size.
"""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image

from bot.documents.content import load_documents
from bot.documents.images import ImageMeasures, measure
from tests.unit.documents import files

LIMITS = load_documents(Path(__file__).resolve().parents[3] / "data").limits
SIZES = [(800, 600), (1600, 1200)]
NOISE = [0, 4, 10]


def measured(
    size: tuple[int, int], noise: float, blur_at_analysis: float = 0, light: float = 1.0
) -> ImageMeasures:
    scale = max(size) / LIMITS.analysis_long_side_px
    photo = files.darker(
        files.with_noise(files.blurred(files.document(*size), blur_at_analysis * scale), noise), light
    )
    image = Image.open(BytesIO(files.jpeg(photo)))
    return measure(image, image.size, LIMITS)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("noise", NOISE)
def test_sharp_documents_are_far_above_every_threshold(size: tuple[int, int], noise: float) -> None:
    m = measured(size, noise)
    assert m.sharpness >= 5 * LIMITS.min_sharpness, m
    assert m.mean >= 3 * LIMITS.dark_max_mean, m
    assert m.detail >= 3 * LIMITS.blank_max_detail, m


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("noise", NOISE)
def test_slightly_soft_documents_still_pass(size: tuple[int, int], noise: float) -> None:
    """A 1.5 px blur at the analysis scale: letters soft but readable; never sent back."""
    assert measured(size, noise, blur_at_analysis=1.5).sharpness >= 1.5 * LIMITS.min_sharpness


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("noise", [0, 4])
def test_blurred_documents_fall_below_the_threshold(size: tuple[int, int], noise: float) -> None:
    """A 2.5 px blur at the analysis scale: letters run together. (With heavy noise the measure rises:
    such a photo may pass, and the consultant's review catches it.)"""
    assert measured(size, noise, blur_at_analysis=2.5).sharpness <= 0.8 * LIMITS.min_sharpness


@pytest.mark.parametrize("noise", NOISE)
def test_a_photo_at_15_percent_light_is_dark_and_at_40_percent_is_not(noise: float) -> None:
    assert measured((1600, 1200), noise, light=0.15).mean <= 0.8 * LIMITS.dark_max_mean
    assert measured((1600, 1200), noise, light=0.4).mean >= 1.5 * LIMITS.dark_max_mean


@pytest.mark.parametrize("noise", NOISE)
def test_a_plain_page_is_blank_even_under_uneven_light(noise: float) -> None:
    """Light falling from one side makes the grey vary across the page (σ ≈ 17), yet nothing is on it."""
    light = Image.linear_gradient("L").resize((1600, 1200)).point(lambda v: 190 + v * 60 // 255)
    image = Image.open(BytesIO(files.jpeg(files.with_noise(light.convert("RGB"), noise))))
    assert measure(image, image.size, LIMITS).detail <= 0.5 * LIMITS.blank_max_detail


def test_the_smallest_accepted_photo_is_far_above_min_bytes() -> None:
    smallest = files.jpeg(files.document(LIMITS.min_long_side_px, LIMITS.min_short_side_px), quality=40)
    assert len(smallest) >= 10 * LIMITS.min_bytes
