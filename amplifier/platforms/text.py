"""How each platform measures a post, as pure functions (no network, no settings).

X (twitter-text v3 configuration, the one X's "Counting characters" page points to):
    the text is NFC-normalised; each code point in 0-4351, 8192-8205, 8208-8223 or 8242-8247
    weighs 1, every other code point 2; an emoji sequence (skin tones, ZWJ families, flags,
    keycaps) weighs 2 in total; every URL weighs 23 (the t.co link that replaces it). Limit 280.

Mastodon (`StatusLengthValidator`): grapheme clusters are counted; every URL *with* a scheme
    counts as `characters_reserved_per_url` (23); a mention `@user@domain` counts as `@user`.
    The limit is per server (`configuration.statuses.max_characters`, 500 by default).

Both URL recognisers are approximations of twitter-text's extractor, written without its
TLD tables: a URL with http(s):// needs a host with a dot and an alphabetic TLD; a bare domain
(X only) needs a TLD from `_GENERIC_TLDS` or any two-letter country code, and, as in twitter-text,
a single label before a country code (`bit.ly`) is a URL only when a path follows (`bit.ly/x`).
Grapheme clusters are approximated (combining marks, ZWJ sequences, variation selectors, emoji
modifiers, tags, regional-indicator pairs, Hangul jamo, CR LF) since the standard library has no
segmenter. Counts may differ from the platforms' in rare cases; the platform stays the judge.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

X_MAX_WEIGHTED = 280
X_URL_LENGTH = 23
MASTODON_DEFAULT_MAX = 500
MASTODON_URL_LENGTH = 23

_X_LIGHT_RANGES = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))

# Characters twitter-text declares invalid in a Tweet.
_X_INVALID_CHARS = frozenset("\ufffe\ufeff\uffff\u202a\u202b\u202c\u202d\u202e")

_GENERIC_TLDS_TEXT = """
    com net org info biz edu gov mil int name pro aero coop museum mobi asia tel travel jobs cat
    app dev io ai xyz online site shop store blog news page link live club top tech website space
    social media art design studio cloud digital email group network world today life love
    agency company community foundation global green earth help law health care church center
