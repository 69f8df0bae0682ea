"""LinkedIn's text rules: the 3,000-character commentary and the "little" text format.

A post's `commentary` is read as little text
(https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/little-text-format):
`@[Name](urn:li:person:…)` is a mention, `{hashtag|#|tag}` a hashtag template, and every
reserved character must be escaped with a backslash to be plain text — even where it forms no
element. Unescaped, LinkedIn answers 201 and publishes the text cut at the first one. A
supporter consented to their exact text, so every reserved character is escaped: the post reads
exactly as consented, with no mention or template made from it.

Length: the Posts API's commentary holds at most 3,000 characters; counted here as UTF-16 code
units of the text the member reads (before escaping), the stricter reading.
"""

from __future__ import annotations

RESERVED = frozenset("\\|{}@[]()<>#*_~")
MAX_CHARACTERS = 3000


def escape_little(text: str) -> str:
    """`text` as little text that reads exactly `text`: each reserved character after `\\`."""
    return "".join(f"\\{c}" if c in RESERVED else c for c in text)


def unescape_little(text: str) -> str:
    """The text a member reads from an all-escaped commentary (the inverse of escape_little)."""
    out: list[str] = []
    escaped = False
    for c in text:
        if escaped:
            out.append(c)
            escaped = False
        elif c == "\\":
            escaped = True
        else:
            out.append(c)
    if escaped:
        out.append("\\")
    return "".join(out)


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def linkedin_text_problems(text: str, limit: int = MAX_CHARACTERS) -> list[str]:
    """Every reason LinkedIn would refuse `text` as a post's commentary, in an owner's words."""
    if not text.strip():
        return ["empty text: write the post before publishing."]
    length = utf16_length(text)
    if length > limit:
        return [
            f"LinkedIn allows {limit:,} characters (most emoji count 2); this text has "
            f"{length:,}: shorten it by {length - limit:,}."
        ]
    return []
