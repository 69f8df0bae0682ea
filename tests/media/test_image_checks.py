"""An owner's image is checked and cleaned before anything is stored: real format, bombs, EXIF,
and every chosen platform's declared rules (each refusal names the platform and the rule)."""

from __future__ import annotations

import io
import random

import pytest
from PIL import Image

from amplifier.media.attach import check_alt, fit_platforms
from amplifier.media.images import ImageRefused, clean

GPS_IFD = 0x8825
MAKE = 0x010F


def _jpeg_with_exif() -> bytes:
    image = Image.new("RGB", (40, 30), (200, 10, 10))
    exif = Image.Exif()
    exif[MAKE] = "SpyCam 3000"
    exif[GPS_IFD] = {1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (0.0, 7.0, 0.0)}
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def _noisy_png(width: int, height: int) -> bytes:
    """Random pixels: PNG cannot compress them, so the file is about 3 bytes a pixel."""
    rng = random.Random(7)
    image = Image.frombytes("RGB", (width, height), rng.randbytes(width * height * 3))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def test_exif_with_the_gps_position_and_camera_is_stripped() -> None:
    original = _jpeg_with_exif()
    with Image.open(io.BytesIO(original)) as before:
        assert before.getexif().get(MAKE) == "SpyCam 3000"  # the fixture really carries it
    cleaned = clean(original)
    assert cleaned.media_type == "image/jpeg" and (cleaned.width, cleaned.height) == (40, 30)
    with Image.open(io.BytesIO(cleaned.data)) as after:
        assert not after.getexif()
        assert "exif" not in after.info
    assert b"SpyCam" not in cleaned.data


def test_png_text_chunks_are_stripped() -> None:
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Author", "Jane at 12 Secret Lane")
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, "PNG", pnginfo=info)
    cleaned = clean(buffer.getvalue())
    assert b"Secret Lane" not in cleaned.data
    assert cleaned.media_type == "image/png"


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "empty"),
        (b"GIF89a but not really an image at all", "not a JPEG, PNG, WebP or GIF"),
        (b"<html><body>I am named cat.png</body></html>", "not a JPEG, PNG, WebP or GIF"),
        (b"%PDF-1.7\n" + b"0" * 100, "not a JPEG, PNG, WebP or GIF"),
    ],
)
def test_a_file_that_is_not_an_image_is_refused_in_words(data: bytes, words: str) -> None:
    with pytest.raises(ImageRefused, match=words):
        clean(data)


@pytest.mark.parametrize("kind", ["PNG", "JPEG"])
def test_a_truncated_image_is_refused_in_words(kind: str) -> None:
    buffer = io.BytesIO()
    Image.frombytes("RGB", (64, 64), bytes(range(256)) * 48).save(buffer, kind)
    whole = buffer.getvalue()
    with pytest.raises(ImageRefused, match=r"damaged or cut short|cannot be read") as refused:
        clean(whole[: len(whole) // 2])
    assert "Error" not in str(refused.value)  # the owner read "(OSError)" here
    assert str(refused.value).endswith("save it again")


def test_a_decompression_bomb_is_refused_from_its_header_before_decoding() -> None:
    # 20,000 x 20,000 one-bit pixels: a few kilobytes of PNG, 400 million pixels decoded
    buffer = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(buffer, "PNG")
    assert len(buffer.getvalue()) < 200_000
    with pytest.raises(ImageRefused, match="decompression bomb"):
        clean(buffer.getvalue())


def test_an_image_over_our_pixel_bound_is_refused_before_decoding() -> None:
    buffer = io.BytesIO()
    Image.new("1", (7_000, 7_000)).save(buffer, "PNG")  # 49 million pixels
    with pytest.raises(ImageRefused, match="7000 by 7000 pixels"):
        clean(buffer.getvalue())


def test_other_formats_pillow_reads_are_refused() -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, "BMP")
    with pytest.raises(ImageRefused, match="BMP images are not accepted"):
        clean(buffer.getvalue())


def test_too_many_bytes_for_x_is_refused_naming_x_and_its_limit() -> None:
    big = clean(_noisy_png(1500, 1300))  # ~5.8 MB: over X's 5 MB, under Mastodon's 16 MB
    assert 5 * 1024 * 1024 < len(big.data) < 16 * 1024 * 1024
    with pytest.raises(ImageRefused) as refused:
        fit_platforms(big, ["x", "mastodon"], reencode=False)
    assert "X takes at most 5.0 MB" in str(refused.value)
    assert "Mastodon" not in str(refused.value)
    assert fit_platforms(big, ["mastodon"], reencode=False) is big


def test_a_too_large_image_is_made_smaller_only_when_the_owner_asked() -> None:
    big = clean(_noisy_png(1500, 1300))
    smaller = fit_platforms(big, ["x", "mastodon"], reencode=True)
    assert smaller.media_type == "image/jpeg"
    assert len(smaller.data) <= 5 * 1024 * 1024


def test_alt_text_is_required_and_follows_the_text_rules() -> None:
    with pytest.raises(ImageRefused, match="alt text is required"):
        check_alt("   ")
    with pytest.raises(ImageRefused, match="U\\+202E"):
        check_alt("a\u202eb")
    with pytest.raises(ImageRefused, match="at most 1000"):
        check_alt("a" * 1001)
    assert check_alt("  A heron\r\nat dawn ") == "A heron\nat dawn"
