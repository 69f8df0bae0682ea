"""How LinkedIn reads a post's commentary: the "little" text format.

From https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/little-text-format:
elements are plain text, a mention ``@[Name](urn:li:person:123)`` (or an organization), a
hashtag ``#tag`` and the template ``{hashtag|#|tag}``; the reserved characters
``\\ | { } @ [ ] ( ) < > # * _ ~`` must be escaped with a backslash to be plain text, "even if
those characters are not used in one of the supported elements". What LinkedIn does with one
left unescaped is not in its documentation but is widely reported: it answers 201 and the post
reads only up to that character. This module reproduces that: ``render`` gives the text a reader
sees, cut at the first reserved character that starts no element.
"""

from __future__ import annotations

import re

RESERVED = frozenset("\\|{}@[]()<>#*_~")
_MENTION = re.compile(r"@\[([^\[\]\\]+)\]\((urn:li:(?:person|organization):[A-Za-z0-9_-]+)\)")
_HASHTAG = re.compile(r"#(\w+)")
_TEMPLATE = re.compile(r"\{hashtag\|([#\uff03])\|(\w+)\}")


def render(commentary: str) -> str:
    """The text a reader sees: escapes resolved, elements shown, cut at a stray reserved one."""
    out: list[str] = []
    i = 0
    while i < len(commentary):
        c = commentary[i]
        if c == "\\" and i + 1 < len(commentary):
            out.append(commentary[i + 1])
            i += 2
            continue
        if c not in RESERVED:
            out.append(c)
            i += 1
            continue
        mention, template, hashtag = (
            _MENTION.match(commentary, i),
            _TEMPLATE.match(commentary, i),
            _HASHTAG.match(commentary, i),
        )
        if mention:
            out.append(mention.group(1))
            i = mention.end()
        elif template:
            out.append(template.group(1) + template.group(2))
            i = template.end()
        elif hashtag:
            out.append(hashtag.group(0))
            i = hashtag.end()
        else:
            break  # the silent cut
    return "".join(out)


def escape(text: str) -> str:
    """``text`` as commentary that renders to itself (what GET /rest/posts gives back)."""
    return "".join(f"\\{c}" if c in RESERVED else c for c in text)
