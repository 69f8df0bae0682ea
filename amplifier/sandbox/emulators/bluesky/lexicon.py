"""The ``app.bsky.feed.post`` record as its lexicon defines it, checked as a PDS checks it.

Lexicon ``app.bsky.feed.post`` (record key ``tid``): ``text`` (string, ``maxGraphemes`` 300,
``maxLength`` 3000 UTF-8 bytes), ``createdAt`` (``datetime``, required), ``facets``
(``app.bsky.richtext.facet``: ``index {byteStart, byteEnd}`` with ``byteEnd`` inside the text's
bytes, ``features`` of ``#link {uri}``, ``#mention {did}``, ``#tag {tag}``), ``langs``, ``embed``
(a union: ``app.bsky.embed.images {images: [{image: blob, alt, aspectRatio?}]}``, at most 4,
each blob ``image/*`` up to 1,000,000 bytes; ``app.bsky.embed.external {external: {uri, title,
description, thumb?}}``; a blob is ``{$type: blob, ref: {$link}, mimeType, size}``,
https://atproto.com/specs/data-model#blob-type). Datetimes:
RFC 3339 with a timezone (https://atproto.com/specs/lexicon#datetime). TIDs:
https://atproto.com/specs/tid.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import regex

POST = "app.bsky.feed.post"
IMAGES = "app.bsky.embed.images"
EXTERNAL = "app.bsky.embed.external"
MAX_IMAGES = 4
MAX_BLOB = 1_000_000  # the lexicons' maxSize for an image and a card's thumb
_URI = re.compile(r"^[a-z][a-z0-9+.-]*:\S+$")
TID = re.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
_GRAPHEME = regex.compile(r"\X")
FEATURES = {
    "app.bsky.richtext.facet#link": "uri",
    "app.bsky.richtext.facet#mention": "did",
    "app.bsky.richtext.facet#tag": "tag",
}


def graphemes(text: str) -> int:
    return len(_GRAPHEME.findall(text))


def _datetime_ok(value: Any) -> bool:
    if not isinstance(value, str) or not _DATETIME.match(value):
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _facet_problem(facet: Any, size: int, i: int) -> str | None:
    where = f"Record/facets/{i}"
    if not isinstance(facet, dict):
        return f"{where} must be an object"
    index = facet.get("index")
    if not isinstance(index, dict):
        return f'{where} must have the property "index"'
    start, end = index.get("byteStart"), index.get("byteEnd")
    if not isinstance(start, int) or not isinstance(end, int) or isinstance(start, bool):
        return f"{where}/index/byteStart and byteEnd must be integers"
    if not 0 <= start < end <= size:
        return f"{where}/index is outside the text's {size} bytes ({start}..{end})"
    features = facet.get("features")
    if not isinstance(features, list) or not features:
        return f'{where} must have the property "features"'
    for feature in features:
        kind = feature.get("$type") if isinstance(feature, dict) else None
        needed = FEATURES.get(str(kind))
        if needed is None or not isinstance(feature.get(needed), str) or not feature[needed]:
            return f"{where}/features has an unknown or incomplete feature"
        if needed == "uri" and not re.match(r"^[a-z][a-z0-9+.-]*:\S+$", feature["uri"]):
            return f"{where}/features/uri must be a valid uri"
        if needed == "did" and not feature["did"].startswith("did:"):
            return f"{where}/features/did must be a valid did"
        if needed == "tag" and (
            len(feature["tag"].encode()) > 640 or graphemes(feature["tag"]) > 64
        ):
            return f"{where}/features/tag must not be longer than 64 graphemes"
    return None


def record_problem(record: Any) -> str | None:
    """Why ``record`` is not a valid post, in the PDS's words, or None."""
    if not isinstance(record, dict):
        return "Record must be an object"
    if record.get("$type") != POST:
        return f"Invalid $type: expected {POST}"
    text = record.get("text", "")
    if not isinstance(text, str):
        return "Record/text must be a string"
    size = len(text.encode("utf-8"))
    if size > 3000:
        return "Record/text must not be longer than 3000 characters"
    if graphemes(text) > 300:
        return "Record/text must not be longer than 300 graphemes"
    if not _datetime_ok(record.get("createdAt")):
        return "Record/createdAt must be an valid atproto datetime (both RFC-3339 and ISO-8601)"
    facets = record.get("facets", [])
    if not isinstance(facets, list):
        return "Record/facets must be an array"
    for i, facet in enumerate(facets):
        problem = _facet_problem(facet, size, i)
        if problem:
            return problem
    return embed_problem(record.get("embed"))


