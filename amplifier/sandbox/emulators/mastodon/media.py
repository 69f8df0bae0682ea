"""Mastodon's media endpoints, as the sandbox answers them (docs.joinmastodon.org).

* ``POST /api/v2/media`` (/methods/media/#v2): multipart ``file``, ``description`` (alt text),
  ``focus``; scope ``write:media``. Answer: a MediaAttachment (/entities/MediaAttachment/), 200
  when processed at once, 202 with ``url`` null while the full-size file is still processing.
* ``GET /api/v1/media/:id`` (/methods/media/#get): 206 while processing, 200 once ready; 404
  "Record not found" for another account's or an unknown upload.
* ``POST /api/v1/statuses`` takes ``media_ids[]`` (at most 4): an upload still processing is
  refused with 422 "Cannot attach files that have not finished processing. Try again in a
  moment!"; ids that are not the account's unattached uploads are ignored, as Mastodon does.
* Limits (the server's ``/api/v2/instance`` ``configuration.media_attachments``, defaults):
  images up to 16 MB (``image_size_limit`` 16,777,216) and 33,177,600 pixels
  (``image_matrix_limit``); descriptions up to 1,500 characters. Unattached uploads are removed
  after about a day.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from amplifier.sandbox.emulators.mastodon.entities import attachment, error
from amplifier.sandbox.kit.dialect import RateHeaders, RateWindow
from amplifier.sandbox.kit.media import Media, sniff, store_media, usable_media
from amplifier.sandbox.kit.preamble import Call, endpoint
from amplifier.sandbox.kit.state import HostState, User

IMAGE_TYPES = {"image/jpeg", "image/png", "image/gif", "image/webp"}
MAX_DESCRIPTION = 1_500
MAX_MEDIA = 4
RATE_HEADERS = RateHeaders("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "iso")
# "Rate limits" (/api/rate-limits/): 30 media uploads per 30 minutes per account
API_WINDOW = (RateWindow("api", "user", RATE_HEADERS),)  # the same bucket as api.py's
UPLOAD_WINDOW = (*API_WINDOW, RateWindow("media", "user", RATE_HEADERS, limit=30, window_s=1800))


def attachment_json(state: HostState, media: Media) -> dict[str, Any]:
    """The attachment as the upload answers it: `url` null until processed."""
    body = attachment(state, media)
    if not media.ready(time.time()):
        body["url"] = None
    return body


@endpoint(bearer=True, windows=UPLOAD_WINDOW, scopes=("write:media",))
async def upload(call: Call) -> web.StreamResponse:
    state, request = call.state, call.request
    if state.faults.take_media_failure():
        return error(state.faults.error_status, "Error processing thumbnail for uploaded media")
    if request.content_type != "multipart/form-data":
        return error(422, "Validation failed: File can't be blank")
    form = await request.post()
    part = form.get("file")
    if not isinstance(part, web.FileField):
        return error(422, "Validation failed: File can't be blank")
    data = part.file.read()
    kind = sniff(data)
    if kind not in IMAGE_TYPES:
        return error(422, "Validation failed: File content type is invalid")
    if len(data) > state.faults.media_max_bytes:
        limit = state.faults.media_max_bytes // (1024 * 1024)
        return error(422, f"Validation failed: File file size must be less than {limit} MB")
    description = str(form.get("description") or "")
    if len(description) > MAX_DESCRIPTION:
        return error(
            422,
            f"Validation failed: Description is too long (maximum is {MAX_DESCRIPTION} characters)",
        )
    assert kind is not None
    media = store_media(state, call.user, data, media_type=kind, description=description)
    body = attachment_json(state, media)
    return call.answer(body, 200 if body["url"] else 202)


@endpoint(bearer=True, windows=API_WINDOW, scopes=("write:media",))
async def get_media(call: Call) -> web.StreamResponse:
    media = call.state.media.get(call.request.match_info["id"])
    if media is None or media.user_id != call.user.id or media.expired(time.time()):
        return error(404, "Record not found")
    body = attachment_json(call.state, media)
    return call.answer(body, 200 if body["url"] else 206)


async def media_of_status(
    state: HostState, user: User, request: web.Request, params: dict[str, Any]
) -> list[Media] | web.Response:
    """The uploads a new status names, Mastodon's way: unknown ids are dropped silently, one
    still processing refuses the status."""
    ids: list[str] = []
    if request.content_type == "application/json":
        raw = params.get("media_ids") or []
        ids = [str(i) for i in raw] if isinstance(raw, list) else []
    elif request.content_type == "application/x-www-form-urlencoded":
        body = (await request.read()).decode("utf-8", "replace")
        ids = [v for k, v in parse_qsl(body) if k in ("media_ids[]", "media_ids")]
    elif request.content_type == "multipart/form-data":
        form = await request.post()
        ids = [str(v) for k, v in form.items() if k in ("media_ids[]", "media_ids")]
    ids = ids[:MAX_MEDIA]
    kept = []
    for media_id in ids:
        found = usable_media(state, user, [media_id])
        if found == "processing":
            return error(
                422, "Cannot attach files that have not finished processing. Try again in a moment!"
            )
        if isinstance(found, list):
            kept.extend(found)
    return kept


def add_routes(app: web.Application) -> None:
    app.router.add_post("/api/v2/media", upload)
    app.router.add_get("/api/v1/media/{id:\\d+}", get_media)
