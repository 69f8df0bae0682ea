"""What one key may do: its budget (rate, burst) and its cap on calls in flight.

The numbers are the platform's declaration's (`rate_windows`, `concurrency`), read with the
deployment's settings, so an app with a different access tier needs no code change.
"""

from __future__ import annotations

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
    `concurrency` calls in flight across all workers (None: no cap)."""

    rate: int
    per_s: float
    burst: int | None = None
    concurrency: int | None = None

    def __post_init__(self) -> None:
        if self.rate < 1 or self.per_s <= 0:
            raise ValueError(f"a limit needs rate >= 1 and per_s > 0, not {self.rate}/{self.per_s}")
        if self.burst is not None and self.burst < 1:
            raise ValueError(f"burst must be at least 1, not {self.burst}")
        if self.concurrency is not None and self.concurrency < 1:
            raise ValueError(f"concurrency must be at least 1 or None, not {self.concurrency}")

    @property
    def capacity(self) -> int:
        """The most calls that may leave at once after a quiet spell."""
        return self.rate if self.burst is None else self.burst

    @property
    def per_second(self) -> float:
        return self.rate / self.per_s


DAY_S = 24 * 3600.0

# Platforms we do not know yet still go out politely rather than not at all.
_FALLBACK = LimitPolicy(rate=10, per_s=1.0, concurrency=20)


def policy_for(key: LimitKey, settings: Settings | None = None) -> LimitPolicy:
    """The budget of a key from its platform's declared windows and concurrency cap.

    Only windows our calls share bind the limiter: per app and per host. A per-user window never
    does, since amplifier posts once per account. With several shared windows (an hourly and a
    daily one) the bucket refills at the slowest window's rate and holds at most the smallest
    window's count.
    """
    declaration = PLATFORMS.get(key.platform)
    if declaration is None:
        return _FALLBACK
    sub = declaration.settings_of(settings or get_settings())
    return policy_from(declaration.rate_windows(sub), declaration.concurrency(sub))


def policy_from(windows: Sequence[LimitWindow], concurrency: int | None) -> LimitPolicy:
    """One bucket for a platform's declared windows (see `policy_for`); with no shared window,
    the polite fallback rate."""
    shared = [w for w in windows if w.scope is not WindowScope.USER]
    if not shared:
        return LimitPolicy(rate=_FALLBACK.rate, per_s=_FALLBACK.per_s, concurrency=concurrency)
    slowest = min(shared, key=_per_second)
    burst = min(w.requests for w in shared)
    return LimitPolicy(
        rate=slowest.requests,
        per_s=slowest.per_s,
        burst=None if burst == slowest.requests else burst,
        concurrency=concurrency,
    )


def _per_second(window: LimitWindow) -> float:
    return window.requests / window.per_s


@dataclass(frozen=True, slots=True)
class LimitStatus:
    """A snapshot for the owner's status page and for logs."""

    key: LimitKey
    policy: LimitPolicy
    tokens: float
    in_flight: int
    paused_until: datetime | None
