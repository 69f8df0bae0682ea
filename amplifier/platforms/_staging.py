"""What the platforms that upload a post's images before T share in their `Staging`.

Why: the media modules that stage by uploading (each attachment during preparation, named by
the post at T) all began with the same lines: keep the adapter, stage a post that has
attachments, put an image into a multipart form. Written once here; each platform's calls,
fields and words stay in its own folder.
"""

from __future__ import annotations

from typing import Generic, TypeVar

import aiohttp

from .base import Attachment, Draft

AdapterT = TypeVar("AdapterT")


class UploadStaging(Generic[AdapterT]):
    """The start of a `Staging` whose work before T is uploading the post's attachments.

    `poll_s` is the first pause before asking again whether an upload is processed, for the
    platforms that process uploads in the background (tests shorten it)."""

    def __init__(self, adapter: AdapterT, *, poll_s: float = 0.5) -> None:
        self.adapter = adapter
        self.poll_s = poll_s

    def needs_staging(self, draft: Draft) -> bool:
        return bool(draft.attachments)


def add_image(
    form: aiohttp.FormData, field: str, attachment: Attachment, *, name: str = "image"
) -> None:
    """Add `attachment` to `form` as the file part `field`, named `name.<ext>` (`image.png`)
    with its media type; the platform adds its other fields around it."""
    ext = attachment.media_type.removeprefix("image/")
    form.add_field(
        field, attachment.data, filename=f"{name}.{ext}", content_type=attachment.media_type
    )
