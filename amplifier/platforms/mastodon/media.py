"""Mastodon's half of posting with an image: upload during preparation, attach at T.

From the Mastodon documentation (docs.joinmastodon.org):

- `POST /api/v2/media` (/methods/media/#v2), multipart `file` and `description` (the alt text,
  up to 1,500 characters), scope `write:media`: 200 with the MediaAttachment when processed at
  once, or 202 with `url` null while the full-size file is processed in the background; then
  `GET /api/v1/media/:id` answers 206 until it is ready and 200 after. A status naming an upload
  still processing is refused (422), so staging waits for 200.
- `POST /api/v1/statuses` with `media_ids[]`: the ids of the account's own unattached uploads.
  Mastodon ignores an id it no longer knows, so an upload must not be used after the server
  removed it: unattached media are deleted after about a day (the media cleanup), and the
  staging counts as expired after UNATTACHED_USABLE, well inside that; the release engine
  uploads again past it.
- Default limits (an instance's `/api/v2/instance` `configuration.media_attachments`): images
  up to 16 MB and 33,177,600 pixels; "Rate limits" (/api/rate-limits/): 30 media uploads per
  30 minutes per account (one per supporter here).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp

from .._aio import async_network_error
from .._staging import UploadStaging, add_image
from ..base import Draft, PlatformError, PublishedPost, Staged, TokenSet, Transient
from ..media_rules import MIB, MediaRules
from .adapter import MastodonAdapter

MEDIA_PATH = "/api/v2/media"
UNATTACHED_USABLE = timedelta(hours=20)
PROCESSING_WAIT_S = 60.0  # at most this long for one upload's processing, polled
RULES = MediaRules(
    max_bytes=16 * MIB,
    max_pixels=33_177_600,
    max_side=16_384,
    formats=frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"}),
    max_images=4,
    max_alt=1_500,
)


class MastodonMedia(UploadStaging[MastodonAdapter]):
    """The `Staging` of one Mastodon server's adapter (`Declaration.stager`)."""

    async def stage_async(
        self, session: aiohttp.ClientSession, tokens: TokenSet, draft: Draft
    ) -> Staged:
        uploaded_at = datetime.now(UTC)
        ids = []
        for attachment in draft.attachments[: RULES.max_images]:
            form = aiohttp.FormData()
            add_image(form, "file", attachment)
            form.add_field("description", attachment.description)
            body, status = await self._call(session, tokens, "POST", MEDIA_PATH, data=form)
            media_id = body.get("id")
            if media_id is None:
                raise Transient(f"{self.adapter.domain} answered the upload without an id")
            if status == 202 or not body.get("url"):
                await self._processed(session, tokens, str(media_id))
            ids.append(str(media_id))
        return Staged(tuple(ids), uploaded_at + UNATTACHED_USABLE)

    async def _processed(
        self, session: aiohttp.ClientSession, tokens: TokenSet, media_id: str
    ) -> None:
        """Poll until the upload is ready (200 with its `url`); Transient after the wait."""
        loop = asyncio.get_running_loop()
        give_up = loop.time() + PROCESSING_WAIT_S
        pause = self.poll_s
        while loop.time() < give_up:
            await asyncio.sleep(pause)
            body, status = await self._call(session, tokens, "GET", f"/api/v1/media/{media_id}")
            if status == 200 and body.get("url"):
                return
            pause = min(pause * 1.5, 5.0)
        raise Transient(
            f"{self.adapter.domain} was still processing the image after {PROCESSING_WAIT_S:g} s"
        )

    async def publish_staged_async(
        self,
        session: aiohttp.ClientSession,
        tokens: TokenSet,
        draft: Draft,
        staged: Staged,
        *,
        idempotency_key: str,
    ) -> PublishedPost:
        fields = [("status", draft.text), ("visibility", "public")]
        fields += [("media_ids[]", media_id) for media_id in staged.remote_ids]
        return await self.adapter.post_status_async(session, tokens, fields, idempotency_key)

    async def _call(
        self,
        session: aiohttp.ClientSession,
        tokens: TokenSet,
        method: str,
        path: str,
        *,
        data: Any = None,
    ) -> tuple[dict[str, Any], int]:
        try:
            async with session.request(
                method,
                f"{self.adapter.instance_url}{path}",
                data=data,
                headers={
                    "Authorization": f"Bearer {tokens.access_token}",
                    "Accept": "application/json",
                },
            ) as response:
                body = await response.json(content_type=None)
                status = response.status
        except PlatformError:
            raise
        except (aiohttp.ClientError, TimeoutError) as exc:
            # an upload posts nothing: a doubt about it is only a reason to upload again
            raise async_network_error(exc, write=False, platform=self.adapter.domain) from None
        return (body if isinstance(body, dict) else {}), status