"""
_GENERIC_TLDS = frozenset(_GENERIC_TLDS_TEXT.split())

_PUNCT_TRAILING = ".,:;!?'\"\u2019\u201d)]}>\u2026"

_URL_WITH_SCHEME = re.compile(
    "(?<![A-Za-z0-9@$#\uff20\uff03])https?://"
    r"(?P<host>[^\s/?#<>\"'@]+)"
    r"(?P<rest>[/?#][^\s<>\"]*)?",
    re.IGNORECASE,
)

_LABEL = r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)"
_BARE_URL = re.compile(
    "(?<![A-Za-z0-9@$#\uff20\uff03\\-_./:])"
    rf"(?P<domain>(?:{_LABEL}\.)+(?P<tld>[a-z]{{2,24}}))"
    r"(?![A-Za-z0-9\-_@])"
    r"(?P<port>:\d{1,5})?"
    r"(?P<rest>/[^\s<>\"]*)?",
    re.IGNORECASE,
)

# Mastodon's Account::MENTION_RE: @user or @user@domain, not inside a word or URL.
_MENTION = re.compile(
    r"(?<![=/\w])@(?P<user>[a-z0-9_]+(?:[.-]+[a-z0-9_]+)*)(?:@[\w]+(?:[.-]+[\w]+)*)?",
    re.IGNORECASE,
)


def _trim_url(url: str) -> str:
    """Drop trailing punctuation that ends a sentence rather than the URL."""
    while url and url[-1] in _PUNCT_TRAILING:
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break
        url = url[:-1]
    return url


def _host_ok(host: str) -> bool:
    host = host.split(":", 1)[0].rstrip(".")
    labels = host.split(".")
    if len(labels) < 2 or not all(labels):
        return False
    return labels[-1].isalpha() and len(labels[-1]) >= 2


def _url_spans(text: str, *, bare_domains: bool) -> list[tuple[int, int]]:
    """(start, end) of every URL in `text`, without overlaps, in order."""
    spans: list[tuple[int, int]] = []
    for m in _URL_WITH_SCHEME.finditer(text):
        url = _trim_url(m.group(0))
        if _host_ok(m.group("host").rstrip(_PUNCT_TRAILING)):
            spans.append((m.start(), m.start() + len(url)))
    if bare_domains:
        for m in _BARE_URL.finditer(text):
            start = m.start()
            if any(s <= start < e for s, e in spans):
                continue
            tld = m.group("tld").lower()
            labels = m.group("domain").split(".")
            if tld not in _GENERIC_TLDS and len(tld) != 2:
                continue
            rest = m.group("rest")
            if len(tld) == 2 and len(labels) == 2 and not (rest and len(rest) > 1):
                continue  # twitter-text: "name.cc" without a path is not linked
            url = _trim_url(m.group(0))
            spans.append((start, start + len(url)))
    spans.sort()
    return spans


def _replace_spans(text: str, spans: list[tuple[int, int]], placeholder: str) -> str:
    out: list[str] = []
    pos = 0
    for start, end in spans:
        out.append(text[pos:start])
        out.append(placeholder)
        pos = end
    out.append(text[pos:])
    return "".join(out)


# ---------------------------------------------------------------- grapheme clusters


def _is_regional_indicator(cp: int) -> bool:
    return 0x1F1E6 <= cp <= 0x1F1FF


def _is_extender(ch: str) -> bool:
    cp = ord(ch)
    return (
        unicodedata.category(ch) in ("Mn", "Me", "Mc")
        or cp == 0x200D
        or 0xFE00 <= cp <= 0xFE0F
        or 0xE0100 <= cp <= 0xE01EF
        or 0x1F3FB <= cp <= 0x1F3FF
        or 0xE0020 <= cp <= 0xE007F
        or 0x1160 <= cp <= 0x11FF  # Hangul medial vowels and final consonants
        or 0xD7B0 <= cp <= 0xD7FB
    )


def graphemes(text: str) -> Iterator[str]:
    """Split `text` into (approximate) extended grapheme clusters."""
    cluster = ""
    ri_count = 0
    for ch in text:
        cp = ord(ch)
        joins = False
        if cluster:
            last = cluster[-1]
            if (
                (last == "\r" and ch == "\n")
                or _is_extender(ch)
                or last == "\u200d"
                or (_is_regional_indicator(cp) and ri_count % 2 == 1)
            ):
                joins = True
        if joins:
            cluster += ch
        else:
            if cluster:
                yield cluster
            cluster = ch
            ri_count = 0
        if _is_regional_indicator(cp):
            ri_count += 1
    if cluster:
        yield cluster


def _is_emoji_cluster(cluster: str) -> bool:
    first = ord(cluster[0])
    if len(cluster) == 1:
        return 0x1F000 <= first <= 0x1FAFF or 0x2600 <= first <= 0x27BF or 0x2B00 <= first <= 0x2BFF
    if 0x1F000 <= first <= 0x1FAFF:
        return True
    return any(
        ch in "\ufe0f\u200d\u20e3"
        or 0x1F3FB <= ord(ch) <= 0x1F3FF
        or _is_regional_indicator(ord(ch))
        for ch in cluster
    )


def _x_weight(cp: int) -> int:
    return 1 if any(lo <= cp <= hi for lo, hi in _X_LIGHT_RANGES) else 2


# ---------------------------------------------------------------- public API


def x_weighted_length(text: str) -> int:
    """The length X counts against its 280 limit (see the module docstring for the rules)."""
    text = unicodedata.normalize("NFC", text)
    spans = _url_spans(text, bare_domains=True)
    total = X_URL_LENGTH * len(spans)
    pos = 0
    pieces: list[str] = []
    for start, end in spans:
        pieces.append(text[pos:start])
        pos = end
    pieces.append(text[pos:])
    for piece in pieces:
        for cluster in graphemes(piece):
            if _is_emoji_cluster(cluster):
                total += 2
            else:
                total += sum(_x_weight(ord(ch)) for ch in cluster)
    return total


def mastodon_length(text: str, *, url_length: int = MASTODON_URL_LENGTH) -> int:
    """The length Mastodon counts: graphemes, URLs as `url_length`, `@u@domain` as `@u`."""
    spans = _url_spans(text, bare_domains=False)
    marker = "\x00"
    countable = _replace_spans(text, spans, marker)
    countable = _MENTION.sub(lambda m: "@" + m.group("user"), countable)
    clusters = sum(1 for g in graphemes(countable) if g != marker)
    return clusters + url_length * len(spans)


def x_text_problems(text: str) -> list[str]:
    """Why X would refuse `text`, as sentences an owner can act on; empty when it is fine."""
    problems: list[str] = []
    if not text.strip():
        return ["empty text: write the post before publishing."]
    bad = sorted({f"U+{ord(ch):04X}" for ch in text if ch in _X_INVALID_CHARS})
    if bad:
        problems.append(
            f"X refuses text containing the invisible characters {', '.join(bad)}: remove them."
        )
    length = x_weighted_length(text)
    if length > X_MAX_WEIGHTED:
        problems.append(
            f"X allows {X_MAX_WEIGHTED} weighted characters (URLs count as {X_URL_LENGTH}); "
            f"this text has {length}: shorten it by {length - X_MAX_WEIGHTED}."
        )
    return problems


def mastodon_text_problems(
    text: str,
    max_characters: int = MASTODON_DEFAULT_MAX,
    *,
    url_length: int = MASTODON_URL_LENGTH,
) -> list[str]:
    """Why a Mastodon server with this limit would refuse `text`; empty when it is fine."""
    if not text.strip():
        return ["empty text: write the post before publishing."]
    length = mastodon_length(text, url_length=url_length)
    if length > max_characters:
        return [
            f"This Mastodon server allows {max_characters} characters (URLs count as "
            f"{url_length}); this text has {length}: shorten it by {length - max_characters}."
        ]
    return []
