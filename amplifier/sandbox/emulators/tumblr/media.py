"""Tumblr's user-uploaded media, as the sandbox answers it: the bytes travel with the post.

Facts (https://www.tumblr.com/docs/en/api/v2, "User Uploaded Media"; the NPF specification,
"Content Block Type: Image"):

* ``POST /v2/blog/{blog}/posts`` may be ``multipart/form-data``: the first part, ``json``,
  holds the NPF body; an image block's media object names an ``identifier`` (``{"type":
  "image", "media": [{"type": "image/jpeg", "identifier": "…", "width", "height"}],
  "alt_text": "…"}``), and the part of that name holds the image's bytes.
* ``alt_text`` is at most 4,096 characters; a post has at most 30 image blocks.
* Errors: 400 ``8001`` for bad NPF, 400 ``8005`` for media of a format Tumblr cannot take,
  403 ``8004`` when the user may upload no more media today (250 images a day per user),
  500 ``8006`` for an unknown upload error.

A consumed image block names its stored file by ``url`` (and keeps ``alt_text``), as Tumblr
shows posts; the bytes' digest and alt text are on the post in ``/_sandbox/posts``. The
faults' ``media_fail_next`` fails an upload, ``media_max_bytes`` caps one.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from amplifier.sandbox.kit.media import Media, sniff, store_media
from amplifier.sandbox.kit.preamble import Call
from amplifier.sandbox.kit.web_util import read_params

IMAGE_TYPES = {"image/jpeg", "image/png", "image/gif", "image/webp"}
MAX_ALT = 4_096
MAX_IMAGE_BLOCKS = 30


class Refused(Exception):
    """Tumblr's error for the request: HTTP status, subcode, detail."""

    def __init__(self, status: int, code: int, detail: str) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail = status, code, detail


async def read_post(call: Call) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The NPF body and the uploaded parts by name (none for a JSON request); Refused."""
    request = call.request
    if request.content_type != "multipart/form-data":
        try:
            return await read_params(request), {}
        except ValueError:
            raise Refused(400, 8001, "Request body is not valid JSON.") from None
    form = await request.post()
    raw = form.get("json")
    if isinstance(raw, web.FileField):
        raw = raw.file.read()
    try:
        body = json.loads(raw) if isinstance(raw, str | bytes | bytearray) else None
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise Refused(400, 8001, "The json part must hold the NPF body.")
    parts = {
        name: value.file.read() for name, value in form.items() if isinstance(value, web.FileField)
    }
    return body, parts


def image_problem(index: int, block: dict[str, Any]) -> str | None:
    media = block.get("media")
    if not isinstance(media, list) or not media or not all(isinstance(m, dict) for m in media):
        return f"Image block content[{index}] must have media."
    alt = block.get("alt_text", "")
    if not isinstance(alt, str) or len(alt) > MAX_ALT:
        return f"Image block content[{index}] alt_text is longer than {MAX_ALT} characters."
    return None


def take_uploads(
    call: Call, content: list[dict[str, Any]], parts: dict[str, bytes]
) -> tuple[list[dict[str, Any]], list[Media]]:
    """Store every image an image block names by `identifier`, and the content as Tumblr then
    shows it (the media object's `url` in place of the identifier); Refused."""
    state, user = call.state, call.user
    images = [b for b in content if b.get("type") == "image"]
    if len(images) > MAX_IMAGE_BLOCKS:
        raise Refused(400, 8001, f"A post may have at most {MAX_IMAGE_BLOCKS} image blocks.")
    shown: list[dict[str, Any]] = []
    stored: list[Media] = []
    base = state.config.base_url.rstrip("/")
    for block in content:
        if block.get("type") != "image":
            shown.append(block)
            continue
        objects = []
        for media in block["media"]:
            identifier = media.get("identifier")
            if identifier is None:
                objects.append(media)  # an image already on the web, by url
                continue
            data = parts.get(str(identifier))
            if data is None:
                raise Refused(400, 8001, f"No uploaded part named {identifier!r}.")
            if state.faults.take_media_failure():
                raise Refused(state.faults.error_status, 8006, "Unknown upload error.")
            kind = sniff(data)
            if kind not in IMAGE_TYPES or len(data) > state.faults.media_max_bytes:
                raise Refused(400, 8005, "The uploaded media is an invalid format.")
            assert kind is not None
            width, height = int(media.get("width") or 0), int(media.get("height") or 0)
            item = store_media(
                state,
                user,
                data,
                media_type=kind,
                description=str(block.get("alt_text", "")),
                width=width,
                height=height,
            )
            item.ready_at = item.created_at  # Tumblr processes an image within the post call
            stored.append(item)
            url = f"{base}/media/{item.id}.{kind.removeprefix('image/')}"
            objects.append({"type": kind, "url": url, "width": width, "height": height})
        shown.append({**block, "media": objects})
    return shown, stored
