"""Threads' IMAGE containers: the picture fetched from the address the app names.

From https://developers.facebook.com/docs/threads/posts and /posts/accessibility: a container
with ``media_type=IMAGE`` names ``image_url``, which Threads retrieves itself ("it must be on a
public server"), and may carry ``alt_text``; Meta's media specifications take JPEG and PNG of at
most 8 MB. The container's ``status`` is IN_PROGRESS until the image is fetched, then FINISHED,
or ERROR with an ``error_message``. Here the fetch runs when the container is made (on loopback
in the sandbox) and the faults' ``media_processing_s`` keeps it IN_PROGRESS that long.
"""

from __future__ import annotations

import aiohttp

from amplifier.sandbox.kit.media import Media, sniff, store_media
from amplifier.sandbox.kit.state import HostState, User

MAX_IMAGE_BYTES = 8 * 1024 * 1024
FETCH_TIMEOUT_S = 10.0
MAX_ALT = 1_000


async def fetch_image(state: HostState, user: User, url: str, alt_text: str) -> Media | str:
    """The image at `url`, stored as the user's media; or the container's error message."""
    limit = min(MAX_IMAGE_BYTES, state.faults.media_max_bytes)
    try:
        timeout = aiohttp.ClientTimeout(total=FETCH_TIMEOUT_S)
        async with aiohttp.ClientSession(timeout=timeout) as http, http.get(url) as answer:
            if answer.status != 200:
                return f"FAILED_DOWNLOADING_IMAGE: {url} answered {answer.status}"
            data = await _read_at_most(answer, limit + 1)
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        return f"FAILED_DOWNLOADING_IMAGE: {type(exc).__name__}"
    if len(data) > limit:
        return f"IMAGE_TOO_LARGE: images are limited to {limit // (1024 * 1024)} MB"
    kind = sniff(data)
    if kind not in ("image/jpeg", "image/png"):
        return "UNSUPPORTED_IMAGE_FORMAT: Threads takes JPEG and PNG images"
    return store_media(state, user, data, media_type=kind, description=alt_text[:MAX_ALT])


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
