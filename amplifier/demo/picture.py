"""The demo campaign's picture: drawn here (no file to ship), attached through the owner API."""

from __future__ import annotations

import io
from typing import Any

import requests
from PIL import Image, ImageDraw

ALT_TEXT = "A lit library window at night, with a stack of books on the sill"


def demo_picture() -> bytes:
    """A 1200 by 630 JPEG (the usual link-card shape): a window of light on a night sky."""
    image = Image.new("RGB", (1200, 630), (18, 24, 58))
    draw = ImageDraw.Draw(image)
    draw.rectangle((420, 120, 780, 480), fill=(250, 214, 120), outline=(90, 60, 30), width=14)
    draw.line((600, 120, 600, 480), fill=(90, 60, 30), width=10)
    draw.line((420, 300, 780, 300), fill=(90, 60, 30), width=10)
    for i, colour in enumerate(((170, 40, 40), (40, 110, 170), (60, 140, 70))):
        draw.rectangle((450 + i * 8, 440 - i * 22, 560 - i * 6, 460 - i * 22), fill=colour)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=88)
    return buffer.getvalue()


def attach_demo_picture(web_url: str, token: str, campaign_id: int) -> dict[str, Any]:
    answer = requests.put(
        f"{web_url}/api/campaigns/{campaign_id}/image",
        headers={"Authorization": f"Bearer {token}"},
        files={"file": ("library.jpg", demo_picture(), "image/jpeg")},
        data={"alt_text": ALT_TEXT},
        timeout=30,
    )
    answer.raise_for_status()
    image: dict[str, Any] = answer.json()
    return image
