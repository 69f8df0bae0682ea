"""What a platform accepts as an image with a post, declared once (`Declaration.media`).

Why: the owner's image is checked at upload against every platform the campaign chose, and
refused naming the platform and the rule, long before preparation would find out per post.
"""

from __future__ import annotations

from dataclasses import dataclass

MIB = 1024 * 1024


@dataclass(frozen=True)
class MediaRules:
    """One platform's image rules: bytes per image, pixels (width x height) and longest side,
    the media types it takes (`image/jpeg`…), images per post, characters of alt text."""

    max_bytes: int
    max_pixels: int
    max_side: int
    formats: frozenset[str]
    max_images: int
    max_alt: int

    def problems(self, *, size: int, width: int, height: int, media_type: str) -> list[str]:
        """Every rule an image breaks, in words an owner can act on."""
        found = []
        if media_type not in self.formats:
            kinds = ", ".join(sorted(t.removeprefix("image/").upper() for t in self.formats))
            found.append(f"takes {kinds} images, not {media_type}")
        if size > self.max_bytes:
            found.append(
                f"takes at most {_bytes(self.max_bytes)} per image; this one is {_bytes(size)}"
            )
        if width * height > self.max_pixels:
            found.append(
                f"takes at most {self.max_pixels:,} pixels per image; this one is "
                f"{width}x{height} = {width * height:,}"
            )
        if max(width, height) > self.max_side:
            found.append(f"takes images of at most {self.max_side} pixels a side")
        return found


def _bytes(n: int) -> str:
    return f"{n / MIB:.1f} MB ({n:,} bytes)" if n >= MIB else f"{n:,} bytes"
