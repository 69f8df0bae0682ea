"""Bluesky's half of posting with an image, and the owner's link as a card.

From the AT Protocol and Bluesky documentation:

- `com.atproto.repo.uploadBlob` (docs.bsky.app, atproto.com/guides/blob-lifecycle): the raw
  bytes with their `Content-Type`, on the account's own PDS with its DPoP-bound token; the
  answer's `blob` (`{"$type": "blob", "ref": {"$link": cid}, "mimeType", "size"}`) is what a
  record names. An upload "will be deleted if it is not referenced within a time window (eg,
  minutes)", and PDSes differ in how long (atproto issue #1781): a staging counts as expired
  after BLOB_USABLE, and the release engine uploads again past it (same bytes, same CID).
- The post's `embed` is a union (lexicon `app.bsky.feed.post`): ONE of `app.bsky.embed.images`
  (at most 4 `{image: blob, alt, aspectRatio {width, height}}`; `alt` required; each blob
  `image/*` of at most 1,000,000 bytes, the limit the lexicon long had and every PDS and app
  accepts; newer lexicons allow 2,000,000) or `app.bsky.embed.external` (`{uri, title,
  description, thumb?}`).

Decided here: a post with the campaign's image carries the image (with its alt text: a card's
`thumb` has none, so reusing the image there would hide it from people who cannot see it), and
the link stays a facet of the text; a post without an image carries the link's card, no thumb.
A card needs no upload, so its "staging" is empty and never expires.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import regex

from .._staging import UploadStaging
from ..base import Draft, LinkCard, PublishedPost, Staged, TokenSet, Transient
from ..media_rules import MediaRules
from .adapter import BlueskyAdapter

UPLOAD_PATH = "/xrpc/com.atproto.repo.uploadBlob"
IMAGES = "app.bsky.embed.images"
EXTERNAL = "app.bsky.embed.external"
BLOB_USABLE = timedelta(minutes=10)
CARD_GRAPHEMES = 300  # the card's description, cut where the app would cut it anyway
RULES = MediaRules(
    max_bytes=1_000_000,
    max_pixels=8192 * 8192,  # the lexicon sets none; amplifier's guard against huge images
    max_side=8192,
    formats=frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"}),
    max_images=4,
    max_alt=2_000,  # the lexicon sets none; the Bluesky app takes 2,000 graphemes
)
_GRAPHEME = regex.compile(r"\X")


def card_embed(card: LinkCard) -> dict[str, Any]:
    """`app.bsky.embed.external` for the owner's link (title and description the campaign's)."""
    parts = _GRAPHEME.findall(" ".join(card.description.split()))
    description = "".join(parts[:CARD_GRAPHEMES])
    if len(parts) > CARD_GRAPHEMES:
        description = description[: description.rfind(" ") + 1 or None].rstrip() + "…"
    return {
        "$type": EXTERNAL,
        "external": {"uri": card.uri, "title": card.title, "description": description},
    }


def images_embed(draft: Draft, blobs: list[dict[str, Any]]) -> dict[str, Any]:
    """`app.bsky.embed.images`: each uploaded blob with its alt text and aspect ratio."""
    images = []
    for attachment, blob in zip(draft.attachments, blobs, strict=False):
        image: dict[str, Any] = {"image": blob, "alt": attachment.description}
        if attachment.width > 0 and attachment.height > 0:
            image["aspectRatio"] = {"width": attachment.width, "height": attachment.height}
        images.append(image)
    return {"$type": IMAGES, "images": images}


def _blob(answer: dict[str, Any], host: str) -> dict[str, Any]:
    blob = answer.get("blob")
    ref = blob.get("ref") if isinstance(blob, dict) else None
    if (
        not isinstance(blob, dict)
        or not isinstance(ref, dict)
        or not isinstance(ref.get("$link"), str)
        or not isinstance(blob.get("mimeType"), str)
        or not isinstance(blob.get("size"), int)
    ):
        raise Transient(f"{host} answered the upload without a blob reference")
    return {
        "$type": "blob",
        "ref": {"$link": ref["$link"]},
        "mimeType": blob["mimeType"],
        "size": blob["size"],
    }


class BlueskyMedia(UploadStaging[BlueskyAdapter]):
    """The `Staging` of one PDS's adapter (`Declaration.stager`)."""

    def needs_staging(self, draft: Draft) -> bool:
        return bool(draft.attachments) or draft.card is not None

    async def stage_async(
        self, session: aiohttp.ClientSession, tokens: TokenSet, draft: Draft
    ) -> Staged:
        if not draft.attachments:
            return Staged(())  # a card: nothing to upload, nothing that expires
        uploaded_at = datetime.now(UTC)
        refs = []
        for attachment in draft.attachments[: RULES.max_images]:
            answer = await self.adapter._call_async(
                session,
                "POST",
                f"{self.adapter.pds}{UPLOAD_PATH}",
                tokens,
                write=False,  # an upload posts nothing: a doubt is only a reason to upload again
                data=attachment.data,
                content_type=attachment.media_type,
            )
            refs.append(json.dumps(_blob(answer, self.adapter.host), sort_keys=True))
        return Staged(tuple(refs), uploaded_at + BLOB_USABLE)

    async def publish_staged_async(
        self,
        session: aiohttp.ClientSession,
        tokens: TokenSet,
        draft: Draft,
        staged: Staged,
        *,
        idempotency_key: str,
    ) -> PublishedPost:
        embed: dict[str, Any] | None = None
        if draft.attachments:
            blobs = [json.loads(ref) for ref in staged.remote_ids]
            if len(blobs) < min(len(draft.attachments), RULES.max_images):
                raise Transient("the image's upload is missing: it will be uploaded again")
            embed = images_embed(draft, blobs)
        elif draft.card is not None:
            embed = card_embed(draft.card)
        return await self.adapter.create_async(
            session, tokens, draft.text, idempotency_key=idempotency_key, embed=embed
        )
