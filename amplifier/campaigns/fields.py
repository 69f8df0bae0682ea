"""The rules every owner-typed text field follows, at creation and at every edit.

Each function is a pydantic field validator body (it returns the value to keep or raises
ValueError with a sentence naming what to change), shared by `campaigns.CampaignCreate` and
`consent.MessageEdit`, and so by the API, the owner's web form and the CLI alike.
"""

from __future__ import annotations

import re

from amplifier.characters import checked, one_kind_of_line_break

HTTP_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)


def not_blank(value: str) -> str:
    """Stripped, and not empty."""
    value = value.strip()
    if not value:
        raise ValueError("must not be empty")
    return value


def one_line(value: str) -> str:
    """A one-line text (a title): no control or bidi-override character, no line break."""
    return not_blank(checked(value, multiline=False))


def several_lines(value: str) -> str:
    """A text of several lines (a story, a message): line breaks (stored as LF) and tabs
    allowed; no other control or bidi-override character."""
    return not_blank(checked(one_kind_of_line_break(value), multiline=True))


def http_link(value: str | None) -> str | None:
    """The message's optional link: blank means none, else an http(s) URL without spaces."""
    if value is None or not value.strip():
        return None
    value = checked(value.strip(), multiline=False)
    if not HTTP_URL.match(value):
        raise ValueError("must be an http:// or https:// URL without spaces")
    return value
