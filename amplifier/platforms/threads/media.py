"""Threads' half of posting with an image: an IMAGE container made during preparation.

From Meta's Threads documentation (https://developers.facebook.com/docs/threads/posts and
/reference/publishing, "Media specifications"):

- `POST /{threads-user-id}/threads` with `media_type=IMAGE`, `image_url` (a PUBLIC address
  Meta's servers fetch the picture from: Threads takes no upload of bytes), `text` (the caption)
  and `alt_text` (the image's description; /posts/accessibility, no length given: amplifier
  sends at most 1,000 characters): a container, like a text
  one, published at T with `threads_publish`. Meta fetches the image when the container is
  made, so its status may be IN_PROGRESS for a while (then FINISHED, or ERROR with a reason).
- Images: JPEG or PNG, at most 8 MB; width 320 to 1440 pixels (Meta scales an image outside
  that range), aspect ratio at most 10:1. amplifier refuses at the owner's upload what Threads
  would refuse (type, bytes); a width outside 320-1440 is scaled by Meta, not refused, so only
  the longest side is capped here, at the ratio limit times the largest width.

The address is the campaign page's image (`/c/{slug}/image?v=N`) under the deployment's public
URL, so that URL must be reachable from the internet for Threads image posts.
"""

from __future__ import annotations

from ..base import Draft
from ..media_rules import MIB, MediaRules

RULES = MediaRules(
    max_bytes=8 * MIB,
    max_pixels=1440 * 14_400,
    max_side=14_400,
    formats=frozenset({"image/jpeg", "image/png"}),
    max_images=1,  # more is a carousel (a container per image, then a CAROUSEL one)
    max_alt=1_000,
)


def container_fields(draft: Draft, public_url: str) -> dict[str, str]:
    """The form of `POST /{user}/threads` for `draft`: TEXT, or IMAGE with the picture's public
    address and alt text. ValueError when the draft has an image but it has no address."""
    if not draft.attachments:
        return {"media_type": "TEXT", "text": draft.text}
    image = draft.attachments[0]
    if not image.path or not public_url:
        raise ValueError("the image has no public address for Threads to fetch it from")
    fields = {
        "media_type": "IMAGE",
        "image_url": f"{public_url.rstrip('/')}{image.path}",
        "text": draft.text,
    }
    if image.description:
        fields["alt_text"] = image.description[: RULES.max_alt]
    return fields
