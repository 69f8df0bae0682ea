"""What the owner hears at upload when the campaign's image does not fit Facebook Pages or
Threads: the platform and its rule, before anything is stored or any supporter's post fails."""

from __future__ import annotations

import io
import random

import pytest
from PIL import Image

from amplifier.media.attach import fit_platforms
from amplifier.media.images import ImageRefused, clean


def _noise(width: int, height: int, fmt: str = "PNG") -> bytes:
    """Random pixels: they do not compress, so a PNG is about 3 bytes a pixel."""
    rng = random.Random(5)
    image = Image.frombytes("RGB", (width, height), rng.randbytes(width * height * 3))
    buffer = io.BytesIO()
    image.save(buffer, fmt)
    return buffer.getvalue()


def test_an_image_too_large_for_threads_is_refused_naming_threads() -> None:
    data = _noise(1800, 1700)  # ~9.2 MB: Threads takes 8 MB
    assert len(data) > 8 * 1024 * 1024
    with pytest.raises(ImageRefused) as refused:
        fit_platforms(clean(data), ["threads"], reencode=False)
    assert "Threads takes at most 8.0 MB" in str(refused.value)
    made_smaller = fit_platforms(clean(data), ["threads"], reencode=True)  # if the owner asks
    assert len(made_smaller.data) <= 8 * 1024 * 1024


def test_the_4_mb_of_a_page_photo_and_the_types_each_takes() -> None:
    photo = clean(_noise(1300, 1200))  # ~4.7 MB: over Facebook's 4 MB, under Threads' 8
    with pytest.raises(ImageRefused, match=r"Facebook Page takes at most 4\.0 MB"):
        fit_platforms(photo, ["facebook_pages", "threads"], reencode=False)
    fit_platforms(photo, ["threads"], reencode=False)
    webp = clean(_noise(64, 48, "WEBP"))
    with pytest.raises(ImageRefused) as refused:
        fit_platforms(webp, ["facebook_pages", "threads"], reencode=False)
    words = str(refused.value)
    assert "Facebook Page takes GIF, JPEG, PNG images" in words
    assert "Threads takes JPEG, PNG images" in words
