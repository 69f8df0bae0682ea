"""A Page's photos (https://developers.facebook.com/docs/graph-api/reference/page/photos):

- ``POST /{version}/{page-id}/photos`` with multipart ``source`` (or a public ``url``, fetched),
  ``published`` (``false``: stored on the Page, shown nowhere, until a post attaches it) and
  ``alt_text_custom``: ``{"id"}``; published at once, also ``{"post_id"}``. JPEG, PNG and GIF
  of at most 4 MB here (the faults' ``media_max_bytes`` may lower it).
- ``POST /{version}/{page-id}/feed`` with ``attached_media[N]={"media_fbid": "<photo id>"}``:
  the Page's unpublished photos the post shows (``attached_media`` as a JSON list is read too).
"""

from __future__ import annotations

import json
import math
from typing import Any

import aiohttp
from aiohttp import web

from amplifier.sandbox.emulators.meta.graph import error
from amplifier.sandbox.kit.media import Media, sniff, store_media, usable_media
from amplifier.sandbox.kit.state import HostState, User
from amplifier.sandbox.kit.web_util import read_params

MAX_PHOTO_BYTES = 4 * 1024 * 1024
FETCH_TIMEOUT_S = 10.0


async def _fetch(url: str, limit: int) -> bytes | str:
    try:
        timeout = aiohttp.ClientTimeout(total=FETCH_TIMEOUT_S)
        async with aiohttp.ClientSession(timeout=timeout) as http, http.get(url) as answer:
            if answer.status != 200:
                return f"{url} answered {answer.status}"
            return await _read_at_most(answer, limit + 1)
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        return type(exc).__name__


async def upload(
    state: HostState, page: User, request: web.Request
) -> tuple[Media, bool, str] | web.Response:
    """The photo of a ``/photos`` call, stored as the Page's media, whether it is published at
    once, and its caption; or Graph's refusal."""
    if state.faults.take_media_failure():
        return error(400, 324, "(#324) Requires upload file", kind="OAuthException")
    limit = min(MAX_PHOTO_BYTES, state.faults.media_max_bytes)
    fields: dict[str, Any] = {}
    data = b""
    if request.content_type == "multipart/form-data":
        form = await request.post()
        fields = {k: v for k, v in form.items() if isinstance(v, str)}
        part = form.get("source")
        if isinstance(part, web.FileField):
            data = part.file.read(limit + 1)
    else:
        fields = await read_params(request)
    if not data and isinstance(fields.get("url"), str):
        fetched = await _fetch(str(fields["url"]), limit)
        if isinstance(fetched, str):
            return error(400, 324, f"(#324) Could not fetch the photo: {fetched}")
        data = fetched
    if not data:
        return error(400, 324, "(#324) Requires upload file")
    if len(data) > limit:
        return error(400, 100, f"(#100) The photo is larger than {limit:,} bytes")
    kind = sniff(data)
    if kind not in ("image/jpeg", "image/png", "image/gif"):
        return error(400, 100, "(#100) Invalid image: the file is not a JPEG, PNG or GIF")
    media = store_media(
        state, page, data, media_type=kind, description=str(fields.get("alt_text_custom", ""))
    )
    media.expires_at = math.inf  # an unpublished (not temporary) photo stays on the Page
    published = str(fields.get("published", "true")).lower() not in ("false", "0")
    caption = str(fields.get("message") or fields.get("caption") or "")
    return media, published, caption


def attached_ids(params: dict[str, Any]) -> list[str] | None:
    """The photo ids a feed post names, or None when a value is not ``{"media_fbid": id}``."""
    raw: list[Any] = []
    listed = params.get("attached_media")
    if isinstance(listed, list):
        raw = listed
    elif isinstance(listed, str) and listed.strip():
        try:
            value = json.loads(listed)
        except ValueError:
            return None
        raw = value if isinstance(value, list) else [value]
    indexed = sorted(
        (k for k in params if k.startswith("attached_media[") and k.endswith("]")),
        key=lambda k: int(k[15:-1]) if k[15:-1].isdigit() else 0,
    )
    for key in indexed:
        try:
            raw.append(json.loads(str(params[key])))
        except ValueError:
            return None
    ids = []
    for item in raw:
        if not isinstance(item, dict) or not str(item.get("media_fbid", "")):
            return None
        ids.append(str(item["media_fbid"]))
    return ids


def photos_of_post(
    state: HostState, page: User, params: dict[str, Any]
) -> list[Media] | web.Response:
    ids = attached_ids(params)
    if ids is None:
        return error(400, 100, "(#100) attached_media must be objects with a media_fbid")
    found = usable_media(state, page, ids)
    if isinstance(found, str):
        return error(400, 100, f"(#100) attached_media names a photo that is {found} here")
    return found


async def _read_at_most(answer: aiohttp.ClientResponse, cap: int) -> bytes:
    """The body, or its first `cap` bytes (one read may return less than asked)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in answer.content.iter_chunked(65_536):
        chunks.append(chunk)
        size += len(chunk)
        if size >= cap:
            break
    return b"".join(chunks)[:cap]
