"""What a Mastodon server says about itself, and when it lets us call again.

Why: the instance's own answers decide how a post is counted and how a supporter is named —
`configuration.statuses.max_characters` and `characters_reserved_per_url` (Mastodon docs,
"Instance" entity, /api/v2/instance; `max_toot_chars` and `uri` on older /api/v1/instance), and
`domain`, the name in its accounts' handles, which may differ from the host a supporter typed
(a server at `social.example.org` can name its accounts `@me@example.org`). A 429 says when to
retry in `X-RateLimit-Reset` (Mastodon, ISO 8601) or `Retry-After` (RFC 9110 §10.2.3: seconds or
an HTTP date, sent by proxies in front of a server); both are honoured, the later wins.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .._answers import iso_time, retry_after
from .text import DEFAULT_MAX_CHARACTERS, DEFAULT_URL_LENGTH

# Bounds on what a server may claim: beyond these the answer is ignored as malformed.
MAX_CHARACTERS_CEILING = 1_000_000
URL_LENGTH_CEILING = 10_000
_DOMAIN = re.compile(r"[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?", re.IGNORECASE)


@dataclass(frozen=True)
class InstanceFacts:
    """A server's counting rules and account domain (`domain` None: it did not say)."""

    max_characters: int = DEFAULT_MAX_CHARACTERS
    characters_reserved_per_url: int = DEFAULT_URL_LENGTH
    domain: str | None = None


def _bounded(value: Any, ceiling: int, *, minimum: int) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and minimum <= value <= ceiling:
        return value
    return None


def _domain(value: Any) -> str | None:
    if isinstance(value, str) and _DOMAIN.fullmatch(value) and "." in value:
        return value.lower()
    return None


def parse_instance(body: Mapping[str, Any]) -> InstanceFacts | None:
    """The facts in a /api/v2/instance or /api/v1/instance answer; None if it gives no limit.

    v2: `domain`, `configuration.statuses.{max_characters, characters_reserved_per_url}`;
    v1: `uri` (the domain), the same `configuration` on Mastodon 3.4+, `max_toot_chars` on forks.
    Values out of range (a negative or absurd limit, a domain with a path) are ignored.
    """
    configuration = body.get("configuration")
    statuses = configuration.get("statuses") if isinstance(configuration, Mapping) else None
    if not isinstance(statuses, Mapping):
        statuses = {}
    max_chars = _bounded(
        statuses.get("max_characters", body.get("max_toot_chars")),
        MAX_CHARACTERS_CEILING,
        minimum=1,
    )
    if max_chars is None:
        return None
    per_url = _bounded(statuses.get("characters_reserved_per_url"), URL_LENGTH_CEILING, minimum=0)
    return InstanceFacts(
        max_characters=max_chars,
        characters_reserved_per_url=DEFAULT_URL_LENGTH if per_url is None else per_url,
        domain=_domain(body.get("domain")) or _domain(body.get("uri")),
    )


def rate_limit_reset(headers: Mapping[str, str], *, now: datetime | None = None) -> datetime | None:
    """The later of `X-RateLimit-Reset` and `Retry-After` on a 429, or None if neither parses."""
    times = [
        t
        for t in (
            iso_time(headers.get("X-RateLimit-Reset")),
            retry_after(headers.get("Retry-After"), now=now),
        )
        if t is not None
    ]
    return max(times) if times else None
