"""Blobs on the emulated PDS: ``com.atproto.repo.uploadBlob`` and the check a record's blob
references get (https://atproto.com/guides/blob-lifecycle, https://atproto.com/specs/blob).

- ``POST /xrpc/com.atproto.repo.uploadBlob``: the raw bytes, declared by ``Content-Type``; the
  PDS's generic cap (the faults' ``media_max_bytes``) answers 413 ``PayloadTooLarge``; the bytes
  are sniffed, and an image declared as another kind of image is refused (400
  ``InvalidRequest``); answer ``{"blob": {"$type": "blob", "ref": {"$link": cid}, "mimeType",
  "size"}}`` with a raw-codec CIDv1 (base32, ``bafkrei…``) of the bytes' SHA-256.
- An upload is temporary until a record names it, and removed after ``media_ttl_s`` (the
  faults; ``/_sandbox/expire-media`` forgets them at once), as a PDS garbage-collects blobs.
- ``createRecord``: every blob the record names must be one of this repo's uploads, still kept,
  with the same size and type (else 400 ``InvalidRequest`` "Could not find blob"); the lexicon's
  own limits (lexicon.py) apply at this point, not at upload.
"""

from __future__ import annotations

import base64
import hashlib
import time
from typing import TYPE_CHECKING, Any

from aiohttp import web

from amplifier.sandbox.emulators.bluesky.identity import xrpc_error
from amplifier.sandbox.kit.media import Media, sniff, store_media

if TYPE_CHECKING:
    from amplifier.sandbox.emulators.bluesky.dialect import BlueskyDialect
    from amplifier.sandbox.kit.state import HostState, User

UPLOAD = "/xrpc/com.atproto.repo.uploadBlob"


def cid_of(data: bytes) -> str:
    """CIDv1, raw codec (0x55), sha2-256 multihash, base32 lower with the ``b`` prefix."""
    raw = bytes([0x01, 0x55, 0x12, 0x20]) + hashlib.sha256(data).digest()
    return "b" + base64.b32encode(raw).decode("ascii").lower().rstrip("=")


def upload(
    state: HostState, dialect: BlueskyDialect, user: User, data: bytes, declared: str
) -> web.Response | dict[str, Any]:
    """The upload's blob object, or the PDS's refusal."""
    if state.faults.take_media_failure():
        return xrpc_error(state.faults.error_status, "InternalServerError", "Upload failed")
    if len(data) > state.faults.media_max_bytes:
        return xrpc_error(413, "PayloadTooLarge", "request entity too large")
    found = sniff(data)
    if declared.startswith("image/") and found != declared:
        return xrpc_error(
            400, "InvalidRequest", f"Declared type {declared} does not match the bytes"
        )
    kind = found or declared or "application/octet-stream"
    cid = cid_of(data)
    media = store_media(state, user, data, media_type=kind, description="")
    dialect.blobs[(user.id, cid)] = media.id
    return {"$type": "blob", "ref": {"$link": cid}, "mimeType": kind, "size": len(data)}


def uploads_named(
    state: HostState, dialect: BlueskyDialect, user: User, refs: list[dict[str, Any]]
) -> list[Media] | str:
    """This repo's kept uploads the record names, or the refusal's words."""
    found = []
    at = time.time()
    for ref in refs:
        cid = str(ref["ref"]["$link"])
        media = state.media.get(dialect.blobs.get((user.id, cid), ""))
        if media is None or media.user_id != user.id or media.expired(at):
            return f"Could not find blob: {cid}"
        if media.size != ref["size"] or media.media_type != ref["mimeType"]:
            return f"Blob {cid} is not the size and type the record says"
        found.append(media)
    return found


def attach(post_id: str, medias: list[Media], embed: dict[str, Any]) -> list[Media]:
    """The uploads now belong to the post (never collected): with their alt text and size."""
    found = embed.get("images")
    images: list[Any] = found if isinstance(found, list) else []
    for i, media in enumerate(medias):
        media.post_id = post_id
        if i < len(images):
            media.description = str(images[i].get("alt", ""))
            ratio = images[i].get("aspectRatio") or {}
            media.width, media.height = int(ratio.get("width", 0)), int(ratio.get("height", 0))
    return medias
