from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import redis.asyncio as aioredis

from amplifier.release.limits import LimitKey, LimitPolicy, RedisLimiter

KEY = LimitKey("mastodon", "https://test.example")


@asynccontextmanager
async def limiters(
    url: str, prefix: str, policy: LimitPolicy, count: int = 1, **options: Any
) -> AsyncIterator[Sequence[RedisLimiter]]:
    """`count` limiters, each on its own Redis connection, as separate workers would be."""
    clients = [aioredis.Redis.from_url(url) for _ in range(count)]
    made = [RedisLimiter(c, lambda _k: policy, prefix=prefix, **options) for c in clients]
    try:
        yield made
    finally:
        for limiter in made:
            await limiter.aclose()
        for client in clients:
            await client.aclose()


def assert_paced(stamps: Sequence[float], policy: LimitPolicy, slack_s: float = 0.1) -> None:
    """No stretch of time saw more grants than the bucket allows: between the i-th and the j-th
    grant at least (j - i + 1 - burst) / rate seconds passed.

    The stamps are taken when each caller resumes, not when Redis granted: `slack_s` absorbs
    that delivery delay on a busy machine, so short spans prove little and long ones a lot.
    """
    ordered = sorted(stamps)
    rate = policy.per_second
    for i in range(len(ordered)):
        for j in range(i + policy.capacity, len(ordered)):
            needed = (j - i + 1 - policy.capacity) / rate
            assert ordered[j] - ordered[i] >= needed - slack_s, (i, j, ordered[j] - ordered[i])
