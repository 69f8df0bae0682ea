"""What every platform's text rule shares; each platform's own rule lives in its folder.

Why: a text that amplifier accepts must be one the platform accepts at T, for every supporter,
so the counts are the platforms' own, not approximations, and each is written where its platform
lives: `x/text.py` (twitter-text 3.1.0 with its v3 configuration), `mastodon/text.py`
(`StatusLengthValidator`). What they share is here (and the URL grammar, `url_grammar.py`):
grapheme clusters (UAX #29) and the sentence for an empty text. This module imports no platform,
so a platform's rule can import it without a cycle.
"""

from __future__ import annotations

import regex

_GRAPHEME = regex.compile(r"\X")

EMPTY_TEXT = "empty text: write the post before publishing."


def graphemes(text: str) -> list[str]:
    """`text` split into extended grapheme clusters (UAX #29)."""
    return _GRAPHEME.findall(text)