def _blob_problem(blob: Any, where: str) -> str | None:
    """A blob field as the lexicon types it (``accept image/*``, ``maxSize`` 1,000,000)."""
    ref = blob.get("ref") if isinstance(blob, dict) else None
    if (
        not isinstance(blob, dict)
        or blob.get("$type") != "blob"
        or not isinstance(ref, dict)
        or not isinstance(ref.get("$link"), str)
        or not isinstance(blob.get("mimeType"), str)
        or not isinstance(blob.get("size"), int)
    ):
        return f"{where} should be a blob ref"
    if not str(blob["mimeType"]).startswith("image/"):
        return f"{where} has an invalid mime type: {blob['mimeType']} (accepts image/*)"
    if blob["size"] > MAX_BLOB:
        return f"{where} is too big: {blob['size']} bytes (maxSize {MAX_BLOB})"
    return None


def _images_problem(embed: dict[str, Any]) -> str | None:
    images = embed.get("images")
    if not isinstance(images, list):
        return 'Record/embed must have the property "images"'
    if len(images) > MAX_IMAGES:
        return f"Record/embed/images must not have more than {MAX_IMAGES} elements"
    for i, image in enumerate(images):
        where = f"Record/embed/images/{i}"
        if not isinstance(image, dict) or not isinstance(image.get("alt"), str):
            return f'{where} must have the property "alt"'
        problem = _blob_problem(image.get("image"), f"{where}/image")
        if problem:
            return problem
        ratio = image.get("aspectRatio")
        if ratio is not None and not (
            isinstance(ratio, dict)
            and all(isinstance(ratio.get(k), int) and ratio[k] >= 1 for k in ("width", "height"))
        ):
            return f"{where}/aspectRatio must have integer width and height of at least 1"
    return None


def _external_problem(embed: dict[str, Any]) -> str | None:
    external = embed.get("external")
    if not isinstance(external, dict):
        return 'Record/embed must have the property "external"'
    for name in ("uri", "title", "description"):
        if not isinstance(external.get(name), str):
            return f'Record/embed/external must have the property "{name}"'
    if not _URI.match(external["uri"]):
        return "Record/embed/external/uri must be a uri"
    if "thumb" in external:
        return _blob_problem(external["thumb"], "Record/embed/external/thumb")
    return None


def embed_problem(embed: Any) -> str | None:
    """The post's ``embed`` union: ``app.bsky.embed.images`` or ``app.bsky.embed.external``
    (the two this sandbox stores; a PDS knows more)."""
    if embed is None:
        return None
    kind = embed.get("$type") if isinstance(embed, dict) else None
    if kind == IMAGES:
        assert isinstance(embed, dict)
        return _images_problem(embed)
    if kind == EXTERNAL:
        assert isinstance(embed, dict)
        return _external_problem(embed)
    return f"Record/embed $type must be one of {IMAGES}, {EXTERNAL} (got {kind!r})"


def blob_refs(embed: Any) -> list[dict[str, Any]]:
    """The blobs a valid embed names (its images, or its card's thumb)."""
    if not isinstance(embed, dict):
        return []
    if embed.get("$type") == IMAGES:
        return [image["image"] for image in embed.get("images", [])]
    thumb = (embed.get("external") or {}).get("thumb")
    return [thumb] if isinstance(thumb, dict) else []
