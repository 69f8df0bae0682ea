"""Tumblr's half of posting with an image: the bytes travel in the post's own call, at T.

From Tumblr's API documentation (https://www.tumblr.com/docs/en/api/v2, "User Uploaded Media",
and the NPF specification, https://www.tumblr.com/docs/npf, "Content Block Type: Image"):

- `POST /v2/blog/{blog}/posts` may be `multipart/form-data`: a first part `json` holds the NPF
  body; an image block `{"type": "image", "media": [{"type": "image/png", "identifier": "…",
  "width", "height"}], "alt_text": "…"}` names, by `identifier`, the part that holds the bytes.
  `alt_text` is at most 4,096 characters; a post has at most 30 image blocks.
- There is no upload before the post (no media id to keep), so nothing is staged during
  preparation (`Declaration.stager` is None) and `Declaration.inline_media` sends the draft
  whole at T. The cost lands at T: every post carries the image's bytes, so a release of
  1,000 Tumblr posts with a 1 MB image sends about 1 GB in its window instead of the few
  kilobytes of text posts; the app key's hourly and daily windows pace those posts anyway.
  A refused image (400 `8005`) or a spent daily upload allowance (403 `8004`, 250 images a
  day per user) fails that one post; it is never sent without its image.
- Formats and size are not in the API documentation: Tumblr's help pages take JPEG, PNG and
  GIF and 10 MB per image (we declare those, the safe side); pixels are not limited there, the
  guard below only keeps absurd images out.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import aiohttp

from .._aio import bearer_json_async
from .._staging import add_image
from ..base import Draft, PublishedPost, TokenSet
from ..media_rules import MIB, MediaRules
from .text import npf_content

if TYPE_CHECKING:
    from .adapter import TumblrAdapter

MAX_ALT = 4_096
RULES = MediaRules(
    max_bytes=10 * MIB,
    max_pixels=16_384 * 16_384,
    max_side=16_384,
    formats=frozenset({"image/jpeg", "image/png", "image/gif"}),
    max_images=30,
    max_alt=MAX_ALT,
)


def npf_with_images(draft: Draft) -> tuple[list[dict[str, Any]], list[tuple[str, Any]]]:
    """The NPF blocks of `draft` (its text, then one image block per attachment) and the
    parts that carry the bytes: (identifier, attachment)."""
    blocks = npf_content(draft.text)
    parts = []
    for index, attachment in enumerate(draft.attachments[: RULES.max_images]):
        identifier = f"amplifier-image-{index}"
        media: dict[str, Any] = {"type": attachment.media_type, "identifier": identifier}
        if attachment.width and attachment.height:
            media.update(width=attachment.width, height=attachment.height)
        blocks.append(
            {"type": "image", "media": [media], "alt_text": attachment.description[:MAX_ALT]}
        )
        parts.append((identifier, attachment))
    return blocks, parts


class TumblrMedia:
    """The `InlineMedia` of the Tumblr adapter: the multipart NPF post."""

    def __init__(self, adapter: TumblrAdapter) -> None:
        self.adapter = adapter

    async def publish_draft_async(
        self,
        session: aiohttp.ClientSession,
        tokens: TokenSet,
        draft: Draft,
        *,
        idempotency_key: str,
    ) -> PublishedPost:
        """Post the text and its images in one multipart call (no idempotency key: an unknown
        outcome is settled by reading the blog, as for a text post)."""
        del idempotency_key
        blog = self.adapter.blog_of(tokens)
        blocks, parts = npf_with_images(draft)
        form = aiohttp.FormData()
        form.add_field(
            "json",
            json.dumps({"content": blocks, "state": "published"}),
            content_type="application/json",
        )
        for identifier, attachment in parts:
            add_image(form, identifier, attachment, name=identifier)
        body = await bearer_json_async(
            session,
            "POST",
            f"{self.adapter.api_base}{self.adapter.posts_path(blog)}",
            tokens.access_token,
            platform="Tumblr",
            write=True,
            data=form,
        )
        return self.adapter.published(blog, body)
