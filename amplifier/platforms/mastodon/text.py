"""How many characters Mastodon counts in a status, by its own rule.

Mastodon's `StatusLengthValidator` (app/validators/status_length_validator.rb) rewrites the text
before counting: every URL with a scheme that its extractor links becomes
`characters_reserved_per_url` characters (23 on stock servers; the instance says its own in
`configuration.statuses.characters_reserved_per_url`), every mention `@user@domain` becomes
`@user`, overlapping entities keep the first; then it counts extended grapheme clusters (UAX #29),
so 👨‍👩‍👧‍👦, 🇫🇷, `e` + U+0301 and a Hangul syllable written as conjoining jamo each count 1.

URLs follow twitter-text's grammar with Mastodon's own path and query rules (`url_grammar`): a
link needs a known TLD, and balanced parentheses stay in it (`…/Rome_(disambiguation)`).
Mentions follow `Account::MENTION_RE`: not after `=`, `/` or a word character, and not followed by
another `@`, a Latin accented letter or `://`.
"""

from __future__ import annotations

import encodings.idna
import re
from dataclasses import dataclass

import regex

from .. import url_grammar
from ..text import EMPTY_TEXT

DEFAULT_MAX_CHARACTERS = 500
DEFAULT_URL_LENGTH = 23
MAX_URL_LENGTH = 4096
MAX_TCO_SLUG_LENGTH = 40

_GRAPHEME = regex.compile(r"\X")
# Account::MENTION_RE (Mastodon 4): @username, optionally @domain.
# Account::MENTION_RE (Mastodon 4): @username, optionally @domain. Ruby's [[:word:]] takes
# letters, marks, digits and connectors: the `regex` library's \w, not `re`'s (no marks).
_MENTION = regex.compile(
    r"(?<![=/\w])@(?P<name>(?P<user>[a-z0-9_]+(?:[a-z0-9_.-]+[a-z0-9_]+)?)(?:@[\w.-]+\w+)?)",
    regex.IGNORECASE,
)
_MENTION_END = re.compile(f"[@\uff20{url_grammar.LATIN_ACCENTS}]|://")


@dataclass(frozen=True)
class _Entity:
    start: int
    end: int
    replacement: str | None  # None: a URL, counted as the server's URL length


def grapheme_count(text: str) -> int:
    """Extended grapheme clusters in `text` (what Ruby's `each_grapheme_cluster` counts)."""
    return sum(1 for _ in _GRAPHEME.finditer(text))


def graphemes(text: str) -> list[str]:
    """`text` split into extended grapheme clusters."""
    return _GRAPHEME.findall(text)


def _idna_ok(domain: str) -> bool:
    try:
        for label in domain.split("."):
            encodings.idna.ToASCII(label)
    except UnicodeError:
        return False
    return True


def _urls(text: str) -> list[_Entity]:
    if ":" not in text:
        return []
    found: list[_Entity] = []
    for m in url_grammar.mastodon_url_re().finditer(text):
        if m.group("protocol") is None:
            continue  # Mastodon gives the URL discount only to URLs with a scheme
        url = m.group("url")
        tco = url_grammar.MASTODON_TCO_RE.match(url)
        if tco is not None:
            if len(tco.group("slug")) > MAX_TCO_SLUG_LENGTH:
                continue
            url = tco.group(0)
        if len(url) > MAX_URL_LENGTH or not _idna_ok(m.group("domain")):
            continue
        found.append(_Entity(m.start("url"), m.start("url") + len(url), None))
    return found


def _mentions(text: str) -> list[_Entity]:
    if "@" not in text and "\uff20" not in text:
        return []
    found: list[_Entity] = []
    for m in _MENTION.finditer(text):
        if _MENTION_END.match(text, m.end()):
            continue
        found.append(_Entity(m.start(), m.end(), "@" + m.group("user")))
    return found


def countable_text(text: str, url_placeholder: str) -> str:
    """`text` as Mastodon counts it: URLs replaced by `url_placeholder`, mentions by `@user`."""
    entities = sorted(_urls(text) + _mentions(text), key=lambda e: e.start)
    out: list[str] = []
    pos = 0
    for entity in entities:
        if entity.start < pos:
            continue  # overlaps the one before: Mastodon keeps the first
        out.append(text[pos : entity.start])
        out.append(url_placeholder if entity.replacement is None else entity.replacement)
        pos = entity.end
    out.append(text[pos:])
    return "".join(out)


def length(text: str, *, url_length: int = DEFAULT_URL_LENGTH) -> int:
    """Characters Mastodon counts toward `max_characters` (a URL counts `url_length`).

    As Mastodon does, each URL is replaced by `url_length` x's before the clusters are counted.
    """
    return grapheme_count(countable_text(text, "x" * url_length))


def text_problems(
    text: str,
    max_characters: int = DEFAULT_MAX_CHARACTERS,
    *,
    url_length: int = DEFAULT_URL_LENGTH,
) -> list[str]:
    """Why a Mastodon server with this limit would refuse `text`; empty when it is fine."""
    if not text.strip():
        return [EMPTY_TEXT]
    counted = length(text, url_length=url_length)
    if counted > max_characters:
        return [
            f"This Mastodon server allows {max_characters} characters (URLs count as "
            f"{url_length}); this text has {counted}: shorten it by {counted - max_characters}."
        ]
    return []
