"""X's weighted length of a post, as twitter-text 3.1.0 computes it with its v3 configuration.

Why exact: X refuses a post over 280 weighted characters at the moment amplifier sends it, for
every supporter at once; a counter that is even one short lets an owner schedule a blast that X
will refuse at T. The rules (X "Counting characters", twitter-text `config/v3.json` and
`parseTweet`):

- the text is NFC-normalised first;
- every URL (with or without a scheme, domain ending in a known TLD) weighs 23 — the length of
  the t.co link that replaces it;
- every emoji sequence twitter-text recognises (skin tones, ZWJ families, flags, keycaps) weighs
  2; the sequences are data (`textdata/twemoji_11_sequences.txt`);
- every other code point weighs 1 if it lies in 0-4351, 8192-8205, 8208-8223 or 8242-8247
  (Latin, Greek, Cyrillic, Hebrew, Arabic, Devanagari, ..., general punctuation), else 2.

Checked against twitter-text's own conformance cases and a corpus of texts whose weighted length
the official JavaScript twitter-text 3.1.0 computed (tests/platforms/test_x_text_conformance.py).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache

from .. import url_grammar
from ..text import EMPTY_TEXT
from ..textdata import EmojiSequence, twemoji_sequences

MAX_WEIGHTED_LENGTH = 280
TRANSFORMED_URL_LENGTH = 23
SCALE = 100
DEFAULT_WEIGHT = 200
EMOJI_WEIGHT = DEFAULT_WEIGHT
LIGHT_RANGES = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))
LIGHT_WEIGHT = 100

MAX_URL_LENGTH = 4096  # UTF-16 code units, scheme included
MAX_TCO_SLUG_LENGTH = 40
MAX_DOMAIN_LABEL_LENGTH = 63
_IDEOGRAPHIC_DOTS = ("\u3002", "\uff0e", "\uff61")


@dataclass(frozen=True)
class Entity:
    """A URL or emoji found in the text: `start` in code points, `length` it spans when counted."""

    start: int
    length: int


def _utf16_len(text: str) -> int:
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def _label_ascii_length(label: str) -> int:
    """Length of a DNS label once punycode-encoded (the ideographic dots split it too)."""
    for dot in _IDEOGRAPHIC_DOTS:
        label = label.replace(dot, ".")
    parts = []
    for part in label.split("."):
        if all(0x20 <= ord(ch) <= 0x7E for ch in part):
            parts.append(part)
        else:
            parts.append("xn--" + part.encode("punycode").decode("ascii"))
    return len(".".join(parts))


def _as_twitter_text_sees_it(before: str, url: str, domain: str) -> tuple[str, str]:
    """The URL and domain as twitter-text's UTF-16 matcher cuts them.

    It takes only the high surrogate of an astral character before a URL as the preceding
    character, so the low surrogate becomes the first character of the domain (and usually makes
    the first label too long once encoded). Python sees code points; this puts that half back.
    """
    if before and ord(before) > 0xFFFF:
        low = chr(0xDC00 + ((ord(before) - 0x10000) & 0x3FF))
        return low + url, low + domain
    return url, domain


def _domain_is_valid(url: str, domain: str, protocol: str | None) -> bool:
    """twitter-text's checks: labels of 1-63 characters once encoded, URL at most 4096 long."""
    if domain[:4] == "xn--" and not url_grammar.ascii_domain_re().search(domain):
        return False
    for label in domain.split("."):
        if not 1 <= _label_ascii_length(label) <= MAX_DOMAIN_LABEL_LENGTH:
            return False
    return len(protocol or "https://") + _utf16_len(url) <= MAX_URL_LENGTH


