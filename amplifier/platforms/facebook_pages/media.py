"""Facebook Pages' half of posting with an image: a photo uploaded unpublished before T, then
attached to the Page's post at T.

From the Graph API reference (Page Photos, https://developers.facebook.com/docs/graph-api/
reference/page/photos, "Creating"; and the Pages API's "Posts" guide on multi-photo posts):

- `POST /{page-id}/photos` with the file as multipart `source` (or a public `url`),
  `published=false` (the photo is stored on the Page, shown nowhere) and `alt_text_custom` (the
  photo's alternative text): `{"id": "<photo id>"}`. Page token, `pages_manage_posts`, the
  CREATE_CONTENT task. An unpublished photo is kept until it is used or deleted (only the
  `temporary` ones, for scheduled posts, are short-lived): the staging does not expire.
- `POST /{page-id}/feed` with `message` and `attached_media[0]={"media_fbid":"<photo id>"}`
  publishes one post that shows the photo: only this call leaves at T.
- Photos: JPEG, PNG, GIF (also BMP, TIFF, which owners here cannot attach), at most 4 MB
  (PNG best under 1 MB). Facebook documents no pixel limit; it resizes large photos, so the caps
  below only keep absurd sizes out. Facebook strips photo metadata itself; amplifier already did.

The upload sends bytes (`source`), not our address: it needs no public URL, unlike Threads.
"""

from __future__ import annotations

import json

import aiohttp

from .._aio import bearer_json_async
from .._staging import UploadStaging, add_image
from ..base import Draft, PublishedPost, Staged, TokenSet, Transient
from ..media_rules import MIB, MediaRules
from .adapter import FacebookPagesAdapter, page_id_of

RULES = MediaRules(
    max_bytes=4 * MIB,
    max_pixels=100_000_000,
    max_side=16_384,
    formats=frozenset({"image/jpeg", "image/png", "image/gif"}),
    max_images=1,  # amplifier attaches one; a Page post takes several (one attached_media each)
    max_alt=1_000,  # no length is documented for alt_text_custom: amplifier keeps it short
)


class PagePhotos(UploadStaging[FacebookPagesAdapter]):
    """The `Staging` of the Facebook Pages adapter (`Declaration.stager`)."""

    async def stage_async(
        self, session: aiohttp.ClientSession, tokens: TokenSet, draft: Draft
    ) -> Staged:
        ids = []
        for image in draft.attachments[: RULES.max_images]:
            form = aiohttp.FormData()
            add_image(form, "source", image)
            form.add_field("published", "false")
            if image.description:
                form.add_field("alt_text_custom", image.description[: RULES.max_alt])
            body = await bearer_json_async(
                session,
                "POST",
                f"{self.adapter.graph}/{page_id_of(tokens)}/photos",
                tokens.access_token,
                # an unpublished upload shows nothing: a doubt about it is a reason to upload again
                platform="Facebook",
                write=False,
                data=form,
            )
            photo_id = body.get("id")
            if not isinstance(photo_id, str | int) or not str(photo_id):
                raise Transient("Facebook answered the photo upload without an id")
            ids.append(str(photo_id))
        return Staged(tuple(ids), None)  # an unpublished photo is kept until used

    async def publish_staged_async(
        self,
        session: aiohttp.ClientSession,
        tokens: TokenSet,
        draft: Draft,
        staged: Staged,
        *,
        idempotency_key: str,
    ) -> PublishedPost:
        fields = {"message": draft.text}
        for i, photo_id in enumerate(staged.remote_ids):
            fields[f"attached_media[{i}]"] = json.dumps({"media_fbid": photo_id})
        return await self.adapter.post_feed_async(session, tokens, fields)
