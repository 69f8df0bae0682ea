"""Pictures for tests that send an image somewhere (an upload, a post, a served file)."""

from __future__ import annotations

import io

from PIL import Image


def png(width: int = 64, height: int = 48) -> bytes:
    """A PNG picture of one colour, of this size."""
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (30, 120, 200)).save(buffer, "PNG")
    return buffer.getvalue()
