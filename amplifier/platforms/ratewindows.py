"""Rate-limit windows a platform announces in its answers' headers, read on the way back.

The release engine paces a platform key (X's app, one Mastodon instance) to the budget the
platform itself announces, so the headers of every answer — a success as much as a 429 — are
worth reading. Which header binds what is the platform's documentation's word:

- X ("Rate limits", https://docs.x.com/x-api/fundamentals/rate-limits): every answer carries
  `x-rate-limit-limit|remaining|reset` (reset in epoch seconds) for the endpoint's window of the
  authenticating context — with a user's OAuth 2.0 token, *that user's* window; `POST /2/tweets`
  also carries `x-app-limit-24hour-limit|remaining|reset` (the app's budget, shared by every
  account that authorised the app) and `x-user-limit-24hour-*` (the user's day).
  Only the app window is shared.
- Mastodon ("Rate limits", https://docs.joinmastodon.org/api/rate-limits/): `X-RateLimit-Limit|
  Remaining|Reset` (reset in ISO 8601) of the limit nearest to being hit; calls made with a
  user's token count against that account (300 calls / 5 min). amplifier makes one post per
  account, so those windows are never shared by our calls: they are read, and pace nothing.

An adapter's `async_session` gives `observe_rate_windows(<parser>)` to its bounded session; a
caller that wants the windows of the calls it makes wraps them in `collecting_rate_windows()`
(the limiter's `slot` does). Outside such a block the hook does nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import aiohttp

__all__ = [
    "RateWindow",
    "collecting_rate_windows",
    "mastodon_rate_windows",
    "observe_rate_windows",
    "x_rate_windows",
]

# Epoch-second resets are floored by the platform: the window really ends within the second
# after the announced one, so nothing may be sent again before announced + 1 s.
_WHOLE_SECOND = timedelta(seconds=1)


@dataclass(frozen=True, slots=True)
class RateWindow:
    """One limit as an answer described it.

    `limit` calls per window, `remaining` of them left, none allowed again before `reset`
    (aware UTC, already moved past the header's rounding). `shared`: the window binds every call
    made under the key (X's app day), not one account's. `exhausted`: the answer was a 429 or
    said nothing remains.
    """

    name: str
    limit: int
    remaining: int
    reset: datetime
    shared: bool
    exhausted: bool


Parser = Callable[[int, Mapping[str, str]], list[RateWindow]]


def _int(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        number = int(value.strip())
    except ValueError:
        return None
    return number if 0 <= number < 10**12 else None


def _epoch_reset(value: str | None) -> datetime | None:
    seconds = _int(value)
    if seconds is None:
        return None
    try:
        return datetime.fromtimestamp(seconds, UTC) + _WHOLE_SECOND
    except (OverflowError, OSError, ValueError):
        return None


def _iso_reset(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _window(
    name: str,
    limit: str | None,
    remaining: str | None,
    reset: datetime | None,
    *,
    status: int,
    shared: bool,
) -> RateWindow | None:
    lim, left = _int(limit), _int(remaining)
    if lim is None or left is None or reset is None or lim < 1:
        return None
    left = min(left, lim)
    return RateWindow(name, lim, left, reset, shared, status == 429 or left == 0)


def x_rate_windows(status: int, headers: Mapping[str, str]) -> list[RateWindow]:
    """Every X window an answer announces; malformed or missing headers announce nothing."""
    found = []
    for prefix, shared in (
        ("x-app-limit-24hour", True),
        ("x-rate-limit", False),
        ("x-user-limit-24hour", False),
    ):
        window = _window(
            prefix,
            headers.get(f"{prefix}-limit"),
            headers.get(f"{prefix}-remaining"),
            _epoch_reset(headers.get(f"{prefix}-reset")),
            status=status,
            shared=shared,
        )
        if window is not None:
            found.append(window)
    if status == 429 and found:
        # A 429 is about the window(s) that ran out, not every window the answer mentions.
        out = [w for w in found if w.remaining == 0]
        if out:
            spent = {w.name for w in out}
            found = [w if w.name in spent else _not_exhausted(w) for w in found]
    return found


def _not_exhausted(window: RateWindow) -> RateWindow:
    return RateWindow(
        window.name, window.limit, window.remaining, window.reset, window.shared, False
    )


def mastodon_rate_windows(status: int, headers: Mapping[str, str]) -> list[RateWindow]:
    """Mastodon's one window: per account for our calls (see the module's docstring)."""
    window = _window(
        "account",
        headers.get("X-RateLimit-Limit"),
        headers.get("X-RateLimit-Remaining"),
        _iso_reset(headers.get("X-RateLimit-Reset")),
        status=status,
        shared=False,
    )
    return [window] if window is not None else []


_collected: ContextVar[list[RateWindow] | None] = ContextVar("rate_windows", default=None)


@contextmanager
def collecting_rate_windows() -> Iterator[list[RateWindow]]:
    """Collect the windows announced to the calls made inside the block (this task only)."""
    sink: list[RateWindow] = []
    previous = _collected.get()
    _collected.set(sink)
    try:
        yield sink
    finally:
        _collected.set(previous)


def observe_rate_windows(parse: Parser) -> Callable[[aiohttp.ClientResponse], None]:
    """A bounded session's `observe` hook handing each answer's windows to
    `collecting_rate_windows` (nothing outside such a block)."""

    def observe(response: aiohttp.ClientResponse) -> None:
        sink = _collected.get()
        if sink is not None:
            sink.extend(parse(response.status, response.headers))

    return observe
