"""What one key may do: its budget (rate, burst) and its cap on calls in flight, from settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from config.settings import Settings, get_settings


@dataclass(frozen=True, slots=True)
class LimitKey:
    """What one budget is shared by: ("x", "app"), ("mastodon", "https://mastodon.social")."""

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
    """The documented (X) or polite (Mastodon) budget of a key, from settings so that an app with
    a different X access tier needs no code change."""
    s = settings or get_settings()
    if key.platform == "x":
        return LimitPolicy(
            rate=s.limit_x_app_per_day, per_s=DAY_S, concurrency=s.limit_x_concurrency
        )
    if key.platform == "mastodon":
        per_s = s.limit_mastodon_per_s
        # An integer count per period keeps buckets exact for fractional rates like 0.5/s.
        rate, period = (round(per_s), 1.0) if per_s >= 1 else (1, 1.0 / per_s)
        return LimitPolicy(rate=rate, per_s=period, concurrency=s.limit_mastodon_concurrency)
    return _FALLBACK


@dataclass(frozen=True, slots=True)
class LimitStatus:
    """A snapshot for the owner's status page and for logs."""

    key: LimitKey
    policy: LimitPolicy
    tokens: float
    in_flight: int
    paused_until: datetime | None
