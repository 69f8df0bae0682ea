"""X's media endpoints (v2), as the sandbox answers them.

Facts, and where they come from:

* ``POST /2/media/upload`` ("Upload media", https://docs.x.com/x-api/media/upload-media and
  "Media best practices", https://docs.x.com/x-api/media/quickstart/best-practices): a
  one-shot multipart body with ``media`` (the raw bytes), ``media_category`` (``tweet_image``…)
  and ``media_type``; needs the OAuth 2.0 user token with ``media.write``. Answer
  ``{"data": {"id", "media_key", "size", "expires_after_secs", "processing_info"?}}``; a media id
  is usable in a post until ``expires_after_secs`` (86,400: 24 hours). Images: JPEG, PNG, GIF,
  WebP; at most 5 MB.
* ``GET /2/media/upload?command=STATUS&media_id=`` the ``processing_info`` (``state``:
  ``pending``, ``in_progress``, ``succeeded``, ``failed``; ``check_after_secs``).
* ``POST /2/media/metadata`` ("Create Media metadata",
  https://docs.x.com/x-api/media/create-media-metadata): JSON ``{"id", "metadata": {"alt_text":
  {"text"}}}``, alt text at most 1,000 characters.
* ``POST /2/tweets`` takes ``"media": {"media_ids": [...]}`` (up to 4 photos).
"""

from __future__ import annotations

import json
import time
from typing import Any

from aiohttp import web

from amplifier.sandbox.emulators.x.answers import invalid_request, problem
from amplifier.sandbox.kit.dialect import RateHeaders, RateWindow
from amplifier.sandbox.kit.media import Media, sniff, store_media, usable_media
from amplifier.sandbox.kit.preamble import Call, endpoint
from amplifier.sandbox.kit.state import HostState, User

IMAGE_TYPES = {"image/jpeg", "image/png", "image/gif", "image/webp"}
MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_ALT = 1_000
MAX_MEDIA = 4
PER_USER = RateHeaders("x-rate-limit-limit", "x-rate-limit-remaining", "x-rate-limit-reset")
UPLOAD_WINDOW = (RateWindow("media_upload", "user", PER_USER, limit=500, window_s=900),)


def _media_json(state: HostState, media: Media) -> dict[str, Any]:
    left = max(0, int(media.expires_at - time.time()))
    data: dict[str, Any] = {
        "id": media.id,
        "media_key": f"3_{media.id}",
        "size": media.size,
        "expires_after_secs": left,
    }
    if not media.ready(time.time()):
        wait = max(1, int(media.ready_at - time.time() + 0.999))
        data["processing_info"] = {"state": "in_progress", "check_after_secs": wait}
    elif state.faults.media_processing_s > 0:
        data["processing_info"] = {"state": "succeeded", "progress_percent": 100}
    return data


@endpoint(bearer=True, windows=UPLOAD_WINDOW, scopes=("media.write",))
async def upload(call: Call) -> web.StreamResponse:
    state, request = call.state, call.request
    if state.faults.take_media_failure():
        return problem(state.faults.error_status, "The media upload failed.")
    if request.content_type != "multipart/form-data":
        return invalid_request("media", "", "The media field is required.")
    form = await request.post()
    part = form.get("media")
    if not isinstance(part, web.FileField):
        return invalid_request("media", "", "The media field is required.")
    data = part.file.read()
    category = str(form.get("media_category") or "tweet_image")
    if category != "tweet_image":
        return invalid_request("media_category", category, "Only tweet_image is emulated.")
    kind = sniff(data)
    if kind is None or kind not in IMAGE_TYPES:
        return invalid_request("media", "", "media type unrecognized.")
    declared = form.get("media_type")
    if isinstance(declared, str) and declared and declared != kind:
        return invalid_request("media_type", declared, "The media_type does not match the file.")
    if len(data) > min(MAX_IMAGE_BYTES, state.faults.media_max_bytes):
        return invalid_request("media", "", "File size exceeds 5242880 bytes.")
    media = store_media(state, call.user, data, media_type=kind, description="")
    return call.answer({"data": _media_json(state, media)})


@endpoint(bearer=True, windows=UPLOAD_WINDOW, scopes=("media.write",))
async def upload_status(call: Call) -> web.StreamResponse:
    state, query = call.state, call.request.query
    if query.get("command", "STATUS") != "STATUS":
        return invalid_request("command", query.get("command", ""), "Unknown command.")
    media = state.media.get(query.get("media_id", ""))
    if media is None or media.user_id != call.user.id or media.expired(time.time()):
        return invalid_request("media_id", query.get("media_id", ""), "Media not found.")
    return call.answer({"data": _media_json(state, media)})


@endpoint(bearer=True, windows=UPLOAD_WINDOW, scopes=("media.write",))
async def metadata(call: Call) -> web.StreamResponse:
    state, request = call.state, call.request
    try:
        body = json.loads(await request.read())
    except ValueError:
        return invalid_request("body", "", "Request body is not valid JSON.")
    if not isinstance(body, dict):
        return invalid_request("body", "", "Request body is not valid JSON.")
    media_id = str(body.get("id") or "")
    media = state.media.get(media_id)
    if media is None or media.user_id != call.user.id or media.expired(time.time()):
        return invalid_request("id", media_id, "Media not found.")
    alt = ((body.get("metadata") or {}).get("alt_text") or {}).get("text")
    if not isinstance(alt, str) or len(alt) > MAX_ALT:
        return invalid_request(
            "alt_text", "", f"alt_text.text must be at most {MAX_ALT} characters."
        )
    media.description = alt
    return call.answer(
        {"data": {"id": media_id, "associated_metadata": {"alt_text": {"text": alt}}}}
    )


def media_of_post(state: HostState, user: User, body: dict[str, Any]) -> list[Media] | web.Response:
    """The uploads a new post names (`media.media_ids`), or X's refusal."""
    asked = body.get("media")
    if asked is None:
        return []
    ids = asked.get("media_ids") if isinstance(asked, dict) else None
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
        return invalid_request("media.media_ids", "", "media_ids must be a list of strings.")
    if len(ids) > MAX_MEDIA:
        return invalid_request("media.media_ids", "", f"At most {MAX_MEDIA} media ids.")
    found = usable_media(state, user, ids)
    if isinstance(found, str):
        what = {"processing": "is still processing"}.get(found, "is invalid or expired")
        return invalid_request("media.media_ids", ",".join(ids), f"Your media IDs {what}.")
    return found


def add_routes(app: web.Application) -> None:
    app.router.add_post("/2/media/upload", upload)
    app.router.add_get("/2/media/upload", upload_status)
    app.router.add_post("/2/media/metadata", metadata)
