"""The ``app.bsky.feed.post`` record as its lexicon defines it, checked as a PDS checks it.

Lexicon ``app.bsky.feed.post`` (record key ``tid``): ``text`` (string, ``maxGraphemes`` 300,
``maxLength`` 3000 UTF-8 bytes), ``createdAt`` (``datetime``, required), ``facets``
(``app.bsky.richtext.facet``: ``index {byteStart, byteEnd}`` with ``byteEnd`` inside the text's
bytes, ``features`` of ``#link {uri}``, ``#mention {did}``, ``#tag {tag}``), ``langs``, ``embed``
(``app.bsky.embed.external {external: {uri, title, description}}`` among others). Datetimes:
RFC 3339 with a timezone (https://atproto.com/specs/lexicon#datetime). TIDs:
https://atproto.com/specs/tid.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import regex

POST = "app.bsky.feed.post"
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
    embed = record.get("embed")
    if embed is not None:
        kind = embed.get("$type") if isinstance(embed, dict) else None
        external = embed.get("external") if isinstance(embed, dict) else None
        if kind != "app.bsky.embed.external" or not isinstance(external, dict):
            return "Record/embed must be an app.bsky.embed.external here"
        if not all(isinstance(external.get(k), str) for k in ("uri", "title", "description")):
            return 'Record/embed/external must have the properties "uri", "title", "description"'
    return None
