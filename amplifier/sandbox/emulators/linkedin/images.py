"""LinkedIn's Images API, as the sandbox answers it, and the image a post names.

Facts, from "Images API"
(https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/images-api)
and "Posts API" (.../community-management/shares/posts-api):

* ``POST /rest/images?action=initializeUpload`` with ``LinkedIn-Version`` and
  ``X-Restli-Protocol-Version: 2.0.0``, JSON ``{"initializeUploadRequest": {"owner":
  "urn:li:person:{id}"}}`` (``w_member_social`` for a member owner) → 200 ``{"value":
  {"uploadUrlExpiresAt": ms, "uploadUrl", "image": "urn:li:image:{id}"}}``.
* ``PUT {uploadUrl}`` with the raw bytes (the bearer token may go along) → 201. Images API
  takes JPG, GIF and PNG, fewer than 36,152,320 pixels.
* ``GET /rest/images/{image urn}`` → ``{"id", "owner", "status", "downloadUrl"...}``; status
  ``WAITING_UPLOAD`` before the bytes came, ``PROCESSING``, ``AVAILABLE``, ``PROCESSING_FAILED``.
* A post names the image in ``content.media.id`` with its ``altText`` (at most 4,086
  characters); the image must belong to the post's author, else 400
  ``INVALID_CONTENT_OWNERSHIP`` "Content(s) you provided must be owned by post author".

The upload URL is signed here with an HMAC of the image id (the real one is a signed address
on another host): whoever holds it may upload once, with or without the token. The faults'
``media_fail_next`` fails an upload, ``media_processing_s`` keeps an image PROCESSING,
``media_ttl_s`` forgets one never posted, ``media_max_bytes`` caps the bytes.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import time
from typing import Any

from aiohttp import web

from amplifier.sandbox.emulators.linkedin.api import restli_error, urn_of, version_problem
from amplifier.sandbox.kit.media import Media, sniff, store_media
from amplifier.sandbox.kit.preamble import Call, endpoint
from amplifier.sandbox.kit.state import HostState
from amplifier.sandbox.kit.web_util import host_state, read_params

IMAGE_TYPES = {"image/jpeg", "image/png", "image/gif"}
MAX_ALT = 4_086
UPLOAD_URL_TTL_S = 86_400
_SIGNING_KEY = secrets.token_bytes(16)
_WAITING = ""  # the media type of an image whose bytes have not come yet


def image_urn(media_id: str) -> str:
    return f"urn:li:image:{media_id}"


def _signature(media_id: str) -> str:
    return hmac.new(_SIGNING_KEY, media_id.encode(), hashlib.sha256).hexdigest()[:32]


def status_of(media: Media, at: float) -> str:
    if media.media_type == _WAITING:
        return "WAITING_UPLOAD"
    return "AVAILABLE" if media.ready(at) else "PROCESSING"


def _find(state: HostState, urn: str) -> Media | None:
    prefix = "urn:li:image:"
    if not urn.startswith(prefix):
        return None
    media = state.media.get(urn.removeprefix(prefix))
    if media is None or media.expired(time.time()):
        return None
    return media


@endpoint(bearer=True, scopes=("w_member_social",))
async def initialize_upload(call: Call) -> web.StreamResponse:
    refused = version_problem(call.request)
    if refused is not None:
        return refused
    if call.request.query.get("action") != "initializeUpload":
        return restli_error(400, "Action must be initializeUpload", "ILLEGAL_ARGUMENT")
    try:
        body = await read_params(call.request)
    except ValueError:
        return restli_error(400, "Request body is not valid JSON", "ILLEGAL_ARGUMENT")
    request = body.get("initializeUploadRequest")
    owner = request.get("owner") if isinstance(request, dict) else None
    if not isinstance(owner, str):
        return restli_error(
            422, "/initializeUploadRequest/owner :: field is required but not found"
        )
    if owner != urn_of(call.user.id):
        return restli_error(
            403, f"Not enough permissions to upload for owner {owner}", "ACCESS_DENIED", 100
        )
    media = store_media(call.state, call.user, b"", media_type=_WAITING, description="")
    media.ready_at = math.inf
    origin = str(call.request.url.origin())
    upload = f"{origin}/dms-uploads/sp/{media.id}?sig={_signature(media.id)}"
    expires_ms = int((time.time() + UPLOAD_URL_TTL_S) * 1000)
    return call.answer(
        {
            "value": {
                "uploadUrlExpiresAt": expires_ms,
                "uploadUrl": upload,
                "image": image_urn(media.id),
            }
        }
    )


async def upload_bytes(request: web.Request) -> web.StreamResponse:
    """``PUT {uploadUrl}``: the bytes of an initialized image, once."""
    state = host_state(request)
    media_id = request.match_info["id"]
    if not hmac.compare_digest(request.query.get("sig", ""), _signature(media_id)):
        return restli_error(403, "Upload URL signature does not match", "ACCESS_DENIED")
    media = state.media.get(media_id)
    if media is None or media.expired(time.time()):
        return restli_error(404, "Upload not found or expired", "NOT_FOUND")
    if media.media_type != _WAITING:
        return restli_error(409, "The image was already uploaded", "CONFLICT")
    if state.faults.take_media_failure():
        return restli_error(state.faults.error_status, "Sandbox: injected upload failure")
    data = await request.read()
    if len(data) > state.faults.media_max_bytes:
        return restli_error(
            413, f"Upload exceeds {state.faults.media_max_bytes} bytes", "PAYLOAD_TOO_LARGE"
        )
    kind = sniff(data)
    if kind not in IMAGE_TYPES:
        return restli_error(400, "Unsupported image format: JPG, GIF or PNG", "INVALID_MEDIA")
    assert kind is not None
    t = time.time()
    media.media_type = kind
    media.size = len(data)
    media.sha256 = hashlib.sha256(data).hexdigest()
    media.ready_at = t + state.faults.media_processing_s
    return web.Response(status=201)


@endpoint(bearer=True, scopes=("w_member_social",))
async def get_image(call: Call) -> web.StreamResponse:
    refused = version_problem(call.request)
    if refused is not None:
        return refused
    urn = call.request.match_info["urn"]
    media = _find(call.state, urn)
    if media is None or media.user_id != call.user.id:
        return restli_error(404, f"Image {urn} not found", "NOT_FOUND")
    status = status_of(media, time.time())
    body: dict[str, Any] = {"id": urn, "owner": urn_of(media.user_id), "status": status}
    if status == "AVAILABLE":
        origin = str(call.request.url.origin())
        body["downloadUrl"] = f"{origin}/dms/image/{media.id}"
        body["downloadUrlExpiresAt"] = int((time.time() + 3600) * 1000)
    return call.answer(body)


def media_of_post(call: Call, body: dict[str, Any]) -> list[Media] | web.Response:
    """The image a new post names in ``content.media`` (with its alt text kept on it), or why
    the post is refused; no ``content``: no image."""
    content = body.get("content")
    if content is None:
        return []
    media_ref = content.get("media") if isinstance(content, dict) else None
    if not isinstance(media_ref, dict) or not isinstance(media_ref.get("id"), str):
        return restli_error(
            422, "/content/media/id :: field is required but not found", "UNPROCESSABLE_ENTITY"
        )
    alt = media_ref.get("altText", "")
    if not isinstance(alt, str) or len(alt) > MAX_ALT:
        return restli_error(
            422, f"/content/media/altText :: length exceeds {MAX_ALT}", "UNPROCESSABLE_ENTITY"
        )
    media = _find(call.state, media_ref["id"])
    if media is None or media.user_id != call.user.id:
        return restli_error(
            400,
            "Content(s) you provided must be owned by post author",
            "INVALID_CONTENT_OWNERSHIP",
        )
    status = status_of(media, time.time())
    if status != "AVAILABLE":
        return restli_error(
            422, f"Image {media_ref['id']} is not available ({status})", "UNPROCESSABLE_ENTITY"
        )
    media.description = alt
    return [media]


def add_routes(app: web.Application) -> None:
    app.router.add_post("/rest/images", initialize_upload)
    app.router.add_get("/rest/images/{urn}", get_image)
    app.router.add_put("/dms-uploads/sp/{id:\\d+}", upload_bytes)
