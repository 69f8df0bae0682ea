"""Tumblr's text rule and the Neue Post Format blocks a supporter's text becomes.

NPF (https://www.tumblr.com/docs/npf): a post's `content` is a list of blocks; a text block
`{"type": "text", "text": …}` holds the words as typed (line breaks included), a link block
`{"type": "link", "url": …}` shows a link as a card. The text goes whole into one text block, so
it reads exactly as consented; its first http(s) link also gets a link block (the owner's link as
a card). Tumblr documents no length limit for a text block; 4,096 characters is kept as the
limit here, a conservative bound that keeps a blast a post and not an essay.
"""

from __future__ import annotations

import re
from typing import Any

MAX_CHARACTERS = 4096
_URL = re.compile(r"https?://[^\s<>\"]+")


def npf_content(text: str) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = [{"type": "text", "text": text}]
    found = _URL.search(text)
    if found:
        blocks.append({"type": "link", "url": found.group(0).rstrip(".,;:!?)")})
    return blocks


def text_of(content: object) -> str | None:
    """The text of a post's NPF content: its text blocks, one per line; None if it has none."""
    if not isinstance(content, list):
        return None
    texts = [
        str(block.get("text", ""))
        for block in content
        if isinstance(block, dict) and block.get("type") == "text"
    ]
    return "\n".join(texts) if texts else None


def tumblr_text_problems(text: str, limit: int = MAX_CHARACTERS) -> list[str]:
    if not text.strip():
        return ["empty text: write the post before publishing."]
    if len(text) > limit:
        return [
            f"amplifier posts at most {limit:,} characters to Tumblr; this text has "
            f"{len(text):,}: shorten it by {len(text) - limit:,}."
        ]
    return []
