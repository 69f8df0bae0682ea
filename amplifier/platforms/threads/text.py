"""A Threads post's text rule (https://developers.facebook.com/docs/threads/posts): at most 500
characters, and "emojis are counted as the number of UTF-8 bytes".

Counted here per grapheme cluster (what a reader sees as one character): a cluster holding an
emoji (an Extended_Pictographic code point or a regional-indicator flag) weighs its UTF-8 bytes
(a thumbs-up 4, a family of four joined by ZWJ 25), any other cluster 1.
"""

from __future__ import annotations

import regex

MAX_CHARACTERS = 500
_CLUSTER = regex.compile(r"\X")
_EMOJI = regex.compile(r"[\p{Extended_Pictographic}\p{Regional_Indicator}]")


def weight(text: str) -> int:
    return sum(len(c.encode("utf-8")) if _EMOJI.search(c) else 1 for c in _CLUSTER.findall(text))


def text_problems(text: str, limit: int = MAX_CHARACTERS) -> list[str]:
    problems: list[str] = []
    if not text.strip():
        problems.append("The message is empty: Threads posts nothing without text.")
    counted = weight(text)
    if counted > limit:
        problems.append(
            f"The message counts {counted} on Threads (each emoji counts its UTF-8 bytes, "
            f"usually 4 or more); Threads takes at most {limit}."
        )
    return problems
