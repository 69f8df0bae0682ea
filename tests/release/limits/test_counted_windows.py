"""Several windows per key, each counted exactly, against a real Redis (issue 11).

A platform may bind one app key by a short and a long window at once (an hour and a day). A
token bucket as deep as a window's count lets twice that count through in one window's time;
counted windows never let more than their count through in any stretch of their length, however
the platform aligns its own windows. Times here are scaled down (0.5 s and 2 s windows) and only
bounded below, apart from a generous guard against a hang.
"""

from __future__ import annotations

import asyncio
import time

from amplifier.platforms.declaration import LimitWindow, WindowScope
from amplifier.release.limits import LimitPolicy, RedisLimiter
from amplifier.release.limits.policy import policy_from

from .conftest import run
from .helpers import KEY, limiters

SHORT, LONG = (3, 0.5), (5, 2.0)  # 3 per 0.5 s and 5 per 2 s
SLACK_S = 0.05  # the stamps are taken when each caller resumes, after Redis granted


def most_in_any(stamps: list[float], period: float) -> int:
    ordered = sorted(stamps)
    return max(
        sum(1 for t in ordered[i:] if t < start + period - SLACK_S)
        for i, start in enumerate(ordered)
    )


def test_two_windows_become_two_counted_windows() -> None:
    policy = policy_from(
        [
            LimitWindow(*SHORT, WindowScope.APP),
            LimitWindow(*LONG, WindowScope.APP),
            LimitWindow(1, 0.1, WindowScope.USER),  # one account's: paces nothing
        ],
        concurrency=None,
    )
    assert policy.also == (SHORT, LONG)
    assert policy.capacity == 3 and policy.per_second == 5 / 2.0
    assert policy.started_by(0.1) == 3  # the short window's count at once
    assert policy.started_by(0.6) == 5  # then the long one binds
    assert policy.all_started_after(11) == 4.0  # 5 by 0 s (3 + 2 at 0.5 s), 10 by 2 s, 11 by 4 s


def test_no_window_sees_more_than_its_count_and_every_call_leaves(
    redis_url: str, prefix: str
) -> None:
    policy = LimitPolicy(rate=SHORT[0], per_s=SHORT[1], also=(SHORT, LONG))

    async def main() -> tuple[list[float], float]:
        async with limiters(redis_url, prefix, policy, count=2) as (a, b):
            stamps: list[float] = []

            async def call(limiter: RedisLimiter) -> None:
                async with limiter.slot(KEY):
                    stamps.append(time.monotonic())

            t0 = time.monotonic()
            await asyncio.wait_for(
                asyncio.gather(*(call(a if i % 2 else b) for i in range(11))), timeout=30
            )
            return [s - t0 for s in stamps], time.monotonic() - t0

    stamps, elapsed = run(main())
    assert len(stamps) == 11  # none lost
    assert most_in_any(stamps, SHORT[1]) <= SHORT[0]
    assert most_in_any(stamps, LONG[1]) <= LONG[0]
    assert elapsed >= 4.0 - SLACK_S  # 11 calls need a third long window


def test_remaining_counts_the_fullest_window(redis_url: str, prefix: str) -> None:
    policy = LimitPolicy(rate=SHORT[0], per_s=SHORT[1], also=(SHORT, LONG))

    async def main() -> None:
        async with limiters(redis_url, prefix, policy) as (limiter,):
            assert await limiter.remaining(KEY, 0.1) == 3
            assert await limiter.acquire_many(KEY, 10) == 3
            assert await limiter.remaining(KEY, 0.1) == 0

    run(main())
