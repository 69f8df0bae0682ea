"""How long a post is, by each platform's own count. Written for the sandbox from the docs only.

X ("Counting characters", https://docs.x.com/fundamentals/counting-characters, and the
twitter-text configuration v3, https://github.com/twitter/twitter-text/blob/master/config/v3.json):
the text is NFC-normalized; code points in 0-4351, 8192-8205, 8208-8223 and 8242-8247 weigh 1,
every other code point weighs 2; an emoji (with its modifiers and zero-width-joined parts) weighs
2 in all; every URL weighs 23 (the length of its t.co link); the limit is 280.

Mastodon ("Instance" entity, configuration.statuses.max_characters and
characters_reserved_per_url = 23, https://docs.joinmastodon.org/entities/Instance/): an http(s)
URL counts as 23 characters whatever its length, a remote mention ``@user@domain`` counts as
``@user``, and characters are user-perceived characters (grapheme clusters), approximated here.
"""

from __future__ import annotations

import re
import unicodedata

X_MAX_WEIGHTED_LENGTH = 280
URL_WEIGHT = 23

_LIGHT_RANGES = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))

_TLDS = (
    "com|net|org|edu|gov|mil|int|info|biz|name|pro|io|co|me|tv|app|dev|ai|xyz|online|site|"
    "social|blog|news|uk|de|fr|es|it|nl|be|ch|at|se|no|dk|fi|pl|pt|ie|eu|us|ca|au|nz|jp|"
    "cn|in|br|mx|ru|ly|gl|gd|to|fm|sh"
)
# An http(s) URL, or a bare domain with a known top-level domain, with an optional path.
# Trailing punctuation is not part of a URL.
_X_URL_RE = re.compile(
    r"(?:https?://[^\s<>\"]+"
    r"|(?<![\w@.\-/])(?:[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?\.)+(?:" + _TLDS + r")"
    r"(?![\w\-])(?::\d{1,5})?(?:/[^\s<>\"]*)?)",
    re.IGNORECASE,
)
_MASTODON_URL_RE = re.compile(r"https?://[^\s<>\"]+", re.IGNORECASE)
_TRAILING_PUNCT = ".,;:!?'\")]}"
_REMOTE_MENTION_RE = re.compile(r"(?<![\w/])@(\w+)@[\w.\-]+\w", re.UNICODE)

_ZWJ = 0x200D
_VS16 = 0xFE0F
_VS15 = 0xFE0E
_KEYCAP = 0x20E3


def _is_skin_tone(cp: int) -> bool:
    return 0x1F3FB <= cp <= 0x1F3FF


def _is_regional(cp: int) -> bool:
    return 0x1F1E6 <= cp <= 0x1F1FF


def _is_tag(cp: int) -> bool:
    return 0xE0020 <= cp <= 0xE007F


def _is_emoji_base(cp: int) -> bool:
    """Code points that are pictographs by default (the Unicode emoji blocks)."""
    return (
        (0x1F000 <= cp <= 0x1FAFF and not _is_skin_tone(cp) and not _is_regional(cp))
        or 0x2600 <= cp <= 0x27BF
        or 0x2300 <= cp <= 0x23FF
        or 0x2B00 <= cp <= 0x2BFF
        or cp in (0x3030, 0x303D, 0x3297, 0x3299)
    )


def _emoji_end(cps: list[int], i: int) -> int:
    """If an emoji sequence starts at ``i``, the index just past it; else ``i``."""
    n = len(cps)
    cp = cps[i]
    # keycap: 0-9 # * [FE0F] 20E3
    if cp < 128 and (chr(cp).isdigit() or cp in (0x23, 0x2A)):
        j = i + 1
        if j < n and cps[j] == _VS16:
            j += 1
        if j < n and cps[j] == _KEYCAP:
            return j + 1
        return i
    if _is_regional(cp):
        if i + 1 < n and _is_regional(cps[i + 1]):
            return i + 2
        return i + 1
    pictographic = _is_emoji_base(cp) or (
        # text-style symbols (©, ®, ‼, ↔, ...) become emoji with VS16
        cp >= 0xA9 and i + 1 < n and cps[i + 1] == _VS16
    )
    if not pictographic:
        return i
    j = i + 1
    while True:
        if j < n and cps[j] in (_VS16, _VS15):
            j += 1
        if j < n and _is_skin_tone(cps[j]):
            j += 1
        if j < n and cps[j] == _KEYCAP:
            j += 1
        while j < n and _is_tag(cps[j]):
            j += 1
        if (
            j + 1 < n
            and cps[j] == _ZWJ
            and (_is_emoji_base(cps[j + 1]) or (j + 2 < n and cps[j + 2] == _VS16))
        ):
            j += 2
            continue
        return j


def _char_weight(cp: int) -> int:
    for lo, hi in _LIGHT_RANGES:
        if lo <= cp <= hi:
            return 1
    return 2


def _url_spans(regex: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for m in regex.finditer(text):
        start, end = m.span()
        while end > start and text[end - 1] in _TRAILING_PUNCT:
            end -= 1
        if end > start:
            spans.append((start, end))
    return spans


def x_weighted_length(text: str) -> int:
    """The weighted length twitter-text v3 gives ``text`` (what X compares with 280)."""
    text = unicodedata.normalize("NFC", text)
    total = 0
    pos = 0
    for start, end in _url_spans(_X_URL_RE, text):
        total += _weigh_plain(text[pos:start]) + URL_WEIGHT
        pos = end
    return total + _weigh_plain(text[pos:])


def _weigh_plain(segment: str) -> int:
    if segment.isascii():
        return len(segment)
    cps = [ord(c) for c in segment]
    total = 0
    i = 0
    n = len(cps)
    while i < n:
        end = _emoji_end(cps, i)
        if end > i:
            total += 2
            i = end
        else:
            total += _char_weight(cps[i])
            i += 1
    return total


def mastodon_length(text: str) -> int:
    """Characters Mastodon counts toward ``max_characters``."""
    text = _REMOTE_MENTION_RE.sub(r"@\1", text)
    total = 0
    pos = 0
    for start, end in _url_spans(_MASTODON_URL_RE, text):
        total += grapheme_count(text[pos:start]) + URL_WEIGHT
        pos = end
    return total + grapheme_count(text[pos:])


def grapheme_count(segment: str) -> int:
    """User-perceived characters, approximately (extended grapheme clusters, UAX #29)."""
    if segment.isascii():
        return len(segment.replace("\r\n", "\n"))
    cps = [ord(c) for c in segment]
    count = 0
    i = 0
    n = len(cps)
    while i < n:
        end = _emoji_end(cps, i)
        i = end if end > i else i + 1
        # marks, joiners and selectors extend the cluster they follow
        while i < n and (
            unicodedata.category(chr(cps[i])) in ("Mn", "Me", "Mc")
            or cps[i] in (_ZWJ, _VS16, _VS15)
            or _is_skin_tone(cps[i])
        ):
            i += 2 if cps[i] == _ZWJ and i + 1 < n else 1
        count += 1
    return count
