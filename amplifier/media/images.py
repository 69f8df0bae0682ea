"""An owner's image, checked and cleaned before anything is stored (Pillow decodes it).

Why Pillow: decoding four formats safely (bombs, truncated files, lying headers) is a library's
job, not ours. What this module guarantees for the bytes it returns:

- the file is what its first bytes say (JPEG, PNG, WebP or GIF: `Image.open` reads the magic
  bytes, never the name or the declared type), and it decodes completely;
- its size is checked from the header before any pixel is decoded (at most `MAX_PIXELS` and
  `MAX_SIDE`), and Pillow's own decompression-bomb guard (set to the same bound for the
  process) stands behind it, so a small file cannot expand into gigabytes;
- its metadata is gone: the image is written again from its pixels only, so EXIF (GPS
  position, camera, time), XMP, comments and text chunks never reach storage or a post;
  a JPEG's EXIF orientation is applied to the pixels first, so the picture stands as shown;
- it is re-encoded smaller (JPEG, then smaller pixel sizes) only when the owner asked for it.

Errors: `ImageRefused` (its message names what is wrong, fit to show the owner; answered 422).
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}
MAX_UPLOAD_BYTES = 20 * 1024 * 1024  # larger than any platform takes; refused before decoding
MAX_PIXELS = 40_000_000  # width x height, checked from the header before decoding
MAX_SIDE = 16_384
MAX_FRAMES = 300  # an animated GIF

# Pillow's own bomb guard, a second line behind the header check: it raises beyond twice this.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS


class ImageRefused(ValueError):
    """The file cannot be used as the campaign's image; the message says why."""


@dataclass(frozen=True)
class CleanImage:
    """Bytes fit to store and post: metadata stripped; `media_type` as the bytes say."""

    data: bytes
    media_type: str
    width: int
    height: int

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def clean(data: bytes) -> CleanImage:
    """Check `data` and return it written again without metadata; raise ImageRefused."""
    if not data:
        raise ImageRefused("the file is empty")
    if len(data) > MAX_UPLOAD_BYTES:
        # callers read at most one byte more than the limit, so the true size is unknown here
        raise ImageRefused(
            f"the file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB "
            f"({MAX_UPLOAD_BYTES:,} bytes), the most amplifier accepts"
        )
    with _guarded():
        try:
            with Image.open(io.BytesIO(data)) as probe:
                fmt = probe.format or ""
                width, height = probe.size
        except UnidentifiedImageError:
            raise ImageRefused(
                "the file is not a JPEG, PNG, WebP or GIF image (judged by its content, "
                "whatever its name)"
            ) from None
        if fmt not in FORMATS:
            raise ImageRefused(
                f"{fmt or 'this'} images are not accepted: use JPEG, PNG, WebP or GIF"
            )
        _check_size(width, height)
        with Image.open(io.BytesIO(data)) as image:
            frames = getattr(image, "n_frames", 1)
            if frames > MAX_FRAMES:
                raise ImageRefused(f"the animation has {frames} frames; at most {MAX_FRAMES}")
            out = _rewrite(image, fmt, frames)
    return CleanImage(out, FORMATS[fmt], width, height)


def shrink(image: CleanImage, *, max_bytes: int, max_pixels: int, max_side: int) -> CleanImage:
    """Re-encode as JPEG (GIFs stay GIFs), smaller until it fits; ImageRefused when it cannot."""
    with _guarded(), Image.open(io.BytesIO(image.data)) as source:
        if image.media_type == "image/gif":
            raise ImageRefused("an animated or GIF image cannot be made smaller here: resize it")
        picture = source.convert("RGB")
    scale = min(1.0, (max_pixels / (picture.width * picture.height)) ** 0.5)
    scale = min(scale, max_side / max(picture.width, picture.height))
    for _ in range(12):
        size = (max(1, int(picture.width * scale)), max(1, int(picture.height * scale)))
        resized = (
            picture if size == picture.size else picture.resize(size, Image.Resampling.LANCZOS)
        )
        buffer = io.BytesIO()
        resized.save(buffer, "JPEG", quality=85, optimize=True)
        if buffer.tell() <= max_bytes:
            return CleanImage(buffer.getvalue(), "image/jpeg", size[0], size[1])
        scale *= 0.8
    raise ImageRefused(f"the image could not be made smaller than {max_bytes:,} bytes")


def _check_size(width: int, height: int) -> None:
    if width < 1 or height < 1:
        raise ImageRefused("the image has no pixels")
    if max(width, height) > MAX_SIDE or width * height > MAX_PIXELS:
        raise ImageRefused(
            f"the image is {width} by {height} pixels; at most {MAX_SIDE} a side and "
            f"{MAX_PIXELS:,} in all are accepted"
        )


def _rewrite(image: Image.Image, fmt: str, frames: int) -> bytes:
    """The pixels alone, in the same format: no EXIF, XMP, comments or text chunks."""
    buffer = io.BytesIO()
    try:
        if fmt == "GIF":
            image.info.pop("comment", None)
            image.save(buffer, "GIF", save_all=frames > 1, comment=b"")
        elif fmt == "JPEG":
            upright = ImageOps.exif_transpose(image) or image
            upright.convert("RGB").save(buffer, "JPEG", quality=92, exif=b"")
        elif fmt == "WEBP":
            lossless = image.info.get("lossless", False)
            image.load()
            pixels = image.copy()
            pixels.info = {}
            pixels.save(buffer, "WEBP", lossless=bool(lossless), quality=90, exif=b"", xmp=b"")
        else:
            image.load()
            pixels = image.copy()
            pixels.info = {}
            pixels.save(buffer, "PNG", optimize=False)
    except (OSError, SyntaxError, ValueError, EOFError):
        raise ImageRefused("the image cannot be read to its end: save it again") from None
    return buffer.getvalue()


@contextmanager
def _guarded() -> Iterator[None]:
    """Pillow's errors on a hostile or damaged file, as ImageRefused."""
    try:
        yield
    except Image.DecompressionBombError:
        raise ImageRefused(
            "the image would expand to too many pixels when decoded (a decompression bomb)"
        ) from None
    except (OSError, SyntaxError, EOFError):
        raise ImageRefused("the image is damaged or cut short: save it again") from None
