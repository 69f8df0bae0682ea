"""Which addresses from outside may be shown or returned as links: absolute http(s) URLs only.

A post's URL and a profile's address come from the platform, and a Mastodon server is whoever
the supporter names: it can answer `javascript:alert(1)`, a `data:` URL, a string of control
characters or a megabyte. Such a value must never become an `href`, a link in the report API or
a line in a terminal. `web_link` is the one judgement, applied where an adapter's answer enters
(`platforms.base.PublishedPost`, `Profile`) and again where a stored address leaves (the report,
the supporter's pages), so rows stored before this rule cannot slip through either.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit

MAX_LINK_LENGTH = 500  # Delivery.remote_url and Pledge.profile_url columns
# Characters RFC 3986 never allows in a URL (they would have to be percent-encoded).
_NEVER_IN_URLS = frozenset(' "<>\\^`{|}')


def web_link(url: object) -> str | None:
    """`url` if it is an absolute `http://` or `https://` URL with a host, else None.

    Refused: any other scheme (`javascript:`, `data:`, relative or scheme-less addresses), more
    than `MAX_LINK_LENGTH` characters, whitespace, control, format (bidirectional override,
    zero-width) or surrogate characters, the characters RFC 3986 excludes, and anything
    `urllib.parse.urlsplit` cannot read (a bad port, an unclosed IPv6 bracket). Never raises.
    """
    if not isinstance(url, str) or not url or len(url) > MAX_LINK_LENGTH:
        return None
    for ch in url:
        if ch in _NEVER_IN_URLS or unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zs", "Zl", "Zp"):
            return None
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number in range
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return url
