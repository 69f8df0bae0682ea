"""Links read out of mails (owners and pledges with an address are in tests/factories)."""

from __future__ import annotations

import re
from email.message import EmailMessage
from urllib.parse import urlsplit

from tests.notify.conftest import body


def links_in(message: EmailMessage) -> list[str]:
    return re.findall(r"https?://[^\s<>\"]+", body(message))


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def link_to(message: EmailMessage, fragment: str) -> str:
    found = [u for u in links_in(message) if fragment in u]
    assert found, f"no link with {fragment!r} in: {body(message)}"
    return path_of(found[0])
