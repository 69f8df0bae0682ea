"""Bluesky's text rules, its rich-text facets and its record keys, as pure functions.

Why here: Bluesky's server counts nothing for us and detects nothing. A post's `text` may hold
at most 300 graphemes and 3,000 UTF-8 bytes (lexicon `app.bsky.feed.post`, `text`:
`maxGraphemes: 300, maxLength: 3000`), and a link, a mention or a hashtag is only a link, a
mention or a hashtag if the client sends a *facet* for it: a byte range of the UTF-8 text
(`byteStart` inclusive, `byteEnd` exclusive) and a feature
(`app.bsky.richtext.facet#link {uri}`, `#mention {did}`, `#tag {tag}`).
Sources: https://docs.bsky.app/docs/advanced-guides/post-richtext,
https://atproto.com/specs/lexicon (string `maxGraphemes`/`maxLength`), lexicons
`app.bsky.feed.post` and `app.bsky.richtext.facet`.

Record keys: a post's key is a TID (https://atproto.com/specs/tid): 64 bits (top bit 0, 53 bits
of microseconds since the UNIX epoch, 10 bits of clock id) written as 13 characters of
base32-sortable (`234567abcdefghijklmnopqrstuvwxyz`).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import regex

MAX_GRAPHEMES = 300
MAX_BYTES = 3000
MAX_TAG_GRAPHEMES = 64  # app.bsky.richtext.facet#tag: maxGraphemes 64
S32 = "234567abcdefghijklmnopqrstuvwxyz"
TID_RE = re.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$")

_GRAPHEME = regex.compile(r"\X")
# An explicit http(s) link: what the owner's link always is. Bare domains are left as text,
# so that "example.org" in a sentence never becomes a link by surprise.
_LINK = regex.compile(r"(?<![\w/])https?://[^\s<>\"]+", regex.IGNORECASE)
_TRAILING = ".,;:!?'\"\u00bb\u201d\u2019)]}"
# A mention: "@" after the start, a space or "(", then a handle (https://atproto.com/specs/handle)
_MENTION = regex.compile(
    r"(?<=^|[\s(])@((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?)"
    r"(?![\w.-]*[a-z0-9])",
    regex.IGNORECASE,
)
# A hashtag as the Bluesky app writes it: "#" (or fullwidth U+FF03) after the start or a space,
# then no space; not only digits; trailing punctuation is not part of it.
_TAG = regex.compile(r"(?<=^|\s)[#\uff03]([^\s\u00ad\u2060\u200a\u200b\u200c\u200d\u20e2]+)")
_TAG_TRAILING = regex.compile(r"\p{P}+$")


def grapheme_count(text: str) -> int:
    """User-perceived characters: extended grapheme clusters (UAX #29, the `regex` library)."""
    return len(_GRAPHEME.findall(text))


def byte_length(text: str) -> int:
    return len(text.encode("utf-8"))


def text_problems(
    text: str, *, max_graphemes: int = MAX_GRAPHEMES, max_bytes: int = MAX_BYTES
) -> list[str]:
    """Every reason Bluesky would refuse `text` as a post, in words an owner can act on."""
    if not text.strip():
        return ["The message is empty: Bluesky needs some text."]
    problems = []
    graphemes = grapheme_count(text)
    if graphemes > max_graphemes:
        problems.append(
            f"The message is {graphemes} characters long; Bluesky allows {max_graphemes} "
            f"(remove {graphemes - max_graphemes})."
        )
    size = byte_length(text)
    if size > max_bytes:
        problems.append(
            f"The message takes {size:,} bytes in UTF-8; Bluesky allows {max_bytes:,} "
            "(scripts other than Latin and emoji take 2 to 4 bytes a character): shorten it."
        )
    return problems


# ---- facets --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    """A found link, mention or tag: character offsets into the text, and what it is."""

    start: int
    end: int
    kind: str  # "link", "mention" or "tag"
    value: str  # the URI, the handle (without "@") or the tag (without "#")


def _strip_link(url: str) -> str:
    while url and url[-1] in _TRAILING:
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break  # a balanced parenthesis belongs to the URL (Wikipedia's links)
        url = url[:-1]
    return url


def find_spans(text: str) -> list[Span]:
    """The links, mentions and hashtags of `text`, in order, never overlapping."""
    spans: list[Span] = []
    for m in _LINK.finditer(text):
        url = _strip_link(m.group(0))
        if len(url) > len(m.group(0).split("://", 1)[0]) + 3:
            spans.append(Span(m.start(), m.start() + len(url), "link", url))
    taken = [(s.start, s.end) for s in spans]

    def free(start: int, end: int) -> bool:
        return all(end <= a or start >= b for a, b in taken)

    for m in _MENTION.finditer(text):
        if free(m.start(), m.end()):
            spans.append(Span(m.start(), m.end(), "mention", m.group(1).lower()))
    for m in _TAG.finditer(text):
        tag = _TAG_TRAILING.sub("", m.group(1))
        end = m.start(1) + len(tag)
        fits = tag and not tag.isdigit() and grapheme_count(tag) <= MAX_TAG_GRAPHEMES
        if fits and free(m.start(), end):
            spans.append(Span(m.start(), end, "tag", tag))
    return sorted(spans, key=lambda s: s.start)


def byte_offset(text: str, index: int) -> int:
    """The UTF-8 byte offset of character `index` of `text` (what facets count in)."""
    return len(text[:index].encode("utf-8"))


def facets(text: str, resolve: Callable[[str], str | None] | None = None) -> list[dict[str, Any]]:
    """The `app.bsky.richtext.facet` objects of `text`.

    `resolve(handle)` gives a mentioned handle's DID, or None (then the mention stays plain
    text: a mention facet must name a DID). Without `resolve`, mentions stay plain text.
    """
    out: list[dict[str, Any]] = []
    for span in find_spans(text):
        feature: dict[str, Any]
        if span.kind == "link":
            feature = {"$type": "app.bsky.richtext.facet#link", "uri": span.value}
        elif span.kind == "tag":
            feature = {"$type": "app.bsky.richtext.facet#tag", "tag": span.value}
        else:
            did = resolve(span.value) if resolve is not None else None
            if did is None:
                continue
            feature = {"$type": "app.bsky.richtext.facet#mention", "did": did}
        out.append(
            {
                "index": {
                    "byteStart": byte_offset(text, span.start),
                    "byteEnd": byte_offset(text, span.end),
                },
                "features": [feature],
            }
        )
    return out


def mentioned_handles(text: str) -> list[str]:
    """The handles `text` mentions (lower case, without "@"), each once, in order."""
    seen: dict[str, None] = {}
    for span in find_spans(text):
        if span.kind == "mention":
            seen.setdefault(span.value, None)
    return list(seen)


def facet_text(text: str, facet: Mapping[str, Any]) -> str:
    """The part of `text` a facet covers (for tests and reports)."""
    raw = text.encode("utf-8")
    index = facet["index"]
    return raw[index["byteStart"] : index["byteEnd"]].decode("utf-8")


# ---- record keys ----------------------------------------------------------------------------

# Keys derived from a delivery carry timestamps in a fixed window after this instant (2024-01-01
# UTC, in microseconds): a valid TID that every retry of one delivery computes alike.
_KEY_EPOCH_US = 1_704_067_200 * 1_000_000


def tid(micros: int, clock_id: int) -> str:
    """The TID of a timestamp (microseconds since the UNIX epoch) and a clock id (0..1023)."""
    if not 0 <= micros < 2**53 or not 0 <= clock_id < 1024:
        raise ValueError("a TID holds 53 bits of microseconds and a 10-bit clock id")
    value = (micros << 10) | clock_id
    return "".join(S32[(value >> (5 * (12 - i))) & 31] for i in range(13))


def tid_for_key(key: str) -> str:
    """The record key of the delivery whose idempotency key is `key`: always the same TID.

    Why: a post written with a key amplifier chose can be written once only, and found again
    by that key after an answer that never came. The timestamp part is not the send time (the
    record's `createdAt` is); it lies in a window of about 12 days after 2024-01-01.
    """
    digest = int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:8], "big")
    micros = _KEY_EPOCH_US + ((digest >> 10) % (2**40))
    return tid(micros, digest & 1023)
