"""How each platform measures a post, and why it would refuse one, as pure functions.

Why: a text that amplifier accepts must be one the platform accepts at T, for every supporter,
so the counts are the platforms' own, not approximations:

- X: twitter-text 3.1.0 with its v3 configuration (`x_text`): NFC, URLs 23, emoji sequences 2,
  other code points 1 or 2 by range; limit 280.
- Mastodon: `StatusLengthValidator` (`mastodon_text`): grapheme clusters, URLs with a scheme as
  the instance's `characters_reserved_per_url`, `@user@domain` as `@user`; the limit is the
  instance's `configuration.statuses.max_characters` (500 by default).
"""

from __future__ import annotations

from . import mastodon_text, x_text

X_MAX_WEIGHTED = x_text.MAX_WEIGHTED_LENGTH
X_URL_LENGTH = x_text.TRANSFORMED_URL_LENGTH
MASTODON_DEFAULT_MAX = mastodon_text.DEFAULT_MAX_CHARACTERS
MASTODON_URL_LENGTH = mastodon_text.DEFAULT_URL_LENGTH

# Characters twitter-text declares invalid (U+FFFE, U+FEFF, U+FFFF), and the bidirectional
# overrides amplifier refuses as well: an embedded override can make the posted text read
# differently from the text the supporter consented to.
_X_INVALID_CHARS = frozenset("\ufffe\ufeff\uffff\u202a\u202b\u202c\u202d\u202e")


def graphemes(text: str) -> list[str]:
    """`text` split into extended grapheme clusters (UAX #29)."""
    return mastodon_text.graphemes(text)


def x_weighted_length(text: str) -> int:
    """The weighted length X counts against its 280 limit (twitter-text v3 `weightedLength`)."""
    return x_text.weighted_length(text)


def mastodon_length(text: str, *, url_length: int = MASTODON_URL_LENGTH) -> int:
    """The characters Mastodon counts: graphemes, URLs as `url_length`, `@u@domain` as `@u`."""
    return mastodon_text.length(text, url_length=url_length)


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
