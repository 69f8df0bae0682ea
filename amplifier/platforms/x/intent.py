"""X's Post Web Intent: a link that opens X's composer with the supporter's text ready.

Documented at https://docs.x.com/x-for-websites/post-button/guides/web-intent: the address is
`https://x.com/intent/tweet`; `text` is "pre-populated UTF-8 and URL-encoded" post text and `url`
"a fully-qualified URL with a HTTP or HTTPS scheme, URL-encoded", which X appends to the text
(shortened by t.co). Nothing is posted until the supporter taps Post, which is why amplifier
counts a click on such a link as a click, never as a post.

Encoding: every character outside RFC 3986's unreserved set is percent-encoded from UTF-8
(`quote(..., safe="")`): a space is `%20`, `#` `%23` (else it would start a fragment and cut
the text), `&` `%26` and `=` `%3D` (else a new parameter), a newline `%0A`, an emoji its four
UTF-8 bytes.
"""

from __future__ import annotations

from urllib.parse import quote

INTENT_BASE = "https://x.com/intent/tweet"


def intent_link(text: str, link: str | None = None) -> str:
    """The Web Intent for exactly `text`: when it ends with " " + `link`, the link travels as
    `url` (X adds it back after a space, so the composed post is still `text`)."""
    params = [("text", text)]
    if link and text.endswith(" " + link):
        params = [("text", text[: -len(link) - 1]), ("url", link)]
    elif link and text == link:
        params = [("url", link)]
    query = "&".join(f"{name}={quote(value, safe='')}" for name, value in params)
    return f"{INTENT_BASE}?{query}"