def url_entities(text: str) -> list[Entity]:
    """The URLs twitter-text extracts from `text` (already NFC), in order.

    Without a scheme only the ASCII/Latin domains inside a match are links (`bücher.de` is,
    `例え.jp` is not), and after a `-`, `_`, `.` or `/` nothing is; with a scheme the whole match
    is, except that a t.co link ends at its slug (and a slug over 40 characters is no link).
    """
    if "." not in text:
        return []
    found: list[Entity] = []
    for m in url_grammar.x_url_re().finditer(text):
        url, protocol, domain = m.group("url"), m.group("protocol"), m.group("domain")
        start = m.start("url")
        seen_url, seen_domain = _as_twitter_text_sees_it(m.group("before"), url, domain)
        if not _domain_is_valid(seen_url, seen_domain, protocol):
            continue
        if protocol is None:
            if m.group("before")[-1:] in ("-", "_", ".", "/"):
                continue
            last: tuple[int, str] | None = None
            for am in url_grammar.ascii_domain_re().finditer(domain):
                last = (am.start(), am.group(0))
                found.append(Entity(start + am.start(), len(am.group(0))))
            if last is None:
                continue
            if m.group("path") is not None:
                # the last domain takes the rest of the match; it is skipped by its own length
                ascii_start, ascii_domain = last
                found[-1] = Entity(start + ascii_start, len(url.replace(domain, ascii_domain, 1)))
            continue
        tco = url_grammar.X_TCO_RE.match(url)
        if tco is not None:
            if len(tco.group("slug")) > MAX_TCO_SLUG_LENGTH:
                continue
            url = tco.group(0)
        found.append(Entity(start, len(url)))
    return found


@cache
def _emoji_index() -> dict[str, tuple[EmojiSequence, ...]]:
    by_first: dict[str, list[EmojiSequence]] = {}
    for seq in twemoji_sequences():
        by_first.setdefault(seq.text[0], []).append(seq)
    return {
        first: tuple(sorted(seqs, key=lambda s: -len(s.text))) for first, seqs in by_first.items()
    }


def emoji_entities(text: str) -> list[Entity]:
    """The emoji twitter-text recognises in `text`, leftmost-longest, without overlaps."""
    index = _emoji_index()
    found: list[Entity] = []
    i, n = 0, len(text)
    while i < n:
        match = None
        for seq in index.get(text[i], ()):
            end = i + len(seq.text)
            if text.startswith(seq.text, i) and not (
                seq.unless_fe0e and end < n and text[end] == "\ufe0e"
            ):
                match = seq
                break
        if match is None:
            i += 1
        else:
            found.append(Entity(i, len(match.text)))
            i += len(match.text)
    return found


def _weight(ch: str) -> int:
    cp = ord(ch)
    for lo, hi in LIGHT_RANGES:
        if lo <= cp <= hi:
            return LIGHT_WEIGHT
    return DEFAULT_WEIGHT


def weighted_length(text: str) -> int:
    """The weighted length X compares with 280 (an int; see the module docstring for the rules).

    Entities are found on the whole text; counting walks it once: a URL starting here weighs 23
    and is skipped, else an emoji starting here weighs 2 and is skipped, else the code point
    weighs 1 or 2. An emoji inside a URL is part of the URL; a URL starting inside an emoji is
    counted character by character, as twitter-text does.
    """
    text = unicodedata.normalize("NFC", text)
    urls = {e.start: e for e in url_entities(text)}
    emoji = {e.start: e for e in emoji_entities(text)}
    total = 0
    i, n = 0, len(text)
    while i < n:
        if i in urls:
            total += TRANSFORMED_URL_LENGTH * SCALE
            i += max(1, urls[i].length)
        elif i in emoji:
            total += EMOJI_WEIGHT
            i += emoji[i].length
        else:
            total += _weight(text[i])
            i += 1
    return total // SCALE


# Characters twitter-text declares invalid (U+FFFE, U+FEFF, U+FFFF), and the bidirectional
# overrides amplifier refuses as well: an embedded override can make the posted text read
# differently from the text the supporter consented to.
_INVALID_CHARS = frozenset("\ufffe\ufeff\uffff\u202a\u202b\u202c\u202d\u202e")


def text_problems(text: str) -> list[str]:
    """Why X would refuse `text`, as sentences an owner can act on; empty when it is fine."""
    problems: list[str] = []
    if not text.strip():
        return [EMPTY_TEXT]
    bad = sorted({f"U+{ord(ch):04X}" for ch in text if ch in _INVALID_CHARS})
    if bad:
        problems.append(
            f"X refuses text containing the invisible characters {', '.join(bad)}: remove them."
        )
    length = weighted_length(text)
    if length > MAX_WEIGHTED_LENGTH:
        problems.append(
            f"X allows {MAX_WEIGHTED_LENGTH} weighted characters (URLs count as "
            f"{TRANSFORMED_URL_LENGTH}); this text has {length}: shorten it by "
            f"{length - MAX_WEIGHTED_LENGTH}."
        )
    return problems
