"""Where a login may send the browser next: only a path on this site, never another host.

`/login?next=…` is a link anyone can craft, so the value is believed only when it is a plain
local path: one leading slash (`//evil.example` is another host to a browser), no scheme, no
backslash (browsers read `/\\evil.example` as `//evil.example`), and no whitespace or control
character (browsers drop tabs and newlines, which would turn `/\\t/evil.example` into `//…`).
"""

from __future__ import annotations

DEFAULT_NEXT = "/owner"
ADMIN_NEXT = "/admin"  # an admin logs in to review campaigns: their landing page
_MAX_NEXT = 2_000


def safe_next(raw: str | None) -> str | None:
    """`raw` if it is a local path this site may redirect to, else None."""
    if not raw or len(raw) > _MAX_NEXT:
        return None
    if not raw.startswith("/") or raw.startswith("//"):
        return None
    if "\\" in raw or any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in raw):
        return None
    if not raw.isascii():  # our own paths are ASCII; anything else came from a crafted link
        return None
    return raw


def next_or_default(raw: str | None, *, admin: bool = False) -> str:
    """Where to go after logging in: the asked-for page if safe, else the owner's dashboard,
    or the review page for an admin."""
    return safe_next(raw) or (ADMIN_NEXT if admin else DEFAULT_NEXT)
