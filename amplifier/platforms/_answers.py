"""A platform's answer as bytes read under a cap, and the readings every translation shares.

A platform server may be hostile or broken: it can answer HTML where its documentation promises
JSON, a plain-text 429, JSON cut short, or hundreds of megabytes. The transports (`_http.py` for
requests, `_aio.py` for aiohttp) read at most a cap of bytes per answer and hand over an
`Answer`; each platform's translation (`x/answers.py`, `mastodon/answers.py`) decides from it
alone what happened, so the synchronous and the asynchronous calls cannot disagree.

Caps, by kind of answer (the largest documented answer of the kind, with a wide margin):

    TOKEN_CAP      16 KiB   OAuth token answers (~1 KB), app registration (~0.5 KB)
    POST_CAP      256 KiB   a created post: Mastodon's Status entity with its account (~5 KB)
    PROFILE_CAP   256 KiB   the signed-in account (Mastodon's CredentialAccount, X's user)
    INSTANCE_CAP    1 MiB   a Mastodon server's /api/v2/instance (~20 KB on large servers)
    LOOKUP_CAP      2 MiB   a page of an account's latest posts (X: up to 100, Mastodon: 40)

An answer over its cap is cut there: the rest is never read and the connection is dropped.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

KIB = 1024
TOKEN_CAP = 16 * KIB
POST_CAP = 256 * KIB
PROFILE_CAP = 256 * KIB
INSTANCE_CAP = 1024 * KIB
LOOKUP_CAP = 2048 * KIB
DEFAULT_CAP = 256 * KIB

_TAGS = re.compile(r"<[^>]*>")
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]+")
EXCERPT_CHARS = 200


@dataclass(frozen=True)
class Answer:
    """What a server answered: status, headers (case-insensitive), at most `cap` bytes of body.

    `truncated` is True when the body went on beyond the cap (it was cut, never read whole).
    """

    status: int
    headers: Mapping[str, str]
    body: bytes
    truncated: bool = False

    @property
    def media_type(self) -> str:
        return (self.headers.get("Content-Type") or "").split(";", 1)[0].strip().lower()

    def json_object(self) -> dict[str, Any] | None:
        """The body as a JSON object, or None (cut short, not JSON, or JSON but not an object).

        The declared Content-Type is not trusted either way: an HTML page typed
        `application/json` is not JSON, and JSON typed `text/plain` still is.
        """
        if self.truncated:
            return None
        try:
            parsed = json.loads(self.body)
        except (ValueError, UnicodeDecodeError):
            return None
        return parsed if isinstance(parsed, dict) else None

    def describe_body(self) -> str:
        """Words for a body that is not the API's JSON, fit for an owner's report.

        Never the raw HTML: at most a short, cleaned excerpt of plain text.
        """
        if self.truncated:
            return f"an answer larger than {len(self.body) // KIB} KiB, not read beyond that"
        if not self.body.strip():
            return "an empty answer"
        text = self.body[: EXCERPT_CHARS * 4].decode("utf-8", "replace")
        looks_html = self.media_type == "text/html" or text.lstrip()[:1] == "<"
        if looks_html:
            return "an HTML page instead of the API's JSON"
        if self.json_object() is None and self.media_type.endswith("json"):
            excerpt = " ".join(_UNPRINTABLE.sub(" ", text).split())[:60]
            return f"JSON cut short or malformed ({excerpt!r})"
        cleaned = " ".join(_UNPRINTABLE.sub(" ", _TAGS.sub(" ", text)).split())
        return f"“{cleaned[:EXCERPT_CHARS]}”"

    def retry_after(self, now: datetime | None = None) -> datetime | None:
        """`Retry-After` (RFC 9110 §10.2.3: delay-seconds or an HTTP-date) as an aware time."""
        return retry_after(self.headers.get("Retry-After"), now=now)


def retry_after(value: str | None, *, now: datetime | None = None) -> datetime | None:
    if not value:
        return None
    value = value.strip()
    now = now or datetime.now(UTC)
    if value.isascii() and value.isdigit():  # "²".isdigit() is true, and int() refuses it
        seconds = min(int(value), 7 * 86_400)  # a week at most: a larger value is nonsense
        return now + timedelta(seconds=seconds)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def unix_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromtimestamp(int(float(value)), tz=UTC)
    except (ValueError, OverflowError, OSError):
        return None


def iso_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def first_text(body: Mapping[str, Any] | None, *keys: str) -> str | None:
    """The first of `keys` holding a non-empty string, cleaned and shortened."""
    for key in keys:
        value = (body or {}).get(key)
        if isinstance(value, str) and value.strip():
            return " ".join(_UNPRINTABLE.sub(" ", value).split())[:EXCERPT_CHARS]
    return None
