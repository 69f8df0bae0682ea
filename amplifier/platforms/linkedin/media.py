"""LinkedIn's half of posting with an image: upload during preparation, name it at T.

From Microsoft's LinkedIn documentation:

- "Images API" (https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/images-api):
  `POST /rest/images?action=initializeUpload` with `LinkedIn-Version` and
  `X-Restli-Protocol-Version: 2.0.0`, JSON `{"initializeUploadRequest": {"owner":
  "urn:li:person:{id}"}}` (the member's `w_member_social` suffices) → `{"value": {"uploadUrl",
  "uploadUrlExpiresAt", "image": "urn:li:image:…"}}`; then `PUT {uploadUrl}` with the raw
  bytes (and the bearer token) → 201. `GET /rest/images/{urn}` tells the image's `status`
  (`WAITING_UPLOAD`, `PROCESSING`, `AVAILABLE`, `PROCESSING_FAILED`): staging waits for
  AVAILABLE, so that the post at T never names an image LinkedIn cannot show yet. Formats JPG,
  GIF and PNG, fewer than 36,152,320 pixels. The documentation gives no byte limit for the API
  (LinkedIn's help pages say 8 MB for a post's image: we declare that) and no lifetime for an
  uploaded image not yet in a post: the staging is kept until T (`expires_at` None).
- "Posts API" (.../community-management/shares/posts-api): a single-image post carries
  `"content": {"media": {"id": "urn:li:image:…", "altText": "…"}}`, alt text at most 4,086
  characters; the image must belong to the post's author (400 `INVALID_CONTENT_OWNERSHIP`).
  A post with 2 to 20 images is a different body (MultiImage API); a campaign has one image.

Uploads count against the same unpublished daily limits as every call of the member's.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import quote, urlsplit

import aiohttp

from .._aio import async_network_error
from .._staging import UploadStaging
from ..base import Draft, PlatformError, PublishedPost, Rejected, Staged, TokenSet, Transient
from ..media_rules import MIB, MediaRules
from .adapter import LinkedInAdapter

IMAGES_PATH = "/rest/images"
PROCESSING_WAIT_S = 60.0  # at most this long for one image to become AVAILABLE, polled
MAX_ALT = 4_086
RULES = MediaRules(
    max_bytes=8 * MIB,
    max_pixels=36_152_319,  # "fewer than 36,152,320 pixels"
    max_side=36_152_319,  # no side limit of its own: the pixel count binds first
    formats=frozenset({"image/jpeg", "image/png", "image/gif"}),
    max_images=1,  # one image per post in the body used here (content.media)
    max_alt=MAX_ALT,
)


class LinkedInMedia(UploadStaging[LinkedInAdapter]):
    """The `Staging` of the LinkedIn adapter (`Declaration.stager`)."""

    async def stage_async(
        self, session: aiohttp.ClientSession, tokens: TokenSet, draft: Draft
    ) -> Staged:
        """Initialize, upload and wait for the first attachment; its image URN is the staging.
        Raises the error tree: Rejected for an image LinkedIn refuses or fails to process."""
        owner = self.adapter.author_urn(tokens)
        attachment = draft.attachments[0]
        body = await self._call(
            session,
            tokens,
            "POST",
            f"{self.adapter.api_base}{IMAGES_PATH}",
            params={"action": "initializeUpload"},
            json={"initializeUploadRequest": {"owner": owner}},
        )
        value = body.get("value")
        value = value if isinstance(value, dict) else {}
        upload_url, urn = value.get("uploadUrl"), value.get("image")
        if not isinstance(upload_url, str) or not isinstance(urn, str):
            raise Transient("LinkedIn answered initializeUpload without an uploadUrl or image")
        if not urn.startswith("urn:li:image:"):
            raise Transient(f"LinkedIn answered initializeUpload with an odd image id {urn!r}")
        self._check_upload_url(upload_url)
        await self._call(
            session,
            tokens,
            "PUT",
            upload_url,
            data=attachment.data,
            headers={"Content-Type": attachment.media_type},
        )
        await self._available(session, tokens, urn)
        return Staged((urn,), None)

    def _check_upload_url(self, url: str) -> None:
        """The bytes go only to LinkedIn's own hosts (or the API's host, in the sandbox)."""
        parts, api = urlsplit(url), urlsplit(self.adapter.api_base)
        host = (parts.hostname or "").lower()
        linkedin = parts.scheme == "https" and (
            host == "linkedin.com" or host.endswith(".linkedin.com")
        )
        if not (linkedin or (parts.scheme, parts.netloc) == (api.scheme, api.netloc)):
            raise Rejected(f"LinkedIn gave an upload address off its own hosts: {host!r}")

    async def _available(self, session: aiohttp.ClientSession, tokens: TokenSet, urn: str) -> None:
        loop = asyncio.get_running_loop()
        give_up = loop.time() + PROCESSING_WAIT_S
        pause = self.poll_s
        while True:
            body = await self._call(
                session,
                tokens,
                "GET",
                f"{self.adapter.api_base}{IMAGES_PATH}/{quote(urn, safe='')}",
            )
            status = body.get("status")
            if status == "AVAILABLE":
                return
            if status == "PROCESSING_FAILED":
                raise Rejected("LinkedIn could not process the image (PROCESSING_FAILED)")
            if loop.time() + pause > give_up:
                raise Transient(
                    f"LinkedIn's image was still {status or 'unready'} after "
                    f"{PROCESSING_WAIT_S:g} s"
                )
            await asyncio.sleep(pause)
            pause = min(pause * 1.5, 5.0)

    async def publish_staged_async(
        self,
        session: aiohttp.ClientSession,
        tokens: TokenSet,
        draft: Draft,
        staged: Staged,
        *,
        idempotency_key: str,
    ) -> PublishedPost:
        if not staged.remote_ids:  # never sent without its image
            raise Transient("the LinkedIn image was not staged: it must be uploaded again")
        alt = draft.attachments[0].description if draft.attachments else ""
        content = {"media": {"id": staged.remote_ids[0], "altText": alt[:MAX_ALT]}}
        return await self.adapter.publish_async(
            session, tokens, draft.text, idempotency_key=idempotency_key, content=content
        )

    async def _call(
        self,
        session: aiohttp.ClientSession,
        tokens: TokenSet,
        method: str,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        sent = self.adapter.rest_headers(tokens.access_token)
        if method == "PUT":  # the upload host takes the bytes and the token, no Rest.li
            sent = {"Authorization": sent["Authorization"]}
        try:
            async with session.request(
                method, url, headers={**sent, **(headers or {})}, **kwargs
            ) as response:
                body = await response.json(content_type=None) if method != "PUT" else None
        except PlatformError:
            raise
        except ValueError:
            raise Transient("LinkedIn answered the image call with unreadable JSON") from None
        except (aiohttp.ClientError, TimeoutError) as exc:
            # an upload posts nothing: a doubt about it is only a reason to upload again
            raise async_network_error(exc, write=False, platform="LinkedIn") from None
        return body if isinstance(body, dict) else {}
