"""X's half of posting with an image: upload and describe during preparation, attach at T.

From X's documentation:

- "Upload media" (https://docs.x.com/x-api/media/upload-media) and "Media best practices"
  (https://docs.x.com/x-api/media/quickstart/best-practices): `POST /2/media/upload`, a one-shot
  multipart body with `media` (the raw bytes), `media_category` `tweet_image` and
  `media_type`, with the OAuth 2.0 user token holding the `media.write` scope. The answer's
  `data` has the media `id` and `expires_after_secs` (a media id is usable in a post for 24
  hours); `processing_info`, when present, is polled with `GET /2/media/upload?command=STATUS`
  until `succeeded`. A post carries at most 4 images; images up to 5 MB (JPEG, PNG, GIF, WebP).
- "Create Media metadata" (https://docs.x.com/x-api/media/create-media-metadata):
  `POST /2/media/metadata` `{"id", "metadata": {"alt_text": {"text"}}}`, at most 1,000
  characters.
- `POST /2/tweets` with `"media": {"media_ids": [...]}`.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp

from .._aio import bearer_json_async
from .._staging import UploadStaging, add_image
from ..base import Draft, PublishedPost, Rejected, Staged, TokenSet, Transient
from ..media_rules import MIB, MediaRules
from .adapter import XAdapter

UPLOAD_PATH = "/2/media/upload"
METADATA_PATH = "/2/media/metadata"
DEFAULT_LIFETIME_S = 86_400
PROCESSING_WAIT_S = 60.0
RULES = MediaRules(
    max_bytes=5 * MIB,
    max_pixels=8192 * 8192,
    max_side=8192,
    formats=frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"}),
    max_images=4,
    max_alt=1_000,
)


class XMedia(UploadStaging[XAdapter]):
    """The `Staging` of the X adapter (`Declaration.stager`)."""

    async def stage_async(
        self, session: aiohttp.ClientSession, tokens: TokenSet, draft: Draft
    ) -> Staged:
        ids = []
        expires_at: datetime | None = None
        for attachment in draft.attachments[: RULES.max_images]:
            asked_at = datetime.now(UTC)
            form = aiohttp.FormData()
            add_image(form, "media", attachment)
            form.add_field("media_category", "tweet_image")
            form.add_field("media_type", attachment.media_type)
            data = await self._call(session, tokens, "POST", UPLOAD_PATH, data=form)
            media_id = str(data.get("id") or "")
            if not media_id:
                raise Transient("X answered the upload without a media id")
            await self._processed(session, tokens, media_id, data.get("processing_info"))
            if attachment.description:
                await self._call(
                    session,
                    tokens,
                    "POST",
                    METADATA_PATH,
                    json={
                        "id": media_id,
                        "metadata": {"alt_text": {"text": attachment.description[:1000]}},
                    },
                )
            lifetime = data.get("expires_after_secs")
            seconds = lifetime if isinstance(lifetime, int) and lifetime > 0 else DEFAULT_LIFETIME_S
            until = asked_at + timedelta(seconds=seconds)
            expires_at = until if expires_at is None else min(expires_at, until)
            ids.append(media_id)
        return Staged(tuple(ids), expires_at)

    async def _processed(
        self, session: aiohttp.ClientSession, tokens: TokenSet, media_id: str, info: Any
    ) -> None:
        loop = asyncio.get_running_loop()
        give_up = loop.time() + PROCESSING_WAIT_S
        while isinstance(info, dict) and info.get("state") in ("pending", "in_progress"):
            wait = info.get("check_after_secs")
            pause = float(wait) if isinstance(wait, int | float) and 0 < wait <= 30 else 1.0
            if loop.time() + pause > give_up:
                raise Transient(f"X was still processing the image after {PROCESSING_WAIT_S:g} s")
            await asyncio.sleep(pause)
            data = await self._call(
                session,
                tokens,
                "GET",
                UPLOAD_PATH,
                params={"command": "STATUS", "media_id": media_id},
            )
            info = data.get("processing_info")
        if isinstance(info, dict) and info.get("state") == "failed":
            error = info.get("error")
            said = error.get("message") if isinstance(error, dict) else None
            raise Rejected(f"X could not process the image: {said or 'failed'}")

    async def publish_staged_async(
        self,
        session: aiohttp.ClientSession,
        tokens: TokenSet,
        draft: Draft,
        staged: Staged,
        *,
        idempotency_key: str,
    ) -> PublishedPost:
        del idempotency_key  # X offers no such header; settle doubts with find_recent_post
        return await self.adapter.create_post_async(
            session, tokens, draft.text, media_ids=list(staged.remote_ids)
        )

    async def _call(
        self,
        session: aiohttp.ClientSession,
        tokens: TokenSet,
        method: str,
        path: str,
        **kwargs: Any,
    ) -> dict[str, Any]:
        body = await bearer_json_async(
            session,
            method,
            f"{self.adapter.api_base}{path}",
            tokens.access_token,
            platform="X",
            write=False,  # an upload posts nothing: a doubt about it is a reason to upload again
            **kwargs,
        )
        data = body.get("data")
        return data if isinstance(data, dict) else {}
