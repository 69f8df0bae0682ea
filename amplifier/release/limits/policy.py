"""What one key may do: its budget (rate, burst) and its cap on calls in flight.

The numbers are the platform's declaration's (`rate_windows`, `concurrency`), read with the
deployment's settings, so an app with a different access tier needs no code change.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from amplifier.platforms.declaration import LimitWindow, WindowScope
from amplifier.platforms.registry import PLATFORMS
from config.settings import Settings, get_settings


@dataclass(frozen=True, slots=True)
class LimitKey:
    """What one budget is shared by: (platform, "app") for an app-wide budget, (platform, host)
    for one supporter-named host's, e.g. a Mastodon server's base URL."""

    platform: str
    scope: str

    def __str__(self) -> str:
        return f"{self.platform}:{self.scope}"


@dataclass(frozen=True, slots=True)
class LimitPolicy:
    """`rate` calls per `per_s` seconds with bursts up to `burst` (default `rate`), and at most
    `concurrency` calls in flight across all workers (None: no cap).

    `also`: windows counted exactly, each `(requests, per_s)`: never more than `requests` calls
    in any `per_s` seconds (a log of grants in Redis, not a bucket: a bucket as deep as a
    window's count lets twice the count through in one window's time). A platform announcing
    several windows per app key (Tumblr: 1,000 an hour and 5,000 a day) is held to each."""

    rate: int
    per_s: float
    burst: int | None = None
    concurrency: int | None = None
    also: tuple[tuple[int, float], ...] = ()

    def __post_init__(self) -> None:
        if self.rate < 1 or self.per_s <= 0:
            raise ValueError(f"a limit needs rate >= 1 and per_s > 0, not {self.rate}/{self.per_s}")
        if self.burst is not None and self.burst < 1:
            raise ValueError(f"burst must be at least 1, not {self.burst}")
        if self.concurrency is not None and self.concurrency < 1:
            raise ValueError(f"concurrency must be at least 1 or None, not {self.concurrency}")
        for requests, per_s in self.also:
            if requests < 1 or per_s <= 0:
                raise ValueError(f"a window needs requests >= 1 and per_s > 0: {requests}/{per_s}")

    @property
    def depth(self) -> int:
        """The token bucket's depth."""
        return self.rate if self.burst is None else self.burst

    @property
    def capacity(self) -> int:
        """The most calls that may leave at once after a quiet spell."""
        return min([self.depth, *(n for n, _ in self.also)])

    @property
    def per_second(self) -> float:
        """The sustained rate: the slowest of the bucket and the counted windows."""
        return min([self.rate / self.per_s, *(n / p for n, p in self.also)])

    def started_by(self, seconds: float) -> float:
        """Calls let out within `seconds` of a quiet spell's end: the bucket's depth and refill,
        and each counted window's count once per period begun."""
        bucket = self.depth + self.rate / self.per_s * seconds
        return min([bucket, *(n * (math.floor(seconds / p) + 1) for n, p in self.also)])

    def all_started_after(self, calls: int) -> float:
        """Seconds until `calls` calls have all been let out (0 when they fit at once)."""
        bucket = (calls - self.depth) / (self.rate / self.per_s)
        counted = ((math.ceil(calls / n) - 1) * p for n, p in self.also)
        return max([0.0, bucket, *counted])


DAY_S = 24 * 3600.0

# Platforms we do not know yet still go out politely rather than not at all.
_FALLBACK = LimitPolicy(rate=10, per_s=1.0, concurrency=20)


def policy_for(key: LimitKey, settings: Settings | None = None) -> LimitPolicy:
    """The budget of a key from its platform's declared windows and concurrency cap.

    Only windows our calls share bind the limiter: per app and per host. A per-user window never
    does, since amplifier posts once per account. Several shared windows (an hourly and a daily
    one) are each counted exactly (`LimitPolicy.also`): no call leaves while any of them is full.
    """
    declaration = PLATFORMS.get(key.platform)
    if declaration is None:
        return _FALLBACK
    sub = declaration.settings_of(settings or get_settings())
    return policy_from(declaration.rate_windows(sub), declaration.concurrency(sub))


def policy_from(windows: Sequence[LimitWindow], concurrency: int | None) -> LimitPolicy:
    """The policy of a platform's declared windows (see `policy_for`); with no shared window,
    the polite fallback rate."""
    shared = sorted(
        {(w.requests, w.per_s) for w in windows if w.scope is not WindowScope.USER},
        key=lambda w: w[1],
    )
    if not shared:
        return LimitPolicy(rate=_FALLBACK.rate, per_s=_FALLBACK.per_s, concurrency=concurrency)
    (requests, per_s), *more = shared
    # several windows: each counted exactly; the bucket (the shortest window's) binds nothing
    # the counts do not, and keeps the single-window policy as it was
    also = tuple(shared) if more else ()
    return LimitPolicy(rate=requests, per_s=per_s, concurrency=concurrency, also=also)


@dataclass(frozen=True, slots=True)
class LimitStatus:
    """A snapshot for the owner's status page and for logs."""

    key: LimitKey
    policy: LimitPolicy
    tokens: float
    in_flight: int
    paused_until: datetime | None
